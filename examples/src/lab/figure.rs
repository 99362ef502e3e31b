//! The data behind one figure of the lab's report: panels of named series,
//! a caption, a summary table and optional preformatted text. Everything
//! here is plain data: [`chart`](super::chart) draws it, [`report`](super::report)
//! writes it out as HTML, CSV and JSON.

use serde::Serialize;

/// One experiment's result.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// The experiment's command-line name (`pauses`).
    pub name: &'static str,
    /// The heading.
    pub title: String,
    /// What to look at and why it happens (two to four sentences).
    pub caption: &'static str,
    /// The charts, shown side by side.
    pub panels: Vec<Panel>,
    /// The summary printed to the terminal and shown under the charts.
    pub table: Table,
    /// Preformatted text shown under the table (a backtrace), if any.
    pub text: Option<String>,
    /// Files written beside the report and linked from the figure (a heap
    /// snapshot), as (file name, contents); not in the figure's JSON.
    #[serde(skip)]
    pub files: Vec<(String, Vec<u8>)>,
}

/// A chart: series drawn the same way on shared axes.
#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    /// Shown above the chart.
    pub title: String,
    /// How the series are drawn.
    pub kind: Kind,
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis.
    pub y: Axis,
    /// One per backend (or variant), in legend order.
    pub series: Vec<Series>,
}

/// How a panel draws its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Points joined by lines, with a marker at each.
    Line,
    /// A vertical line from zero to each point (a pause timeline).
    Stems,
    /// A bar centred on each point (a histogram or one bar per backend).
    Bars,
}

/// An axis: its label and scale.
#[derive(Debug, Clone, Serialize)]
pub struct Axis {
    /// The label, with its unit.
    pub label: &'static str,
    /// How values map to positions.
    pub scale: Scale,
}

/// How an axis maps values to positions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// Linear.
    Linear,
    /// Linear, and the points of each series come in time order.
    Time,
    /// Logarithmic (values must be positive).
    Log,
    /// Whole numbers naming categories (`0` is the first label).
    Categories(Vec<String>),
}

impl Axis {
    /// A linear axis.
    pub fn linear(label: &'static str) -> Axis {
        Axis {
            label,
            scale: Scale::Linear,
        }
    }

    /// A time axis.
    pub fn time(label: &'static str) -> Axis {
        Axis {
            label,
            scale: Scale::Time,
        }
    }

    /// A logarithmic axis.
    pub fn log(label: &'static str) -> Axis {
        Axis {
            label,
            scale: Scale::Log,
        }
    }

    /// A categorical axis with these labels.
    pub fn categories(label: &'static str, names: Vec<String>) -> Axis {
        Axis {
            label,
            scale: Scale::Categories(names),
        }
    }
}

/// A named list of `(x, y)` points.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// The legend entry: a backend's name, or a backend and a variant.
    pub name: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series named `name`.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.into(),
            points,
        }
    }
}

/// A small table of strings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    /// Column names.
    pub header: Vec<&'static str>,
    /// Rows, as many cells as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns and no rows.
    pub fn new(header: &[&'static str]) -> Table {
        Table {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len(), "row width");
        self.rows.push(cells);
    }

    /// The table as aligned text, one line per row, header first.
    pub fn to_text(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|c| {
                let cells = self.rows.iter().map(|r| r[c].chars().count());
                cells.chain([self.header[c].len()]).max().unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<&str>| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, &w))| match i {
                    0 => format!("{cell:<w$}"),
                    _ => format!("{cell:>w$}"),
                })
                .collect();
            padded.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = line(self.header.clone());
        for row in &self.rows {
            out += &line(row.iter().map(String::as_str).collect());
        }
        out
    }
}

impl Figure {
    /// Every point as CSV (`panel,series,x,y`), header line first.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("panel,series,x,y\n");
        for panel in &self.panels {
            for series in &panel.series {
                for (x, y) in &series.points {
                    out += &format!(
                        "{},{},{x},{y}\n",
                        csv_cell(&panel.title),
                        csv_cell(&series.name)
                    );
                }
            }
        }
        out
    }
}

/// `text` quoted for CSV if it needs to be.
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Milliseconds, for tables.
pub fn ms(d: std::time::Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Bytes as MiB, for tables.
pub fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}
