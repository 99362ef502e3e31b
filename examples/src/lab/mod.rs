//! The GC lab: the same programs on every collector, the trade-offs drawn
//! side by side.
//!
//! Each experiment ([`EXPERIMENTS`]) runs a program on the selected
//! backends and returns a [`Figure`]: charts, a caption saying what to
//! look at, and a summary table. [`report`] writes them as one HTML page
//! with inline SVG plus each figure's data as CSV and JSON. The `lab`
//! binary is the command line.
//!
//! ```no_run
//! use examples::lab::{Lab, EXPERIMENTS};
//! use examples::Backend;
//!
//! let mut lab = Lab::new(true, Backend::ALL.to_vec());
//! let figure = lab.run(&EXPERIMENTS[0]);
//! print!("{}", figure.table.to_text());
//! ```

pub mod chart;
pub mod figure;
pub mod report;
pub mod run;

mod deep;
mod fragmentation;
mod heap_growth;
mod leaks;
mod locality;
mod pauses;
mod retainers;
mod space_time;
mod utilisation;
mod weak;

pub use figure::Figure;

use crate::workloads::{binary_trees, BinaryTrees, BoxForest, Order};
use crate::Backend;
use run::Measured;
use std::time::{Duration, Instant};

/// One experiment of the lab.
pub struct Experiment {
    /// The name `--only` takes.
    pub name: &'static str,
    /// One line for `--help`.
    pub summary: &'static str,
    run: fn(&mut Lab) -> Figure,
}

/// Every experiment, in report order.
pub const EXPERIMENTS: &[Experiment] = &[
    Experiment {
        name: "pauses",
        summary: "pause histogram and pause timeline on binary-trees",
        run: pauses::figure,
    },
    Experiment {
        name: "heap",
        summary: "heap size and live bytes after each collection (the sawtooth)",
        run: heap_growth::figure,
    },
    Experiment {
        name: "mmu",
        summary: "minimum mutator utilisation over windows from 100 us to 1 s",
        run: utilisation::figure,
    },
    Experiment {
        name: "space-time",
        summary: "total and GC time against heap size, 1.25x to 8x the live bytes",
        run: space_time::figure,
    },
    Experiment {
        name: "leaks",
        summary: "cycles leaked by reference counting with cycle collection off and on",
        run: leaks::figure,
    },
    Experiment {
        name: "fragmentation",
        summary: "holes left by scattered frees of mixed sizes, and compaction's answer",
        run: fragmentation::figure,
    },
    Experiment {
        name: "locality",
        summary: "traversing a list built in scattered order, before and after collections",
        run: locality::figure,
    },
    Experiment {
        name: "deep",
        summary: "a 10-million-cell list: work-list depth, no recursion; a shadow-stack backtrace",
        run: deep::figure,
    },
    Experiment {
        name: "retainers",
        summary: "reference counting's leak in a heap snapshot: retaining path and dominators",
        run: retainers::figure,
    },
    Experiment {
        name: "weak",
        summary: "an interning cache with strong, weak, and weak-with-cleanup entries",
        run: weak::figure,
    },
];

/// The experiment named `name`.
pub fn experiment(name: &str) -> Option<&'static Experiment> {
    EXPERIMENTS.iter().find(|e| e.name == name)
}

/// The lab's state: its size setting, the backends it runs on, and the
/// binary-trees runs that several experiments share.
pub struct Lab {
    quick: bool,
    backends: Vec<Backend>,
    trees: Option<Trees>,
}

/// binary-trees on every backend and on `Box`, shared by the pause, heap
/// and utilisation figures.
struct Trees {
    depth: u32,
    runs: Vec<Measured<u64>>,
    box_wall: Duration,
}

impl Lab {
    /// A lab at quick (small) or full size, on `backends`.
    pub fn new(quick: bool, backends: Vec<Backend>) -> Lab {
        Lab {
            quick,
            backends,
            trees: None,
        }
    }

    /// Runs `experiment` and returns its figure.
    pub fn run(&mut self, experiment: &Experiment) -> Figure {
        (experiment.run)(self)
    }

    /// The backends the lab runs on.
    pub fn backends(&self) -> &[Backend] {
        &self.backends
    }

    /// `quick` in quick mode, `full` otherwise.
    fn size<T>(&self, quick: T, full: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }

    /// The shared binary-trees runs, made on first use.
    fn trees(&mut self) -> &Trees {
        if self.trees.is_none() {
            let depth = self.size(12, 16);
            let runs = self
                .backends
                .iter()
                .map(|&backend| {
                    run::measure(
                        backend,
                        run::config(),
                        BinaryTrees {
                            depth,
                            order: Order::ChildrenFirst,
                        },
                    )
                    .expect("the lab's configuration is valid")
                })
                .map(|m| Measured {
                    output: m.output.expect("binary-trees fits in the default heap"),
                    backend: m.backend,
                    wall: m.wall,
                    stats: m.stats,
                })
                .collect();
            let start = Instant::now();
            let checksum = binary_trees(&mut BoxForest, depth, Order::ChildrenFirst);
            let box_wall = start.elapsed();
            debug_assert!(checksum.is_ok());
            self.trees = Some(Trees {
                depth,
                runs,
                box_wall,
            });
        }
        self.trees.as_ref().expect("just made")
    }
}
