//! Experiment 1: pause histogram and pause timeline on binary-trees.

use super::figure::{ms, Axis, Figure, Kind, Panel, Series, Table};
use super::run::millis;
use super::Lab;

const CAPTION: &str = "Each bar counts the collections whose pause fell in one bucket of the \
heap's pause histogram (8 buckets per doubling); the timeline puts each collection at the moment \
it started, its height the pause. Tracing collectors pause for time proportional to what they \
trace: mark-sweep marks the live trees, copying copies them (and more as the live set grows). \
Deferred reference counting pauses to reconcile its zero-count table and free what it holds, so \
its pauses follow the garbage made since the last collection rather than the live heap.";

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let trees = lab.trees();
    let mut panels: Vec<Panel> = trees
        .runs
        .iter()
        .map(|run| Panel {
            title: format!("{}: pause histogram", run.backend),
            kind: Kind::Bars,
            x: Axis::log("pause (ms)"),
            y: Axis::linear("collections"),
            series: vec![Series::new(
                run.backend.name(),
                run.stats
                    .pauses
                    .buckets()
                    .map(|(lo, hi, n)| (millis((lo + hi) / 2), n as f64))
                    .collect(),
            )],
        })
        .collect();
    panels.push(Panel {
        title: "pause timeline".into(),
        kind: Kind::Stems,
        x: Axis::time("time since heap creation (ms)"),
        y: Axis::linear("pause (ms)"),
        series: trees
            .runs
            .iter()
            .map(|run| {
                let points = run.stats.events.iter();
                Series::new(
                    run.backend.name(),
                    points
                        .map(|e| (millis(e.started), millis(e.pause)))
                        .collect(),
                )
            })
            .collect(),
    });
    let mut table = Table::new(&["backend", "wall", "GCs", "total pause", "p50", "p99", "max"]);
    for run in &trees.runs {
        let p = &run.stats.pauses;
        table.row(vec![
            run.backend.to_string(),
            ms(run.wall),
            run.stats.collections.to_string(),
            ms(run.stats.total_pause),
            ms(p.quantile(0.5)),
            ms(p.quantile(0.99)),
            ms(p.max()),
        ]);
    }
    let mut cells = vec!["box".to_string(), ms(trees.box_wall)];
    cells.extend(["-"; 5].map(String::from));
    table.row(cells);
    Figure {
        name: "pauses",
        title: format!("1. Pauses (binary-trees, depth {})", trees.depth),
        caption: CAPTION,
        panels,
        table,
        text: None,
        files: Vec::new(),
    }
}
