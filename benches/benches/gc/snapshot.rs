//! `snapshot`: heap snapshots of a 1,048,575-object heap (a binary tree of
//! depth 19, `examples::workloads::Node`), on every backend: walking the
//! heap into a graph (`graph`), writing that graph as a `.heapsnapshot` to
//! a sink (`write`; a snapshot costs both),
//! `why_alive` of the last leaf (the longest shortest path), and the
//! dominator tree with retained sizes. The baseline, measured in the same
//! run on the same heap, is one full collection (`collect`): what a
//! program pays anyway, every cycle, for the same live heap. The issue's
//! targets: graph and write together < 1 s, `why_alive` < 50 ms,
//! dominators < 2 s.

use criterion::{black_box, Criterion};
use examples::workloads::{Forest, Order};
use examples::{Backend, Program};
use gc_core::{Collector, Heap, HeapConfig};
use gc_snapshot::{write_heap_snapshot, Dominators};
use std::io::sink;

/// Depth of the tree: 2^20 - 1 objects.
const DEPTH: u32 = 19;

struct Measure<'c> {
    criterion: &'c mut Criterion,
    backend: Backend,
}

impl Program for Measure<'_> {
    type Output = ();
    fn run<C: Collector>(self, heap: &mut Heap<C>) {
        let name = self.backend.to_string();
        heap.scope("snapshot", |s| {
            let _tree = s.build(DEPTH, Order::ChildrenFirst).expect("room");
            let graph = s.heap_graph();
            let edges = graph.edges.len();
            let graph_bytes = graph.objects.len()
                * std::mem::size_of::<gc_core::graph::GraphObject>()
                + edges * std::mem::size_of::<gc_core::graph::GraphEdge>();
            let mut file = Vec::new();
            write_heap_snapshot(&graph, &mut file).expect("in memory");
            println!(
                "snapshot/{name}: {} objects, {edges} edges; graph {:.1} MiB, file {:.1} MiB",
                graph.objects.len(),
                graph_bytes as f64 / f64::from(1 << 20),
                file.len() as f64 / f64::from(1 << 20)
            );
            drop(file);
            let last = graph.objects.len() as u32 - 1;
            let mut group = self.criterion.benchmark_group("snapshot");
            group.sample_size(10);
            group.bench_function(format!("collect/{name}"), |b| b.iter(|| s.collect()));
            group.bench_function(format!("graph/{name}"), |b| {
                b.iter(|| black_box(s.heap_graph()).objects.len())
            });
            group.bench_function(format!("write/{name}"), |b| {
                b.iter(|| write_heap_snapshot(&graph, sink()).expect("sink"))
            });
            group.bench_function(format!("why_alive/{name}"), |b| {
                b.iter(|| black_box(graph.why_alive(last, None)).expect("reachable"))
            });
            group.bench_function(format!("dominators/{name}"), |b| {
                b.iter(|| black_box(Dominators::of(&graph)).retained_size(0))
            });
            group.finish();
        });
    }
}

pub fn register(criterion: &mut Criterion) {
    for backend in Backend::ALL {
        backend
            .run(
                HeapConfig::default(),
                Measure {
                    criterion,
                    backend: *backend,
                },
            )
            .expect("valid config");
    }
}
