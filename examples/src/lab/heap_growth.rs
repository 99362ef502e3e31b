//! Experiment 2: heap size and live bytes after each collection.

use super::figure::{mib, Axis, Figure, Kind, Panel, Series, Table};
use super::run::{mebibytes, millis};
use super::Lab;
use crate::Backend;

const CAPTION: &str = "The heap grows as the program allocates and drops at each collection to \
what survived: the sawtooth. The level each tooth reaches is the trigger each collection set \
(the growth policy: 4x the live bytes, at least 1 MiB, at most 32 MiB above them, that cap \
doubled after each collection in a row that freed less than a quarter of what the heap grew), the \
same rule for every backend. \
Copying needs a second semispace as large as what it copies while it collects: its footprint \
line adds that copy reserve, the classic price of compaction.";

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let trees = lab.trees();
    let mut table = Table::new(&["backend", "GCs", "peak heap", "max live", "peak footprint"]);
    let panels = trees
        .runs
        .iter()
        .map(|run| {
            let events = &run.stats.events;
            let end = |e: &gc_core::CollectionEvent| millis(e.started + e.pause);
            let heap = events
                .iter()
                .flat_map(|e| {
                    [
                        (millis(e.started), mebibytes(e.bytes_before)),
                        (end(e), mebibytes(e.bytes_after)),
                    ]
                })
                .collect();
            let live = events
                .iter()
                .map(|e| (end(e), mebibytes(e.bytes_after)))
                .collect();
            let trigger = events
                .iter()
                .map(|e| (end(e), mebibytes(e.trigger)))
                .collect();
            let mut series = vec![
                Series::new(format!("{} heap", run.backend), heap),
                Series::new("live after GC", live),
                Series::new("trigger (as the heap set it)", trigger),
            ];
            let reserve = |e: &gc_core::CollectionEvent| e.bytes_before + e.bytes_copied;
            if run.backend == Backend::Copying {
                series.push(Series::new(
                    "footprint with copy reserve",
                    events
                        .iter()
                        .map(|e| (end(e), mebibytes(reserve(e))))
                        .collect(),
                ));
            }
            let max_live = events.iter().map(|e| e.bytes_after).max().unwrap_or(0);
            let footprint = events.iter().map(reserve).max().unwrap_or(0);
            table.row(vec![
                run.backend.to_string(),
                run.stats.collections.to_string(),
                mib(run.stats.peak_heap_bytes),
                mib(max_live),
                mib(footprint),
            ]);
            Panel {
                title: format!("{}: heap over time", run.backend),
                kind: Kind::Line,
                x: Axis::time("time since heap creation (ms)"),
                y: Axis::linear("MiB"),
                series,
            }
        })
        .collect();
    Figure {
        name: "heap",
        title: format!("2. Heap over time (binary-trees, depth {})", trees.depth),
        caption: CAPTION,
        panels,
        table,
        text: None,
        files: Vec::new(),
    }
}
