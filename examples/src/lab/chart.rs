//! Draws a [`Panel`] as an SVG document with `plotters` (its SVG backend:
//! text is left to the browser as `<text>` elements, so no font is loaded).
//!
//! Logarithmic axes are drawn on the base-10 logarithms of the values, with
//! tick labels converted back, so every panel uses one coordinate type.

use super::figure::{Kind, Panel, Scale, Series};
use plotters::prelude::*;

/// Width and height of one chart, in pixels.
pub const SIZE: (u32, u32) = (560, 340);

/// The panel as a standalone `<svg>` element.
pub fn svg(panel: &Panel) -> Result<String, String> {
    let mut out = String::new();
    draw(panel, &mut out).map_err(|error| format!("drawing {:?}: {error}", panel.title))?;
    Ok(out)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(panel: &Panel, out: &mut String) -> DrawResult {
    let root = SVGBackend::with_string(out, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let series: Vec<Series> = panel.series.iter().map(|s| plotted(panel, s)).collect();
    let (x_range, y_range) = ranges(panel, &series);
    let mut chart = ChartBuilder::on(&root)
        .caption(&panel.title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range, y_range)?;
    let x_labels = |v: &f64| tick_label(&panel.x.scale, *v);
    let y_labels = |v: &f64| tick_label(&panel.y.scale, *v);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(panel.x.label)
        .y_desc(panel.y.label)
        .x_label_formatter(&x_labels)
        .y_label_formatter(&y_labels)
        .light_line_style(WHITE.mix(0.0));
    if let Scale::Categories(names) = &panel.x.scale {
        mesh.x_labels(names.len() + 1);
    }
    mesh.draw()?;
    let bar_width = bar_width(panel, &series);
    let y_floor = chart.y_range().start;
    for (index, s) in series.iter().enumerate() {
        let color = color_of(&s.name, index);
        let points = s.points.iter().copied();
        let drawn = match panel.kind {
            Kind::Line => {
                chart.draw_series(points.clone().map(|p| Circle::new(p, 2, color.filled())))?;
                chart.draw_series(LineSeries::new(points, color.stroke_width(2)))?
            }
            Kind::Stems => chart.draw_series(points.map(|(x, y)| {
                PathElement::new(vec![(x, y_floor), (x, y)], color.stroke_width(1))
            }))?,
            Kind::Bars => chart.draw_series(points.map(|(x, y)| {
                let half = bar_width / 2.0;
                Rectangle::new(
                    [(x - half, y_floor), (x + half, y)],
                    color.mix(0.8).filled(),
                )
            }))?,
        };
        drawn
            .label(s.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 14, y + 4)], color.filled()));
    }
    if series.len() > 1 || !matches!(panel.x.scale, Scale::Categories(_)) {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// The series as drawn: logarithmic coordinates replaced by their base-10
/// logarithms, points that a log axis cannot show (zero or negative) left out.
fn plotted(panel: &Panel, series: &Series) -> Series {
    let log_x = panel.x.scale == Scale::Log;
    let log_y = panel.y.scale == Scale::Log;
    let points = series
        .points
        .iter()
        .filter(|&&(x, y)| (!log_x || x > 0.0) && (!log_y || y > 0.0))
        .map(|&(x, y)| {
            let x = if log_x { x.log10() } else { x };
            let y = if log_y { y.log10() } else { y };
            (x, y)
        })
        .collect();
    Series::new(series.name.clone(), points)
}

/// The drawn ranges: the points' extent with a margin; linear vertical
/// axes start at zero.
fn ranges(panel: &Panel, series: &[Series]) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
    let points = || series.iter().flat_map(|s| s.points.iter().copied());
    let extent = |values: &mut dyn Iterator<Item = f64>| {
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
    };
    let (mut x0, mut x1) = extent(&mut points().map(|p| p.0));
    let (mut y0, mut y1) = extent(&mut points().map(|p| p.1));
    if !x0.is_finite() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if let Scale::Categories(names) = &panel.x.scale {
        (x0, x1) = (-0.5, names.len() as f64 - 0.5);
    } else if panel.kind == Kind::Bars {
        let half = bar_width(panel, series);
        (x0, x1) = (x0 - half, x1 + half);
    }
    if panel.y.scale != Scale::Log {
        y0 = y0.min(0.0);
    }
    let pad = |lo: f64, hi: f64, share: f64| {
        let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
        (lo - span * share, hi + span * share)
    };
    let (x0, x1) = if matches!(panel.x.scale, Scale::Categories(_)) {
        (x0, x1)
    } else {
        pad(x0, x1, 0.03)
    };
    let (y0p, y1) = pad(y0, y1, 0.08);
    let y0 = if panel.y.scale == Scale::Log { y0p } else { y0 };
    (x0..x1, y0..y1)
}

/// Bars are as wide as the closest two bars are apart (a histogram's
/// buckets touch), at most 0.8 of a category.
fn bar_width(panel: &Panel, series: &[Series]) -> f64 {
    if let Scale::Categories(_) = panel.x.scale {
        return 0.36;
    }
    let mut xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&gap| gap > 0.0)
        .fold(f64::INFINITY, f64::min)
        .clamp(1e-3, 1.0)
        * 0.9
}

fn tick_label(scale: &Scale, v: f64) -> String {
    match scale {
        Scale::Log => number(10f64.powf(v)),
        Scale::Categories(names) => {
            let i = v.round();
            if (v - i).abs() < 0.01 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
        Scale::Linear | Scale::Time => number(v),
    }
}

/// A compact tick label: `0.25`, `12`, `3.5k`, `2M`.
fn number(v: f64) -> String {
    let a = v.abs();
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    match a {
        _ if a == 0.0 => "0".into(),
        _ if a >= 1e6 => trim(format!("{:.1}", v / 1e6)) + "M",
        _ if a >= 1e4 => trim(format!("{:.1}", v / 1e3)) + "k",
        _ if a >= 10.0 => format!("{v:.0}"),
        _ if a >= 0.1 => trim(format!("{v:.2}")),
        _ => trim(format!("{v:.3}")),
    }
}

/// Each backend keeps its colour in every figure.
fn color_of(name: &str, index: usize) -> RGBColor {
    const OTHERS: [RGBColor; 3] = [
        RGBColor(188, 189, 34),
        RGBColor(140, 86, 75),
        RGBColor(23, 190, 207),
    ];
    match name {
        n if n.starts_with("mark-sweep") => RGBColor(31, 119, 180),
        n if n.starts_with("copying") => RGBColor(255, 127, 14),
        n if n.starts_with("mark-compact") => RGBColor(148, 103, 189),
        n if n.contains("cycles off") => RGBColor(214, 39, 40),
        n if n.starts_with("refcount") => RGBColor(44, 160, 44),
        n if n.starts_with("box") => RGBColor(127, 127, 127),
        _ => OTHERS[index % OTHERS.len()],
    }
}
