//! Experiment 3: minimum mutator utilisation.

use super::figure::{Axis, Figure, Kind, Panel, Series, Table};
use super::Lab;
use std::time::Duration;

const CAPTION: &str = "For a window length w, the minimum mutator utilisation is the smallest \
share of any w-long stretch of the run that the program (not the collector) had; it is 0 for \
windows shorter than the longest pause and climbs towards the overall share for long windows. \
A curve that rises early means short pauses (good for interactive programs); a curve that ends \
high means little total collection time (good for throughput). Time spent outside collections, \
such as reference counting's barrier or lazy sweeping, counts as the program's here.";

/// Window lengths from 100 us to 1 s, four per decade.
fn windows() -> impl Iterator<Item = Duration> {
    (0..=16).map(|i| Duration::from_secs_f64(1e-4 * 10f64.powf(i as f64 / 4.0)))
}

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let trees = lab.trees();
    let series = trees
        .runs
        .iter()
        .map(|run| {
            let points = windows()
                .map(|w| (w.as_secs_f64() * 1e3, run.stats.min_mutator_utilisation(w)))
                .collect();
            Series::new(run.backend.name(), points)
        })
        .collect();
    let mut table = Table::new(&["backend", "MMU 1 ms", "MMU 10 ms", "MMU 100 ms", "MMU 1 s"]);
    for run in &trees.runs {
        let mut cells = vec![run.backend.to_string()];
        for ms in [1, 10, 100, 1000] {
            let mmu = run.stats.min_mutator_utilisation(Duration::from_millis(ms));
            cells.push(format!("{:.0}%", mmu * 100.0));
        }
        table.row(cells);
    }
    Figure {
        name: "mmu",
        title: format!(
            "3. Mutator utilisation (binary-trees, depth {})",
            trees.depth
        ),
        caption: CAPTION,
        panels: vec![Panel {
            title: "minimum mutator utilisation".into(),
            kind: Kind::Line,
            x: Axis::log("window (ms)"),
            y: Axis::linear("utilisation"),
            series,
        }],
        table,
        text: None,
        files: Vec::new(),
    }
}
