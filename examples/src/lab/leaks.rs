//! Experiment 5: reference counting's leak of cyclic garbage.

use super::figure::{Axis, Figure, Kind, Panel, Series, Table};
use super::run::{config, live_list, measure, millis};
use super::Lab;
use crate::workloads::Rings;
use crate::{Backend, Program};
use gc_core::{Collector, GcError, Heap, HeapConfig};
use std::time::Instant;

const CAPTION: &str = "The program keeps a small list live and builds rings of three objects \
that it drops at once; after every round of rings it collects. Plain reference counting (cycle \
collection off, red) frees nothing in a ring, since each member is referenced by another: the \
count of unreclaimed objects grows by three per ring for ever. With trial deletion on, \
reference counting finds the rings and frees them, and the tracing collectors never see them at \
all: they trace only what is reachable.";

/// Rounds of ring building, each followed by an explicit collection.
const ROUNDS: usize = 20;

/// The program: returns, after each round's collection, the time since it
/// started (ms) and the objects left beyond the live list.
struct BuildRings {
    rings_per_round: u64,
}

impl Program for BuildRings {
    type Output = Result<Vec<(f64, f64)>, GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let start = Instant::now();
        heap.scope("leaks", |s| {
            live_list(s, 1_000)?;
            s.collect();
            let live = s.usage().objects;
            let mut points = vec![(millis(start.elapsed()), 0.0)];
            for round in 0..ROUNDS as u64 {
                for ring in 0..self.rings_per_round {
                    s.ring(3 * (round * self.rings_per_round + ring))?;
                }
                s.collect();
                let left = s.usage().objects - live;
                points.push((millis(start.elapsed()), left as f64));
            }
            Ok(points)
        })
    }
}

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let rings_per_round = lab.size(500, 5_000);
    let mut variants: Vec<(String, Backend, HeapConfig)> = lab
        .backends()
        .iter()
        .map(|&b| (b.name().to_string(), b, config()))
        .collect();
    if lab.backends().contains(&Backend::RefCount) {
        let off = HeapConfig {
            collect_cycles: false,
            ..config()
        };
        variants.push(("refcount (cycles off)".into(), Backend::RefCount, off));
    }
    let mut series = Vec::new();
    let mut table = Table::new(&[
        "collector",
        "rings",
        "left after last GC",
        "reported leaked",
        "freed by cycles",
    ]);
    for (name, backend, config) in variants {
        let run = measure(backend, config, BuildRings { rings_per_round }).expect("valid config");
        let points = run.output.expect("the rings fit in the default heap");
        table.row(vec![
            name.clone(),
            (ROUNDS as u64 * rings_per_round).to_string(),
            points.last().map_or(0.0, |p| p.1).to_string(),
            run.stats.leaked_objects.to_string(),
            run.stats.freed_by_cycles.to_string(),
        ]);
        series.push(Series::new(name, points));
    }
    Figure {
        name: "leaks",
        title: format!("5. Leaks ({rings_per_round} rings of three per round, {ROUNDS} rounds)"),
        caption: CAPTION,
        panels: vec![Panel {
            title: "unreclaimed objects after each collection".into(),
            kind: Kind::Line,
            x: Axis::time("time since start (ms)"),
            y: Axis::linear("objects"),
            series,
        }],
        table,
        text: None,
        files: Vec::new(),
    }
}
