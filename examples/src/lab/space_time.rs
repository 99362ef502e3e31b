//! Experiment 4: the space-time trade-off (Hertz and Berger, OOPSLA 2005).

use super::figure::{ms, Axis, Figure, Kind, Panel, Series, Table};
use super::run::{best_of, config, fixed_heap, measure, millis};
use super::Lab;
use crate::workloads::{binary_trees, BinaryTrees, BoxForest, Order};
use crate::Backend;
use gc_core::MIN_CAPACITY;

const CAPTION: &str = "Each point runs binary-trees once in a heap of fixed size that \
collects only when full, from 1.25x to 8x the program's peak live bytes. The smaller the heap, \
the more often the collector runs and the less garbage each run finds, so GC time falls as the \
heap grows (Hertz and Berger's figure: memory buys speed); total time approaches the malloc \
baseline (grey), and in the largest heaps the extra memory touched can cost more than the \
collections saved. Copying runs only from about 3x here: it needs a second semispace as large \
as what it copies. Mark-compact needs no such reserve and runs from 1.5x like mark-sweep, but \
its collections cost more: its plan walks the whole heap, dead objects too. Reference counting's cost follows the objects freed, not the heap size, so \
its curve stays flat. Missing points ran out of memory.";

/// Heap sizes, as multiples of the peak live bytes.
const FACTORS: [f64; 8] = [1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0];

/// The sizes of a quick run.
const QUICK_FACTORS: [f64; 5] = [1.25, 2.0, 3.0, 4.0, 8.0];

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let (depth, factors) = lab.size((13, &QUICK_FACTORS[..]), (15, &FACTORS[..]));
    let live = peak_live(lab.backends()[0], depth);
    let (box_wall, _) = best_of(3, || {
        binary_trees(&mut BoxForest, depth, Order::ChildrenFirst)
    });
    let mut total = Vec::new();
    let mut gc = Vec::new();
    let mut table = Table::new(&["backend", "heap / live", "heap", "total", "GC", "GCs"]);
    for &backend in lab.backends() {
        let (mut t, mut g) = (Vec::new(), Vec::new());
        for &factor in factors {
            let capacity = ((live as f64 * factor) as usize).max(MIN_CAPACITY);
            let run = measure(
                backend,
                fixed_heap(capacity),
                BinaryTrees {
                    depth,
                    order: Order::ChildrenFirst,
                },
            )
            .expect("a valid configuration");
            let x = capacity as f64 / live as f64;
            let outcome = if run.output.is_ok() {
                t.push((x, millis(run.wall)));
                g.push((x, millis(run.stats.total_pause)));
                (ms(run.wall), ms(run.stats.total_pause))
            } else {
                ("out of memory".to_string(), "-".to_string())
            };
            table.row(vec![
                backend.to_string(),
                format!("{x:.2}"),
                format!("{:.1} MiB", capacity as f64 / (1 << 20) as f64),
                outcome.0,
                outcome.1,
                run.stats.collections.to_string(),
            ]);
        }
        total.push(Series::new(backend.name(), t));
        gc.push(Series::new(backend.name(), g));
    }
    let (x0, x1) = (factors[0], factors[factors.len() - 1]);
    total.push(Series::new(
        "box (malloc)",
        vec![(x0, millis(box_wall)), (x1, millis(box_wall))],
    ));
    let panel = |title: &str, y, series| Panel {
        title: title.into(),
        kind: Kind::Line,
        x: Axis::linear("heap size / peak live bytes"),
        y: Axis::log(y),
        series,
    };
    Figure {
        name: "space-time",
        title: format!(
            "4. Space-time trade-off (binary-trees, depth {depth}, peak live {:.1} MiB)",
            live as f64 / (1 << 20) as f64
        ),
        caption: CAPTION,
        panels: vec![panel("total time", "ms", total), panel("GC time", "ms", gc)],
        table,
        text: None,
        files: Vec::new(),
    }
}

/// The most bytes any collection of a default-configured run left live.
fn peak_live(backend: Backend, depth: u32) -> usize {
    let run = measure(
        backend,
        config(),
        BinaryTrees {
            depth,
            order: Order::ChildrenFirst,
        },
    )
    .expect("a valid configuration");
    let live = run.stats.events.iter().map(|e| e.bytes_after).max();
    live.unwrap_or(run.stats.heap_bytes).max(1)
}
