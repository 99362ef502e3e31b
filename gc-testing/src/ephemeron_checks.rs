//! Ephemerons and weak-keyed maps (`docs/WEAK.md`): a [`GcWeakMap`] entry
//! keeps its value alive while its key lives and the map is reachable, and
//! vanishes in the collection that finds its key dead, in the same weak
//! step as [`GcWeak`]s clear and before any cleanup runs. Each check runs
//! on the mode's configuration and, on a backend that marks incrementally,
//! once more with incremental marking in stress mode (every allocation an
//! increment), where a collection is a whole marking cycle run by
//! allocation (`collect_fully`).

use super::conformance::Mode;
use super::Drops;
use gc_core::model::{Gc as ModelGc, Lock, Persistent};
use gc_core::{Collector, Gc, GcWeak, GcWeakMap, Heap, HeapConfig, Marking, Root, Scope, Trace};
use std::cell::Cell;
use std::rc::Rc;

#[derive(Trace, Default)]
struct Node {
    value: u64,
    next: Gc<Node>,
}

/// A node whose drop is counted.
#[derive(Trace)]
struct Counted {
    value: u64,
    counter: super::DropCounter,
    next: Gc<Node>,
}

type Map = GcWeakMap<Node, Node>;

/// The configurations a check runs on: the mode's, and incremental marking
/// in stress mode on a backend that marks incrementally.
fn configs<C: Collector>(mode: Mode) -> Vec<HeapConfig> {
    let mut configs = vec![mode.config()];
    if C::CAPABILITIES.marks_incrementally {
        configs.push(HeapConfig {
            marking: Marking::Incremental {
                step: gc_core::MIN_MARK_STEP,
                rate: 4,
            },
            ..Mode::Stress.config()
        });
    }
    configs
}

/// Runs `check` on a fresh heap of every configuration of [`configs`].
fn each_heap<C: Collector>(mode: Mode, check: impl Fn(&mut Heap<C>, bool)) {
    // Incremental runs are stress runs: their sizes are the stress mode's.
    for config in configs::<C>(mode) {
        let incremental = matches!(config.marking, Marking::Incremental { .. });
        let mut heap = Heap::<C>::new(config).expect("valid config");
        check(&mut heap, incremental);
    }
}

/// A collection that finds dead every object unreachable now: `collect()`,
/// or on an incremental heap, allocation until a canary object made
/// garbage now has died (every cycle that starts after this call starts
/// after the others died, and the canary dies at the end of the first),
/// stopping between cycles. The canary is looked at only between cycles
/// (an upgrade while marking would keep it for the cycle).
pub(crate) fn collect_fully<C: Collector>(s: &mut Scope<'_, C>, incremental: bool) {
    if !incremental {
        s.collect();
        return;
    }
    let canary = s.scope("canary", |s| {
        let obj = s.alloc(Node::default());
        s.downgrade(obj)
    });
    for _ in 0..10_000_000u64 {
        s.scope("drive", |s| {
            s.alloc(Node::default());
        });
        if s.collector().marking_step().is_none() && !alive(s, &canary) {
            return;
        }
    }
    panic!("no marking cycle completed");
}

/// Whether `weak` upgrades, without rooting its object in `s`.
fn alive<C: Collector, T>(s: &mut Scope<'_, C>, weak: &GcWeak<T>) -> bool {
    s.scope("peek", |s| s.upgrade(weak).is_some())
}

/// A node with `value`.
fn node<'s, C: Collector>(s: &mut Scope<'s, C>, value: u64) -> Root<'s, Node> {
    s.alloc(Node {
        value,
        ..Node::default()
    })
}

/// An entry keeps its value while the key is rooted, across collections
/// that move both (found by the key's identity after the move); once the
/// key is dropped, the entry vanishes, its value is dropped (once) and its
/// weak reference clears. The unique-owner path on reference counting: the
/// key is held by one root only, and its release releases the value.
pub fn ephemeron_value_lives_while_key_lives<C: Collector>(mode: Mode) {
    each_heap::<C>(mode, |heap, incremental| {
        let drops = Drops::default();
        heap.scope("eph", |s| {
            let map = s.alloc(GcWeakMap::<Node, Counted>::new());
            let key = node(s, 1);
            let value = s.alloc(Counted {
                value: 10,
                counter: drops.counter(0),
                next: Gc::null(),
            });
            assert!(s.weak_insert(map, key, value), "a new entry");
            let (gone_value, gone_key) = s.scope("temp", |s| {
                let key = node(s, 2);
                let value = s.alloc(Counted {
                    value: 20,
                    counter: drops.counter(1),
                    next: Gc::null(),
                });
                s.weak_insert(map, key, value);
                (s.downgrade(value), s.downgrade(key))
            });
            let weak_value = s.scope("weak", |s| {
                let v = s.weak_get(map, key).expect("inserted");
                s.downgrade(v)
            });
            assert_eq!(s.weak_len(map), 2);
            for round in 0..3 {
                collect_fully(s, incremental);
                assert_eq!(
                    s.weak_len(map),
                    1,
                    "round {round}: the dead key's entry vanished"
                );
                assert!(!alive(s, &gone_key));
                assert!(!alive(s, &gone_value), "and its value died");
                assert_eq!(drops.count(1), 1);
                s.scope("get", |s| {
                    let found = s.weak_get(map, key).expect("the key is rooted");
                    assert_eq!(s.get(found).value, 10, "round {round}");
                });
                assert!(alive(s, &weak_value));
            }
            assert_eq!(drops.count(0), 0, "a live key's value is never dropped");
            assert!(
                !s.weak_insert(map, key, value),
                "the same key again: no new entry"
            );
        });
        drops.assert_no_double_drop();
        assert_eq!(drops.total(), 1, "the live key's value goes with the heap");
    });
}

/// A value that refers to its own key keeps nothing: with the key
/// unrooted, both die and the entry vanishes (reference counting: the
/// key -> value -> key cycle is collected by trial deletion while the map
/// lives). boa_gc's self-referential ephemeron tests, in our terms.
pub fn ephemeron_value_referring_to_its_key_keeps_nothing<C: Collector>(mode: Mode) {
    each_heap::<C>(mode, |heap, incremental| {
        heap.scope("eph", |s| {
            let map = s.alloc(Map::new());
            let (weak_key, weak_value) = s.scope("pair", |s| {
                let key = node(s, 1);
                let value = node(s, 2);
                s.set(value, |v| &v.next, key);
                s.weak_insert(map, key, value);
                (s.downgrade(key), s.downgrade(value))
            });
            // A chain of self-referential pairs: each value refers to its
            // key and to the previous pair's key.
            let chain: Vec<GcWeak<Node>> = s.scope("chain", |s| {
                let mut prev: Option<Root<'_, Node>> = None;
                let mut weaks = Vec::new();
                for i in 0..8 {
                    let key = node(s, 100 + i);
                    let value = node(s, 200 + i);
                    s.set(value, |v| &v.next, prev.unwrap_or(key));
                    s.set(key, |k| &k.next, value);
                    s.weak_insert(map, key, value);
                    weaks.push(s.downgrade(key));
                    weaks.push(s.downgrade(value));
                    prev = Some(key);
                }
                weaks
            });
            collect_fully(s, incremental);
            assert!(!alive(s, &weak_key), "the key died");
            assert!(!alive(s, &weak_value), "its value did not keep it");
            assert!(chain.iter().all(|w| !alive(s, w)), "the chain died");
            assert_eq!(s.weak_len(map), 0, "every entry vanished");
        });
    });
}

/// An unreachable map keeps nothing: its values die though their keys are
/// rooted, and the keys stay usable in another map.
pub fn ephemeron_unreachable_map_keeps_nothing<C: Collector>(mode: Mode) {
    each_heap::<C>(mode, |heap, incremental| {
        heap.scope("eph", |s| {
            let keys: Vec<_> = (0..4).map(|i| node(s, i)).collect();
            let values: Vec<GcWeak<Node>> = s.scope("map", |s| {
                let map = s.alloc(Map::new());
                keys.iter()
                    .map(|&key| {
                        let value = node(s, 10);
                        s.weak_insert(map, key, value);
                        s.downgrade(value)
                    })
                    .collect()
            });
            collect_fully(s, incremental);
            assert!(
                values.iter().all(|w| !alive(s, w)),
                "the values died with the map"
            );
            let other = s.alloc(Map::new());
            let value = node(s, 7);
            s.weak_insert(other, keys[0], value);
            collect_fully(s, incremental);
            let found = s.weak_get(other, keys[0]).expect("a live map and key");
            assert_eq!(s.get(found).value, 7);
        });
    });
}

/// A chain of `n` entries, key i -> value i = key i+1, inserted first to
/// last (`reverse`: last to first): with only the first key rooted, every
/// key and value survives the collection; with it dropped, all die.
fn chain<C: Collector>(s: &mut Scope<'_, C>, n: usize, reverse: bool, incremental: bool) {
    let map = s.alloc(Map::new());
    let first = node(s, 0);
    let weaks: Vec<GcWeak<Node>> = s.scope("chain", |s| {
        let mut nodes = vec![s.root(first)];
        nodes.extend((1..=n as u64).map(|i| node(s, i)));
        let mut order: Vec<usize> = (0..n).collect();
        if reverse {
            order.reverse();
        }
        for i in order {
            s.weak_insert(map, nodes[i], nodes[i + 1]);
        }
        nodes.iter().map(|&n| s.downgrade(n)).collect()
    });
    collect_fully(s, incremental);
    assert!(
        weaks.iter().all(|w| alive(s, w)),
        "reverse {reverse}: the whole chain survives its rooted first key"
    );
    assert_eq!(s.weak_len(map), n);
    s.scope("walk", |s| {
        let at = s.root(first);
        for i in 1..=n as u64 {
            let next = s.weak_get(map, at).expect("every link is found");
            assert_eq!(s.get(next).value, i);
            s.assign(at, next);
        }
    });
    let other = fresh(s);
    s.assign(first, other);
    collect_fully(s, incremental);
    assert!(
        weaks.iter().all(|w| !alive(s, w)),
        "reverse {reverse}: the whole chain dies with its first key"
    );
    assert_eq!(s.weak_len(map), 0);
}

/// A fresh node, to re-point a root at (dropping what it held).
fn fresh<'s, C: Collector>(s: &mut Scope<'s, C>) -> Root<'s, Node> {
    node(s, u64::MAX)
}

/// Ephemeron chains forward and reverse (only the first key rooted: all
/// survive; dropped: all die), in time linear in the chain either way.
pub fn ephemeron_chains_forward_and_reverse<C: Collector>(mode: Mode) {
    each_heap::<C>(mode, |heap, incremental| {
        let n = if incremental {
            60
        } else {
            mode.size(2_000, 60)
        };
        heap.scope("eph", |s| {
            chain(s, n, false, incremental);
            chain(s, n, true, incremental);
        });
    });
}

/// One key in three maps with three values: dropping one map kills only
/// its value; dropping the key empties the other two.
pub fn ephemeron_same_key_in_several_maps<C: Collector>(mode: Mode) {
    each_heap::<C>(mode, |heap, incremental| {
        heap.scope("eph", |s| {
            let key = node(s, 0);
            let kept = [s.alloc(Map::new()), s.alloc(Map::new())];
            let (weaks, dropped_weak) = s.scope("fill", |s| {
                let dropped = s.alloc(Map::new());
                let mut weaks = Vec::new();
                for (i, map) in [kept[0], kept[1]].into_iter().enumerate() {
                    let value = node(s, i as u64);
                    s.weak_insert(map, key, value);
                    weaks.push(s.downgrade(value));
                }
                let value = node(s, 2);
                s.weak_insert(dropped, key, value);
                (weaks, s.downgrade(value))
            });
            let key_weak = s.downgrade(key);
            collect_fully(s, incremental);
            assert!(!alive(s, &dropped_weak), "the dropped map's value died");
            for (i, (&map, weak)) in kept.iter().zip(&weaks).enumerate() {
                s.scope("get", |s| {
                    let value = s.weak_get(map, key).expect("a kept map's entry");
                    assert_eq!(s.get(value).value, i as u64);
                });
                assert!(alive(s, weak));
            }
            let other = fresh(s);
            s.assign(key, other);
            collect_fully(s, incremental);
            assert!(!alive(s, &key_weak));
            assert!(weaks.iter().all(|w| !alive(s, w)));
            assert_eq!(s.weak_len(kept[0]) + s.weak_len(kept[1]), 0);
        });
    });
}

/// Identity keys are found after every move; an entry of a dead key never
/// matches an object allocated later (even in the same memory); removing
/// and re-inserting works across collections.
pub fn ephemeron_identity_is_stable_across_moves_and_death<C: Collector>(mode: Mode) {
    each_heap::<C>(mode, |heap, incremental| {
        let n = if incremental {
            30
        } else {
            mode.size(300, 30) as u64
        };
        heap.scope("eph", |s| {
            let map = s.alloc(Map::new());
            let keys: Vec<_> = (0..n).map(|i| node(s, i)).collect();
            for &key in &keys {
                let v = 1000 + s.get(key).value;
                let value = node(s, v);
                s.weak_insert(map, key, value);
            }
            s.scope("dead", |s| {
                for i in 0..n {
                    let key = node(s, i);
                    let value = node(s, i);
                    s.weak_insert(map, key, value);
                }
            });
            for round in 0..3 {
                collect_fully(s, incremental);
                assert_eq!(s.weak_len(map), n as usize, "round {round}");
                s.scope("get", |s| {
                    for &key in &keys {
                        let value = s.weak_get(map, key).expect("found after the move");
                        assert_eq!(s.get(value).value, 1000 + s.get(key).value);
                    }
                });
                s.scope("fresh", |s| {
                    for i in 0..n {
                        let fresh = node(s, i);
                        assert!(s.weak_get(map, fresh).is_none(), "a later object is no key");
                    }
                });
            }
            for &key in keys.iter().step_by(2) {
                assert!(s.weak_remove(map, key));
                assert!(!s.weak_remove(map, key));
            }
            collect_fully(s, incremental);
            assert_eq!(s.weak_len(map), (n / 2) as usize);
            s.scope("get", |s| {
                assert!(s.weak_get(map, keys[0]).is_none());
                assert!(s.weak_get(map, keys[1]).is_some());
            });
        });
    });
}

/// The object model: a JS-style `WeakMap` in regions, keys and values
/// carried between regions by roots; the entry of a key dropped between
/// regions vanishes, and a value found is the region's pointer.
pub fn ephemeron_in_regions<C: Collector>(mode: Mode) {
    each_heap::<C>(mode, |heap, incremental| {
        heap.scope("eph", |s| {
            type M = GcWeakMap<Lock<u64>, Lock<u64>>;
            let (map, key, gone) = s.mutate(|m| {
                let map = m.alloc(M::new());
                let key = m.alloc(Lock::new(1u64));
                m.weak_insert(map, key, m.alloc(Lock::new(10u64)));
                let other = m.alloc(Lock::new(2u64));
                let value = m.alloc(Lock::new(20u64));
                m.weak_insert(map, other, value);
                assert_eq!(m.weak_get(map, other).map(|v| v.get()), Some(20));
                assert!(m.weak_remove(map, other));
                m.weak_insert(map, other, value);
                (m.root(map), m.root(key), m.downgrade(value))
            });
            collect_fully(s, incremental);
            s.mutate(|m| {
                let (map, key) = (m.get(map), m.get(key));
                assert_eq!(m.weak_len(map), 1);
                let value = m.weak_get(map, key).expect("the key is rooted");
                assert_eq!(value.get(), 10);
                m.write(value).set(11);
                assert!(m.upgrade(&gone).is_none());
            });
            collect_fully(s, incremental);
            let read = s.mutate(|m| m.weak_get(m.get(map), m.get(key)).map(|v| v.get()));
            assert_eq!(read, Some(11));
        });
    });
}

/// Entries vanish in the collection's weak step, before any cleanup runs:
/// a cleanup of the key sees the map without its entry, and the value's
/// weak reference cleared.
pub fn ephemeron_entries_vanish_before_cleanups_run<C: Collector>(mode: Mode) {
    type M = GcWeakMap<Lock<u64>, Lock<u64>>;
    each_heap::<C>(mode, |heap, incremental| {
        let seen: Rc<Cell<Option<(usize, bool)>>> = Rc::default();
        heap.scope("eph", |s| {
            let map: Persistent<M> = s.mutate(|m| m.persist(m.alloc(M::new())));
            let kept = s.mutate(|m| {
                let key = m.alloc(Lock::new(0u64));
                m.weak_insert(m.persistent(&map), key, m.alloc(Lock::new(0u64)));
                m.persist(key)
            });
            let weak_value = s.scope("temp", |s| {
                s.mutate(|m| {
                    let key = m.alloc(Lock::new(1u64));
                    let value = m.alloc(Lock::new(2u64));
                    m.weak_insert(m.persistent(&map), key, value);
                    let weak_value = m.downgrade(value);
                    let (seen, map) = (Rc::clone(&seen), map.clone());
                    m.on_death(key, move |s: &mut Scope<'_, C>| {
                        let len = s.mutate(|m| m.weak_len(m.persistent(&map)));
                        let cleared = s.mutate(|m| m.upgrade(&weak_value).is_none());
                        seen.set(Some((len, cleared)));
                    });
                    weak_value
                })
            });
            collect_fully(s, incremental);
            s.run_cleanups();
            assert_eq!(
                seen.get(),
                Some((1, true)),
                "the cleanup saw one entry left (the rooted key's) and the value cleared"
            );
            assert!(s.mutate(|m| m.upgrade(&weak_value).is_none()));
            drop(kept);
        });
    });
}

/// gc-arena's weak-map-like scenario and boa_gc's ephemeron allocation
/// chain: a value that holds a chain of objects keeps the whole chain while
/// its key lives; the chain dies, each object once, with the key.
pub fn ephemeron_value_keeps_what_it_reaches<C: Collector>(mode: Mode) {
    let n = mode.size(100, 10) as u32;
    each_heap::<C>(mode, |heap, incremental| {
        let drops = Drops::default();
        heap.scope("eph", |s| {
            let map = s.alloc(GcWeakMap::<Node, Counted>::new());
            let key = node(s, 0);
            s.scope("fill", |s| {
                let mut tail = node(s, 0);
                for i in 1..n {
                    let next = node(s, u64::from(i));
                    s.set(next, |x| &x.next, tail);
                    tail = next;
                }
                let value = s.alloc(Counted {
                    value: 0,
                    counter: drops.counter(0),
                    next: Gc::null(),
                });
                s.set(value, |v| &v.next, tail);
                s.weak_insert(map, key, value);
            });
            collect_fully(s, incremental);
            s.scope("walk", |s| {
                let value = s.weak_get(map, key).expect("kept by its key");
                let at = s.load(value, |v| &v.next).expect("the chain");
                let mut len = 1;
                while let Some(next) = s.load(at, |x| &x.next) {
                    len += 1;
                    s.assign(at, next);
                }
                assert_eq!(len, n, "the whole chain survived");
            });
            assert_eq!(drops.total(), 0);
            let other = fresh(s);
            s.assign(key, other);
            collect_fully(s, incremental);
            assert_eq!(drops.total(), 1, "the value died with its key");
        });
        drops.assert_no_double_drop();
    });
}

/// A model object with one pointer field.
#[derive(Trace)]
struct Holder<'gc> {
    next: Lock<Option<ModelGc<'gc, Lock<u64>>>>,
}

/// While an incremental cycle marks, an object reached only weakly (an
/// upgraded weak reference) and then stored into an object the marker has
/// made black (the model's barrier scans an object at its first write and
/// blackens it) survives the cycle: an upgrade is a read barrier. Without
/// it the object is swept while referenced (the end-of-cycle verifier
/// finds it unmarked; checked by removing `MarkSweep::weak_read`).
pub fn weak_upgrade_while_marking_keeps_its_object<C: Collector>(mode: Mode) {
    if !C::CAPABILITIES.marks_incrementally || mode == Mode::Normal {
        return; // one run, on an incremental heap in stress mode
    }
    let config = HeapConfig {
        marking: Marking::Incremental {
            step: gc_core::MIN_MARK_STEP,
            rate: 1,
        },
        ..Mode::Stress.config()
    };
    let mut heap = Heap::<C>::new(config).expect("valid config");
    heap.scope("eph", |s| {
        // A list long enough that a cycle takes many increments (the first
        // marks `step * rate` bytes; each node costs its size and a slot).
        let ballast = node(s, 0);
        for i in 1..400 {
            s.scope("ballast", |s| {
                let next = node(s, i);
                s.set(next, |n| &n.next, ballast);
                s.assign(ballast, next);
            });
        }
        let drive = |s: &mut Scope<'_, C>| {
            s.scope("drive", |s| {
                s.alloc(Node::default());
            })
        };
        for _ in 0..1_000_000 {
            if s.collector().marking_step().is_none() {
                break;
            }
            drive(s);
        }
        let (holder, weak) = s.mutate(|m| {
            let holder = m.alloc(Holder {
                next: Lock::new(None),
            });
            let obj = m.alloc(Lock::new(5u64));
            (m.root(holder), m.downgrade(obj))
        });
        // Into the marking of a cycle that started after `obj` became
        // garbage (past its first increment, which may sweep). A backend
        // that forces a faster rate (the incremental suite's wrapper) may
        // finish each cycle in one increment: then there is no marking to
        // look into, and the check has nothing to hold it to.
        for _ in 0..10_000 {
            if s.collector().marking_step().is_some() {
                break;
            }
            drive(s);
        }
        drive(s);
        if s.collector().marking_step().is_none() {
            return;
        }
        s.mutate(|m| {
            let holder = m.get(holder);
            let obj = m.upgrade(&weak).expect("its cycle is not over");
            m.write(holder).project(|h| &h.next).set(Some(obj));
        });
        collect_fully(s, true);
        collect_fully(s, true);
        let value = s.mutate(|m| m.get(holder).next.get().map(|o| o.get()));
        assert_eq!(value, Some(5));
        assert_eq!(s.get(ballast).value, 399);
    });
}
