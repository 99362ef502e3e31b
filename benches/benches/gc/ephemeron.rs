//! `ephemeron`: weak maps (issue 25). Two parts:
//! - `chain-forward/<backend>` and `chain-reverse/<backend>`: a 100,000-link
//!   ephemeron chain (key i -> value i = key i+1, only the first key
//!   rooted) inserted first to last or last to first; timed: one full
//!   collection, which must mark the whole chain through the map. The
//!   target: reverse within 2x forward (a naive fix-point over the entries
//!   is quadratic in reverse order).
//! - `weakmap/<contender>`: 10,000 keys, each mapped to a value object;
//!   three rounds of lookups of every key; half the keys dropped; a
//!   collection; a round of lookups of the rest. On every backend
//!   (`GcWeakMap`, handle API), beside boa_gc's `WeakMap` (ephemerons) and
//!   gc-arena's weak pointers (a map from a weak key to a value, pruned by
//!   upgrading the keys after a collection: gc-arena has no ephemerons).

use criterion::{black_box, Criterion};
use examples::{Backend, Program};
use gc_core::{Collector, GcWeakMap, Heap, HeapConfig, Trace};
use std::time::{Duration, Instant};

const CHAIN: usize = 100_000;
const KEYS: usize = 10_000;

#[derive(Trace)]
struct Node {
    value: u64,
}

/// Builds the chain, then times `rounds` collections.
struct Chain {
    reverse: bool,
    rounds: u64,
}

impl Program for Chain {
    type Output = Duration;
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Duration {
        heap.scope("chain", |s| {
            let map = s.alloc(GcWeakMap::<Node, Node>::new());
            let first = s.alloc(Node { value: 0 });
            s.scope("build", |s| {
                let mut nodes = vec![s.root(first)];
                nodes.extend((1..=CHAIN as u64).map(|value| s.alloc(Node { value })));
                let mut order: Vec<usize> = (0..CHAIN).collect();
                if self.reverse {
                    order.reverse();
                }
                for i in order {
                    s.weak_insert(map, nodes[i], nodes[i + 1]);
                }
            });
            s.collect();
            let start = Instant::now();
            for _ in 0..self.rounds {
                s.collect();
            }
            let took = start.elapsed();
            assert_eq!(s.weak_len(map), CHAIN, "the chain survived");
            took
        })
    }
}

/// The weak-map workload on a backend; returns its time.
struct WeakMapRun;

impl Program for WeakMapRun {
    type Output = Duration;
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Duration {
        let start = Instant::now();
        heap.scope("weakmap", |s| {
            let map = s.alloc(GcWeakMap::<Node, Node>::new());
            let keys: Vec<_> = (0..KEYS as u64)
                .map(|value| s.alloc(Node { value }))
                .collect();
            for (i, &key) in keys.iter().enumerate() {
                s.scope("value", |s| {
                    let value = s.alloc(Node {
                        value: i as u64 + 1,
                    });
                    s.weak_insert(map, key, value);
                });
            }
            let mut sum = 0;
            for round in 0..4 {
                s.scope("lookups", |s| {
                    for &key in keys.iter().step_by(if round == 3 { 2 } else { 1 }) {
                        let value = s.weak_get(map, key).expect("a live key");
                        sum += s.get(value).value;
                    }
                });
                if round == 2 {
                    let other = s.alloc(Node { value: 0 });
                    for &key in keys.iter().skip(1).step_by(2) {
                        s.assign(key, other);
                    }
                    s.collect();
                    assert_eq!(s.weak_len(map), KEYS / 2);
                }
            }
            black_box(sum);
        });
        start.elapsed()
    }
}

#[derive(boa_gc::Trace, boa_gc::Finalize)]
struct BoaNode {
    value: u64,
}

/// The weak-map workload on boa_gc's `WeakMap` (ephemerons).
fn boa_weak_map() -> Duration {
    use boa_gc::{force_collect, Gc, WeakMap};
    let start = Instant::now();
    let mut keys: Vec<Gc<BoaNode>> = (0..KEYS as u64)
        .map(|value| Gc::new(BoaNode { value }))
        .collect();
    let mut map = WeakMap::<BoaNode, Gc<BoaNode>>::new();
    for key in &keys {
        map.insert(
            key,
            Gc::new(BoaNode {
                value: key.value + 1,
            }),
        );
    }
    let mut sum = 0;
    for round in 0..4 {
        for key in &keys {
            let entry = map.get(key).expect("a live key");
            sum += entry.value().map_or(0, |v| v.value);
        }
        if round == 2 {
            let mut i = 0;
            keys.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            force_collect();
        }
    }
    black_box(sum);
    drop(keys);
    drop(map);
    force_collect();
    start.elapsed()
}

#[derive(gc_arena::Collect)]
#[collect(no_drop)]
struct ArenaNode {
    value: u64,
}

/// gc-arena's root: the keys, and a map from each key's address to its
/// weak pointer and its value.
#[derive(gc_arena::Collect)]
#[collect(no_drop)]
struct ArenaRoot<'gc> {
    keys: Vec<gc_arena::Gc<'gc, ArenaNode>>,
    cache: std::collections::HashMap<
        usize,
        (
            gc_arena::GcWeak<'gc, ArenaNode>,
            gc_arena::Gc<'gc, ArenaNode>,
        ),
    >,
}

/// The weak-map workload on gc-arena's weak pointers.
fn arena_weak_pointers() -> Duration {
    use gc_arena::{Arena, Gc, Rootable};
    let start = Instant::now();
    let mut arena = Arena::<Rootable![ArenaRoot<'_>]>::new(|mc| {
        let keys: Vec<_> = (0..KEYS as u64)
            .map(|value| Gc::new(mc, ArenaNode { value }))
            .collect();
        let cache = keys
            .iter()
            .map(|&k| {
                let value = Gc::new(mc, ArenaNode { value: k.value + 1 });
                (Gc::as_ptr(k) as usize, (Gc::downgrade(k), value))
            })
            .collect();
        ArenaRoot { keys, cache }
    });
    let mut sum = 0;
    for round in 0..4 {
        arena.mutate(|mc, root| {
            for key in &root.keys {
                let (weak, value) = root.cache[&(Gc::as_ptr(*key) as usize)];
                if weak.upgrade(mc).is_some() {
                    sum += value.value;
                }
            }
        });
        if round == 2 {
            arena.mutate_root(|_, root| {
                let mut i = 0;
                root.keys.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
            });
            arena.finish_cycle();
            arena.mutate_root(|_, root| root.cache.retain(|_, (weak, _)| !weak.is_dropped()));
        }
    }
    black_box(sum);
    start.elapsed()
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let mut group = crate::group(c, "ephemeron");
    for (name, reverse) in [("chain-forward", false), ("chain-reverse", true)] {
        for &backend in Backend::ALL {
            group.bench_function(format!("{name}/{backend}"), |b| {
                b.iter_custom(|iters| {
                    backend
                        .run(
                            HeapConfig::default(),
                            Chain {
                                reverse,
                                rounds: iters,
                            },
                        )
                        .expect("run")
                })
            });
        }
    }
    for &backend in Backend::ALL {
        group.bench_function(format!("weakmap/{backend}"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| backend.run(HeapConfig::default(), WeakMapRun).expect("run"))
                    .sum()
            })
        });
    }
    group.bench_function("weakmap/boa_gc", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| boa_weak_map()).sum())
    });
    group.bench_function("weakmap/gc-arena-weak", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| arena_weak_pointers()).sum())
    });
    group.finish();
}
