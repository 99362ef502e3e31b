//! `mark`: marking against its physical floor. The time to mark a tree of
//! depth 21 (4.2 M nodes, the tree of `large_live_heap`) on mark-sweep, on
//! one thread (`mark-sweep`) and on [`MARK_THREADS`](crate::MARK_THREADS)
//! (`mark-sweep-par`), next to a plain walk of the same tree built from
//! `Box` (`box-walk`).
//!
//! What is timed:
//! - `box-walk`: one recursive count of the tree's nodes
//!   ([`Forest::check`] of [`BoxForest`]), the natural floor: a depth-first
//!   walk whose stack is the call stack, reading each node once.
//! - the heaps: the roots and trace phases ([`Phase::Roots`] +
//!   [`Phase::Trace`] of the [`CollectionEvent`]) of one explicit
//!   collection with the whole tree live; not clearing the mark bits nor
//!   sweeping, which the collection also does.
//!
//! Each benchmark builds its tree on its first call, untimed, and keeps it
//! for every iteration; every iteration checks that it counted or kept all
//! the tree's nodes. Each benchmark runs on a tree built parents first and
//! on one built children first (`mark/children-first/mark-sweep`).

use crate::OnHeap;
use criterion::measurement::WallTime;
use criterion::{black_box, BenchmarkGroup, Criterion};
use examples::workloads::{build_tree_in, BoxForest, Forest, Order};
use examples::{Backend, Program};
use gc_core::stats::{CollectionEvent, Phase};
use gc_core::{Collector, Heap};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// Depth of the tree.
const DEPTH: u32 = 21;

/// Nodes in the tree.
const NODES: u64 = (1 << (DEPTH + 1)) - 1;

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let mut group = crate::group(c, "mark");
    for order in Order::BOTH {
        bench_walk(&mut group, order);
        for heap in crate::heaps(true) {
            if heap.backend == Backend::MarkSweep {
                bench_mark(&mut group, &heap, order);
            }
        }
    }
    group.finish();
}

/// The benchmark id of `name` on a tree built in `order`.
fn id(order: Order, name: &str) -> String {
    format!("{}/{name}", order.name())
}

/// Benchmarks the recursive walk of a `Box` tree built in `order`.
fn bench_walk(group: &mut BenchmarkGroup<'_, WallTime>, order: Order) {
    let mut tree = None;
    group.bench_function(id(order, "box-walk"), |b| {
        let tree = tree.get_or_insert_with(|| BoxForest.build(DEPTH, order).expect("infallible"));
        b.iter(|| assert_eq!(BoxForest.check(black_box(tree)), NODES));
    });
}

/// Benchmarks marking the tree, built in `order`, on `heap`.
fn bench_mark(group: &mut BenchmarkGroup<'_, WallTime>, heap: &OnHeap, order: Order) {
    let program = MarkTree {
        group,
        name: heap.name,
        order,
    };
    heap.backend
        .run(heap.config.clone(), program)
        .unwrap_or_else(|error| panic!("mark on {}: {error}", heap.name));
}

/// The `mark` benchmark of one heap, as a [`Program`].
struct MarkTree<'g, 'c> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    name: &'static str,
    order: Order,
}

impl Program for MarkTree<'_, '_> {
    type Output = ();

    fn run<C: Collector>(self, heap: &mut Heap<C>) {
        // The last collection's mark time and the objects it kept.
        let last = Rc::new(Cell::new((Duration::ZERO, 0)));
        let sink = Rc::clone(&last);
        heap.on_collection(move |event| sink.set((mark_time(event), event.objects_after)));
        heap.scope("mark", |s| {
            let mut built = false;
            self.group.bench_function(id(self.order, self.name), |b| {
                if !std::mem::replace(&mut built, true) {
                    // Rooted in `s` until the scope ends. One collection
                    // first, so the heap knows its live size (parallel
                    // marking starts from `PARALLEL_MARK_MIN_BYTES`).
                    build_tree_in(s, DEPTH, self.order).expect("the tree fits the default heap");
                    s.collect();
                }
                b.iter_custom(|iterations| {
                    (0..iterations)
                        .map(|_| {
                            s.collect();
                            let (time, kept) = last.get();
                            assert_eq!(kept as u64, NODES, "{}", self.name);
                            time
                        })
                        .sum()
                });
            });
        });
    }
}

/// The roots and trace phases of `event`.
fn mark_time(event: &CollectionEvent) -> Duration {
    event.phase(Phase::Roots) + event.phase(Phase::Trace)
}
