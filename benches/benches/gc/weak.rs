//! `weak`: the cost of a weak reference (issue 25's target: an upgrade
//! within 2 ns on the tracing backends). 1,000 live objects, each with a
//! weak reference; timed: upgrading all of them in one region (the object
//! model's `Mutation::upgrade`, which roots nothing) and downgrading them
//! again (an object that has an entry: one hash lookup), on every backend,
//! beside `std::rc::Weak::upgrade` on 1,000 `Rc`s in the same run.

use criterion::{black_box, Criterion};
use examples::{Backend, Program};
use gc_core::model::Lock;
use gc_core::{Collector, GcWeak, Heap, HeapConfig};
use std::time::{Duration, Instant};

const OBJECTS: usize = 1_000;

/// What one run times.
#[derive(Clone, Copy)]
enum Op {
    Upgrade,
    Downgrade,
}

/// `rounds` passes of `op` over the objects; returns their time.
struct WeakRun {
    op: Op,
    rounds: u64,
}

impl Program for WeakRun {
    type Output = Duration;
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Duration {
        heap.scope("weak", |s| {
            let (objects, weaks): (Vec<_>, Vec<GcWeak<Lock<u64>>>) = s.mutate(|m| {
                (0..OBJECTS as u64)
                    .map(|i| {
                        let obj = m.alloc(Lock::new(i));
                        (m.persist(obj), m.downgrade(obj))
                    })
                    .unzip()
            });
            s.collect(); // objects in their settled place (copying moved them)
            s.mutate(|m| {
                let start = Instant::now();
                for _ in 0..self.rounds {
                    match self.op {
                        Op::Upgrade => {
                            for weak in &weaks {
                                black_box(m.upgrade(black_box(weak)));
                            }
                        }
                        Op::Downgrade => {
                            for root in &objects {
                                black_box(m.downgrade(m.persistent(root)));
                            }
                        }
                    }
                }
                start.elapsed()
            })
        })
    }
}

/// Registers the group: times per pass over the 1,000 references.
pub fn register(c: &mut Criterion) {
    let mut group = crate::group(c, "weak");
    for (name, op) in [("upgrade", Op::Upgrade), ("downgrade", Op::Downgrade)] {
        for &backend in Backend::ALL {
            group.bench_function(format!("{name}/{backend}"), |b| {
                b.iter_custom(|iters| {
                    backend
                        .run(HeapConfig::default(), WeakRun { op, rounds: iters })
                        .expect("run")
                })
            });
        }
    }
    group.bench_function("upgrade/std-rc", |b| {
        let strong: Vec<_> = (0..OBJECTS as u64).map(std::rc::Rc::new).collect();
        let weak: Vec<_> = strong.iter().map(std::rc::Rc::downgrade).collect();
        b.iter(|| {
            for w in &weak {
                black_box(black_box(w).upgrade());
            }
        })
    });
    group.finish();
}
