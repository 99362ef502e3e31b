//! Weak references (`docs/WEAK.md`): a [`GcWeak`] upgrades while its
//! object lives, keeps nothing alive, clears at the first collection that
//! finds its object unreachable (moved objects are followed), and compares
//! and hashes the same before and after. Like the rest of the suite, each
//! check takes a [`Mode`] and panics on failure.

use super::conformance::Mode;
use super::Drops;
use gc_core::model::{GcMap, Lock, RefLock};
use gc_core::{Collector, Gc, GcWeak, Heap, Trace};
use std::cell::RefCell;
use std::collections::HashSet;

#[derive(Trace, Default)]
struct Node {
    value: u64,
    next: Gc<Node>,
}

/// An object with a drop counter, for counting what weak references kept.
#[derive(Trace)]
struct Counted {
    value: u64,
    counter: super::DropCounter,
}

/// A cache whose values are weak: a heap object holding weak references.
#[derive(Trace, Default)]
struct WeakCache {
    entries: RefCell<Vec<GcWeak<Node>>>,
}

/// [`WeakCache`] of counted objects.
#[derive(Trace, Default)]
struct WeakCountedCache {
    entries: RefCell<Vec<GcWeak<Counted>>>,
}

fn heap<C: Collector>(mode: Mode) -> Heap<C> {
    Heap::new(mode.config()).expect("valid config")
}

/// A rooted object's weak reference upgrades to it (with its value, after
/// the collection moved it on copying); an unrooted one's is `None` after
/// the collection, and stays `None` after more.
pub fn weak_upgrade_while_alive_none_after_death<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("weak", |s| {
        let kept = s.alloc(Node {
            value: 7,
            ..Node::default()
        });
        let weak_kept = s.downgrade(kept);
        let weak_gone = s.scope("temp", |s| {
            let gone = s.alloc(Node {
                value: 8,
                ..Node::default()
            });
            let weak = s.downgrade(gone);
            let again = s.upgrade(&weak).expect("alive: its root is in this frame");
            assert_eq!(s.get(again).value, 8);
            weak
        });
        for _ in 0..3 {
            s.collect();
            let up = s
                .upgrade(&weak_kept)
                .expect("a rooted object's weak reference upgrades");
            assert!(
                s.ptr_eq(up, kept),
                "upgrades to the object, wherever it moved"
            );
            assert_eq!(s.get(up).value, 7);
            assert!(s.upgrade(&weak_gone).is_none(), "cleared by the collection");
        }
    });
}

/// Weak references keep nothing alive: objects reachable only through them
/// are dropped, each once, at the first collection, and their references
/// clear; a weakly referenced cycle is collected too.
pub fn weak_references_keep_nothing_alive<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let n = mode.size(200, 20) as u32;
    let mut heap = heap::<C>(mode);
    heap.scope("weak", |s| {
        let weaks: Vec<GcWeak<Counted>> = s.scope("make", |s| {
            (0..n)
                .map(|id| {
                    let obj = s.alloc(Counted {
                        value: id as u64,
                        counter: drops.counter(id),
                    });
                    s.downgrade(obj)
                })
                .collect()
        });
        let cycle = s.scope("cycle", |s| {
            let a = s.alloc(Node::default());
            let b = s.alloc(Node::default());
            s.set(a, |n| &n.next, b);
            s.set(b, |n| &n.next, a);
            (s.downgrade(a), s.downgrade(b))
        });
        s.collect();
        assert_eq!(
            drops.total(),
            n as usize,
            "every weakly held object was dropped"
        );
        drops.assert_no_double_drop();
        assert!(weaks.iter().all(|w| s.upgrade(w).is_none()));
        assert!(
            s.upgrade(&cycle.0).is_none() && s.upgrade(&cycle.1).is_none(),
            "a weakly held cycle is collected"
        );
        assert_eq!(s.usage().objects, 0, "nothing is left");
    });
}

/// Downgrading one object twice gives equal references with equal hashes;
/// equality and hashing do not change when the object moves or dies; a
/// reference to a dead object never equals one to an object allocated
/// later (even in the same cell), and never upgrades to it.
pub fn weak_identity_is_stable_across_moves_and_death<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("weak", |s| {
        let kept = s.alloc(Node::default());
        let a = s.downgrade(kept);
        let b = s.downgrade(kept);
        assert_eq!(a, b);
        let mut set = HashSet::new();
        set.insert(a);
        assert!(set.contains(&b));
        let dead = s.scope("dead", |s| {
            let obj = s.alloc(Node {
                value: 1,
                ..Node::default()
            });
            s.downgrade(obj)
        });
        set.insert(dead);
        s.collect();
        assert_eq!(s.downgrade(kept), a, "the same object after it moved");
        assert!(set.contains(&a) && set.contains(&dead), "hashes unchanged");
        for round in 0..mode.size(50, 5) {
            let fresh = s.scope("fresh", |s| {
                let obj = s.alloc(Node {
                    value: 2,
                    ..Node::default()
                });
                let weak = s.downgrade(obj);
                assert_ne!(weak, dead, "round {round}: a later object's reference");
                weak
            });
            assert!(s.upgrade(&dead).is_none());
            s.collect();
            assert!(s.upgrade(&fresh).is_none());
        }
    });
}

/// Weak references stored in a heap object (a cache): the cached objects
/// that something else keeps survive and are found; the others clear.
pub fn weak_references_in_heap_objects<C: Collector>(mode: Mode) {
    let n = mode.size(100, 12);
    let mut heap = heap::<C>(mode);
    heap.scope("cache", |s| {
        let cache = s.alloc(WeakCache::default());
        // The kept objects, linked from `kept`; each object's own root is
        // in a frame that closes at once.
        let kept = s.alloc(Node::default());
        for i in 0..n {
            s.scope("item", |s| {
                let obj = s.alloc(Node {
                    value: i as u64,
                    ..Node::default()
                });
                let weak = s.downgrade(obj);
                s.get(cache).entries.borrow_mut().push(weak);
                if i % 3 == 0 {
                    s.set(obj, |n| &n.next, kept);
                    s.assign(kept, obj);
                }
            });
        }
        s.collect();
        let entries = s.get(cache).entries.borrow().clone();
        for (i, weak) in entries.iter().enumerate() {
            match s.upgrade(weak) {
                Some(obj) => {
                    assert_eq!(i % 3, 0, "entry {i} was not kept, yet it upgrades");
                    assert_eq!(s.get(obj).value, i as u64);
                }
                None => assert_ne!(i % 3, 0, "entry {i} was kept, yet it cleared"),
            }
        }
    });
}

/// A weak reference used with another heap panics, whether or not its own
/// heap is still alive.
pub fn weak_reference_of_another_heap_panics<C: Collector>(mode: Mode) {
    let mut first = heap::<C>(mode);
    let weak = first.scope("first", |s| {
        let obj = s.alloc(Node::default());
        s.downgrade(obj)
    });
    let mut second = heap::<C>(mode);
    let used = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        second.scope("second", |s| s.upgrade(&weak).is_some())
    }));
    assert!(used.is_err(), "another heap's weak reference was accepted");
    drop(first);
    let mut third = heap::<C>(mode);
    let used = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        third.scope("third", |s| s.upgrade(&weak).is_some())
    }));
    assert!(
        used.is_err(),
        "a dropped heap's weak reference was accepted"
    );
}

/// The object model's weak references: a weak-valued table (Lua's
/// `__mode = "v"`) in a `GcMap`; the values something else keeps survive
/// collections (and moves) and upgrade in later regions, the others clear.
pub fn model_weak_valued_table<C: Collector>(mode: Mode) {
    let n = mode.size(60, 8) as u64;
    let mut heap = heap::<C>(mode);
    heap.scope("table", |s| {
        let (table, kept) = s.mutate(|m| {
            let table = m.alloc(RefLock::new(GcMap::<u64, GcWeak<Lock<u64>>>::new(m)));
            let mut kept = Vec::new();
            for key in 0..n {
                let value = m.alloc(Lock::new(key * 10));
                let weak = m.downgrade(value);
                m.write(table).borrow_mut().insert(m, key, weak);
                if key % 2 == 0 {
                    kept.push(m.persist(value));
                }
            }
            (m.persist(table), kept)
        });
        for _ in 0..2 {
            s.collect();
            s.mutate(|m| {
                let table = m.persistent(&table);
                for key in 0..n {
                    let weak = *table
                        .borrow()
                        .get(m, &key)
                        .expect("the table itself is kept");
                    match m.upgrade(&weak) {
                        Some(value) => {
                            assert_eq!(key % 2, 0, "key {key}'s value was not kept");
                            assert_eq!(value.get(), key * 10);
                        }
                        None => assert_ne!(key % 2, 0, "key {key}'s value was kept"),
                    }
                }
            });
        }
        drop(kept);
    });
}

// Peers' weak-reference scenarios, ported (gc-arena's `tests/tests.rs`,
// boa_gc's `test/weak.rs`, rust-gc's `tests/weak_gc.rs`): the same
// situations written in this API, each asserting what stays reachable and
// what is dropped (once), on every backend. Their finalization scenarios
// (gc-arena's `basic_finalization`, resurrection through a finalizer) and
// ephemeron ones wait for those features (docs/WEAK.md: planned).

/// A holder object with one optional strong edge and a drop counter.
#[derive(Trace)]
struct Holder {
    value: u64,
    next: Gc<Counted>,
    counter: super::DropCounter,
}

/// gc-arena's `weak_allocation`: an object held by a rooted cell upgrades
/// to the same object (with its value) after a full collection; once the
/// cell lets go of it, allocation alone (no explicit collection) drives the
/// heap to a collection that clears the reference, and until then every
/// upgrade still sees the intact value. It is dropped exactly once (by an
/// explicit collection at the latest: a lazy sweep may run its destructor
/// later than the clearing, never before).
pub fn weak_allocation_clears_once_allocation_collects<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("weak", |s| {
        let cell = s.alloc(Holder {
            value: 0,
            next: Gc::null(),
            counter: drops.counter(1),
        });
        let target = s.scope("make", |s| {
            let target = s.alloc(Counted {
                value: 42,
                counter: drops.counter(0),
            });
            s.set(cell, |h| &h.next, target);
            s.downgrade(target)
        });
        s.collect();
        s.scope("check", |s| {
            let up = s.upgrade(&target).expect("held by the rooted cell");
            let held = s.load(cell, |h| &h.next).expect("the cell's edge");
            assert!(s.ptr_eq(up, held), "upgrades to the object the cell holds");
            assert_eq!(s.get(up).value, 42);
        });
        s.clear(cell, |h| &h.next);
        let collections = s.stats().collections;
        let mut allocations = 0u64;
        loop {
            let cleared = s.scope("step", |s| {
                s.alloc(Node::default());
                match s.upgrade(&target) {
                    Some(obj) => {
                        assert_eq!(s.get(obj).value, 42, "intact until it clears");
                        false
                    }
                    None => true,
                }
            });
            allocations += 1;
            if cleared {
                break;
            }
            assert!(allocations < 1_000_000, "no collection cleared it");
        }
        assert!(
            s.stats().collections > collections,
            "a collection cleared it"
        );
        assert!(
            drops.count(0) <= 1,
            "cleared before its destructor ran, once"
        );
        // A collection of the allocation trigger may sweep lazily (its
        // destructor runs when allocation reaches its block); an explicit
        // one finishes it.
        s.collect();
        assert!(s.upgrade(&target).is_none(), "it never upgrades again");
        assert_eq!(drops.count(0), 1, "dropped once");
        assert_eq!(drops.count(1), 0, "the cell lives");
        drops.assert_no_double_drop();
    });
}

/// gc-arena's `transitive_death`: `outer` holds the only reference to
/// `inner`. While `outer` is rooted, both weak references upgrade across
/// collections (`inner` reached only through `outer`); once it is not, one
/// collection clears both together (neither upgrades after it) and drops
/// each exactly once.
pub fn weak_transitive_death<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("weak", |s| {
        let (weak_outer, weak_inner) = s.scope("rooted", |s| {
            let outer = s.alloc(Holder {
                value: 1,
                next: Gc::null(),
                counter: drops.counter(0),
            });
            let weak_inner = s.scope("inner", |s| {
                let inner = s.alloc(Counted {
                    value: 2,
                    counter: drops.counter(1),
                });
                s.set(outer, |h| &h.next, inner);
                s.downgrade(inner)
            });
            let weak_outer = s.downgrade(outer);
            for _ in 0..2 {
                s.collect();
                let inner = s.upgrade(&weak_inner).expect("reachable through outer");
                assert_eq!(s.get(inner).value, 2);
                let up = s.upgrade(&weak_outer).expect("rooted");
                assert!(s.ptr_eq(up, outer));
                assert_eq!(drops.total(), 0);
            }
            (weak_outer, weak_inner)
        });
        s.collect();
        assert!(s.upgrade(&weak_outer).is_none(), "outer cleared");
        assert!(s.upgrade(&weak_inner).is_none(), "inner cleared with it");
        assert_eq!(
            (drops.count(0), drops.count(1)),
            (1, 1),
            "each dropped once"
        );
        assert_eq!(s.usage().objects, 0);
    });
}

/// boa_gc's `eph_weak_gc_test`: an object with two roots; dropping one
/// (its frame closes) keeps the weak reference upgrading to the value
/// across a collection; dropping the other clears it at the next one.
pub fn weak_survives_while_any_root_remains<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("weak", |s| {
        let weak = s.scope("first root", |s| {
            let obj = s.alloc(Counted {
                value: 3,
                counter: drops.counter(0),
            });
            let weak = s.scope("second root", |s| {
                let again = s.root(obj);
                s.downgrade(again)
            });
            s.collect();
            let up = s.upgrade(&weak).expect("one root is left");
            assert_eq!(s.get(up).value, 3);
            assert!(s.ptr_eq(up, obj));
            weak
        });
        s.collect();
        assert!(s.upgrade(&weak).is_none(), "no root is left");
        assert_eq!(drops.count(0), 1);
    });
}

/// boa_gc's `eph_allocation_chains` (its weak part): a weak reference
/// stored in a rooted wrapper object upgrades while its target lives; when
/// the target's last root goes, a collection clears the stored reference
/// and drops the target, and the wrapper (kept) is intact and not dropped;
/// once the wrapper's root goes too, it is dropped.
pub fn weak_in_a_rooted_wrapper_clears_with_its_target<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("weak", |s| {
        s.scope("wrapper", |s| {
            let wrapper = s.alloc(WeakCountedCache::default());
            s.scope("target", |s| {
                let target = s.alloc(Counted {
                    value: 4,
                    counter: drops.counter(0),
                });
                let weak = s.downgrade(target);
                s.get(wrapper).entries.borrow_mut().push(weak);
                s.collect();
                let stored = s.get(wrapper).entries.borrow()[0];
                let up = s.upgrade(&stored).expect("the target is rooted");
                assert!(s.ptr_eq(up, target));
            });
            s.collect();
            let stored = s.get(wrapper).entries.borrow().clone();
            assert_eq!(stored.len(), 1, "the wrapper is intact");
            assert!(s.upgrade(&stored[0]).is_none(), "cleared with its target");
            assert_eq!(drops.count(0), 1, "the target was dropped once");
            assert_eq!(s.usage().objects, 1, "the wrapper lives");
        });
        s.collect();
        assert_eq!(s.usage().objects, 0, "the wrapper is collected too");
    });
}

/// boa_gc's `eph_basic_upgrade_test`: the root an upgrade gives is a strong
/// reference: it keeps the object alive (across collections, after the
/// original root is gone), with the same value.
pub fn weak_upgraded_root_keeps_its_object<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("weak", |s| {
        let weak = s.scope("original", |s| {
            let obj = s.alloc(Counted {
                value: 5,
                counter: drops.counter(0),
            });
            s.downgrade(obj)
        });
        // No collection has run since the original root went: the object
        // is unreachable but not yet found, so it still upgrades.
        let up = s.upgrade(&weak).expect("no collection found it yet");
        for _ in 0..3 {
            s.collect();
            assert_eq!(s.get(up).value, 5);
            let again = s.upgrade(&weak).expect("the upgraded root keeps it");
            assert!(s.ptr_eq(again, up));
        }
        assert_eq!(
            drops.total(),
            0,
            "not dropped while the upgraded root lives"
        );
    });
    drop(heap);
    assert_eq!(drops.count(0), 1);
}

/// boa_gc's `eph_basic_clone_test` and rust-gc's `weak_gc_different_copies`:
/// copies of a weak reference (it is `Copy`, and stored in a heap object)
/// are the same reference: equal, and upgrading to the same object after
/// collections; beside them a weak reference to an unrooted temporary
/// clears, and the temporary is dropped once, without disturbing them.
pub fn weak_copies_agree_beside_an_orphan<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("weak", |s| {
        let obj = s.alloc(Counted {
            value: 6,
            counter: drops.counter(0),
        });
        let weak = s.downgrade(obj);
        let copy = weak;
        let holder = s.alloc(WeakCountedCache::default());
        s.get(holder).entries.borrow_mut().push(copy);
        let orphan = s.scope("orphan", |s| {
            let tmp = s.alloc(Counted {
                value: 7,
                counter: drops.counter(1),
            });
            s.downgrade(tmp)
        });
        assert_ne!(orphan, weak);
        s.collect();
        let stored = s.get(holder).entries.borrow()[0];
        assert_eq!(stored, weak);
        assert_eq!(copy, weak);
        for w in [weak, copy, stored] {
            let up = s.upgrade(&w).expect("the object is rooted");
            assert!(s.ptr_eq(up, obj));
            assert_eq!(s.get(up).value, 6);
        }
        assert!(s.upgrade(&orphan).is_none(), "the temporary cleared");
        assert_eq!((drops.count(0), drops.count(1)), (0, 1));
    });
}
