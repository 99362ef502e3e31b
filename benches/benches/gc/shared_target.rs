//! `shared_target`: issue 22's quadratic replay. N objects, each referred
//! to from a vector the heap holds, get a pointer to one object that holds
//! an N-entry `GcVec` and an N-entry `GcMap` of pointers (one region of
//! stores, then a full collection), for N = 10,000 and 100,000, on every
//! backend. Timed: the stores and the collection that counts them. A
//! store's cost must not depend on what its target holds: the whole run is
//! O(N) (reference counting's replay once traced the target per store,
//! O(N²)).

use criterion::Criterion;
use examples::{Backend, Program};
use gc_core::model::{Gc, GcMap, GcVec, Lock, RefLock};
use gc_core::{Collector, Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Big<'gc> {
    items: RefLock<GcVec<'gc, Gc<'gc, u64>>>,
    table: RefLock<GcMap<'gc, u64, Gc<'gc, u64>>>,
}

#[derive(Trace)]
struct Owner<'gc> {
    target: Lock<Option<Gc<'gc, Big<'gc>>>>,
}

/// One run with `n` owners and `n` entries; returns the time of the
/// stores and the collection.
struct SharedTarget {
    n: usize,
}

impl Program for SharedTarget {
    type Output = std::time::Duration;
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> std::time::Duration {
        heap.scope("shared_target", |s| {
            let (target, owners) = s.mutate(|m| {
                let leaf = m.alloc(7u64);
                let mut items = GcVec::new(m);
                let mut table = GcMap::new(m);
                for i in 0..self.n {
                    items.push(leaf);
                    table.insert(m, i as u64, leaf);
                }
                let target = m.alloc(Big {
                    items: RefLock::new(items),
                    table: RefLock::new(table),
                });
                let mut owners = GcVec::new(m);
                for _ in 0..self.n {
                    owners.push(m.alloc(Owner {
                        target: Lock::new(None),
                    }));
                }
                (m.root(target), m.root(m.alloc(owners)))
            });
            s.collect();
            let start = std::time::Instant::now();
            s.mutate(|m| {
                let target = m.get(target);
                for &owner in m.get(owners).iter() {
                    m.write(owner).project(|o| &o.target).set(Some(target));
                }
            });
            s.collect();
            start.elapsed()
        })
    }
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let mut group = crate::group(c, "shared_target");
    for n in [10_000, 100_000] {
        for &backend in Backend::ALL {
            group.bench_function(format!("{backend}/{n}"), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            backend
                                .run(HeapConfig::default(), SharedTarget { n })
                                .unwrap()
                        })
                        .sum()
                })
            });
        }
    }
    group.finish();
}
