//! Writes the lab's figures: one self-contained HTML page (inline SVG, no
//! script, no network) and each figure's data as CSV and JSON beside it.

use super::chart;
use super::figure::{Figure, Table};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// The report's file name inside the output directory.
pub const PAGE: &str = "index.html";

/// All figures' data in one JSON file, beside the page.
pub const ALL_DATA: &str = "lab.json";

/// Writes `figures` into `dir` (created if needed): the page, `lab.json`,
/// `NAME.csv` and `NAME.json` per figure, and each figure's files (heap
/// snapshots). Returns the page's path.
pub fn write(dir: &Path, figures: &[Figure], heading: &str) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for figure in figures {
        std::fs::write(dir.join(format!("{}.csv", figure.name)), figure.to_csv())?;
        std::fs::write(dir.join(format!("{}.json", figure.name)), json(figure)?)?;
        for (name, contents) in &figure.files {
            std::fs::write(dir.join(name), contents)?;
        }
    }
    std::fs::write(dir.join(ALL_DATA), json(figures)?)?;
    let page = dir.join(PAGE);
    std::fs::write(&page, html(figures, heading).map_err(io::Error::other)?)?;
    Ok(page)
}

/// `value` as pretty JSON.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> io::Result<String> {
    serde_json::to_string_pretty(value).map_err(io::Error::other)
}

const STYLE: &str = "\
body { font-family: sans-serif; max-width: 1800px; margin: 1em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
.panels { display: flex; flex-wrap: wrap; gap: 8px; }
.panels svg { border: 1px solid #eee; }
p.caption { max-width: 75em; line-height: 1.4; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { padding: 2px 10px; text-align: right; border-bottom: 1px solid #eee; }
td:first-child, th:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 8px; font-size: 0.85em; overflow-x: auto; }
nav a { margin-right: 1em; }";

/// The page.
fn html(figures: &[Figure], heading: &str) -> Result<String, String> {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>GC lab</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n\
         <h1>GC lab</h1>\n<p>{}</p>\n<nav>",
        escape(heading)
    );
    for figure in figures {
        let _ = write!(out, "<a href=\"#{0}\">{0}</a>", figure.name);
    }
    out.push_str("</nav>\n");
    for figure in figures {
        let _ = write!(
            out,
            "<section class=\"figure\" id=\"{}\">\n<h2>{}</h2>\n<div class=\"panels\">\n",
            figure.name,
            escape(&figure.title)
        );
        for panel in &figure.panels {
            out.push_str(&chart::svg(panel)?);
            out.push('\n');
        }
        let _ = write!(
            out,
            "</div>\n<p class=\"caption\">{}</p>\n{}",
            escape(figure.caption),
            table_html(&figure.table)
        );
        if let Some(text) = &figure.text {
            let _ = writeln!(out, "<pre>{}</pre>", escape(text));
        }
        let _ = write!(
            out,
            "<p>Data: <a href=\"{0}.csv\">{0}.csv</a>, <a href=\"{0}.json\">{0}.json</a>",
            figure.name
        );
        for (name, _) in &figure.files {
            let _ = write!(out, ", <a href=\"{0}\">{0}</a>", escape(name));
        }
        out.push_str("</p>\n</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

fn table_html(table: &Table) -> String {
    let mut out = String::from("<table>\n<tr>");
    for cell in &table.header {
        let _ = write!(out, "<th>{}</th>", escape(cell));
    }
    out.push_str("</tr>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// `text` with HTML's special characters escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
