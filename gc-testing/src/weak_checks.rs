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
