//! Experiment 7: locality. A list linked in a random order of its cells'
//! addresses, traversed before and after collections.

use super::figure::{Axis, Figure, Kind, Panel, Series, Table};
use super::run::{best_of, config, measure, SplitMix};
use super::Lab;
use crate::workloads::{sum_links, Link};
use crate::Program;
use gc_core::{Collector, Gc, GcError, Heap};
use std::hint::black_box;
use std::time::Duration;

const CAPTION: &str = "The list's cells are allocated one after another but linked in a random \
order, so each step of a traversal jumps to an unrelated address and misses the cache. A \
copying collection moves the cells in the order it reaches them from the root, which for a list \
is traversal order: after the first collection the same traversal streams through memory and is \
several times faster. Mark-sweep and reference counting never move an object, so their lists stay \
scattered. Each point is the fastest of several traversals.";

/// Collections after the first traversal.
const COLLECTIONS: usize = 2;

/// The program: the best traversal time before any collection and after
/// each of [`COLLECTIONS`].
pub struct Scattered {
    /// Cells in the list.
    pub len: usize,
    /// Traversals per point (the fastest counts).
    pub runs: usize,
}

impl Program for Scattered {
    type Output = Result<Vec<Duration>, GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let len = self.len;
        heap.scope("locality", |s| {
            // A sentinel whose `next` is the list's first cell.
            let head = s.try_alloc(Link::default())?;
            s.scope("build", |t| {
                let cells = (0..len as u64)
                    .map(|value| {
                        t.try_alloc(Link {
                            value,
                            next: Gc::null(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let order = SplitMix(7).permutation(len);
                for pair in order.windows(2) {
                    t.set(cells[pair[0]], |l| &l.next, cells[pair[1]]);
                }
                t.set(head, |l| &l.next, cells[order[0]]);
                Ok::<(), GcError>(())
            })?;
            let expected = len as u64 * (len as u64 - 1) / 2;
            let mut times = Vec::with_capacity(COLLECTIONS + 1);
            for collection in 0..=COLLECTIONS {
                if collection > 0 {
                    s.collect();
                }
                let (best, sum) =
                    best_of(self.runs, || black_box(sum_links(s.get(head), len as u64)));
                assert_eq!(sum, expected, "the traversal reached every cell");
                times.push(best);
            }
            Ok(times)
        })
    }
}

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let len = lab.size(500_000, 2_000_000);
    let labels = (0..=COLLECTIONS)
        .map(|i| {
            if i == 0 {
                "before any GC".to_string()
            } else {
                format!("after GC {i}")
            }
        })
        .collect();
    let mut series = Vec::new();
    let mut table = Table::new(&["backend", "before", "after GC 1", "after GC 2", "speed-up"]);
    for &backend in lab.backends() {
        let run = measure(backend, config(), Scattered { len, runs: 3 }).expect("valid config");
        let times = run.output.expect("the list fits in the default heap");
        let per_cell = |d: &Duration| d.as_secs_f64() * 1e9 / len as f64;
        series.push(Series::new(
            backend.name(),
            times
                .iter()
                .enumerate()
                .map(|(i, d)| (i as f64, per_cell(d)))
                .collect(),
        ));
        let mut cells = vec![backend.to_string()];
        cells.extend(times.iter().map(|d| format!("{:.1} ns/cell", per_cell(d))));
        let speedup = times[0].as_secs_f64() / times[COLLECTIONS].as_secs_f64();
        cells.push(format!("{speedup:.1}x"));
        table.row(cells);
    }
    Figure {
        name: "locality",
        title: format!("7. Locality (a list of {len} cells linked in scattered order)"),
        caption: CAPTION,
        panels: vec![Panel {
            title: "traversal time per cell".into(),
            kind: Kind::Line,
            x: Axis::categories("", labels),
            y: Axis::linear("ns per cell"),
            series,
        }],
        table,
        text: None,
        files: Vec::new(),
    }
}
