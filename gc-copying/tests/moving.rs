//! What is specific to a moving collector: objects change address, every
//! handle and field follows, destructors run exactly once although dead
//! objects are never visited, the heap is compacted, and a semispace bounds
//! the live data.

use gc_copying::Copying;
use gc_core::object::object_size_for;
use gc_core::{Gc, GcError, GcErrorKind, Heap, HeapConfig, Root, Scope, Trace};
use gc_testing::{DropCounter, Drops};
use std::mem::size_of;

#[derive(Trace, Default)]
struct Node {
    value: u64,
    next: Gc<Node>,
}

/// 1 KiB with its header: an easy unit for capacity arithmetic.
#[derive(Trace)]
struct Chunk {
    data: [u64; 125],
    next: Gc<Chunk>,
}

/// Above the large-object threshold: lives in the non-moving space.
#[derive(Trace)]
struct Big {
    data: [u64; 2048],
    next: Gc<Node>,
}

#[derive(Trace)]
struct Tracked {
    counter: DropCounter,
    next: Gc<Tracked>,
}

fn size<T>() -> usize {
    object_size_for(size_of::<T>())
}

fn heap(config: HeapConfig) -> Heap<Copying> {
    Heap::new(HeapConfig {
        verify: true,
        ..config
    })
    .expect("valid config")
}

fn node<'s>(s: &mut Scope<'s, Copying>, value: u64) -> Root<'s, Node> {
    s.alloc(Node {
        value,
        next: Gc::null(),
    })
}

fn garbage(s: &mut Scope<'_, Copying>, count: u64) {
    s.scope("garbage", |g| {
        for value in 0..count {
            node(g, value);
        }
    });
}

/// The values of the list behind `head` (`head` itself excluded), in order.
fn values(s: &mut Scope<'_, Copying>, head: Root<'_, Node>) -> Vec<u64> {
    s.scope("walk", |w| {
        let mut values = Vec::new();
        let Some(cursor) = w.load(head, |n| &n.next) else {
            return values;
        };
        loop {
            values.push(w.get(cursor).value);
            match w.load(cursor, |n| &n.next) {
                Some(next) => w.assign(cursor, next),
                None => return values,
            }
        }
    })
}

#[test]
fn objects_move_and_every_handle_follows() {
    let mut heap = heap(HeapConfig::default());
    heap.scope("main", |s| {
        let a = node(s, 7);
        let alias = s.root(a);
        let b = node(s, 8);
        s.set(a, |n| &n.next, b);
        garbage(s, 50);
        let (a_before, b_before) = (s.address(a), s.address(b));
        s.collect();
        assert_ne!(s.address(a), a_before, "a moved");
        assert_ne!(s.address(b), b_before, "b moved");
        assert_eq!(
            s.address(alias),
            s.address(a),
            "both roots see the new address"
        );
        assert!(s.ptr_eq(a, alias) && !s.ptr_eq(a, b));
        assert_eq!(
            (s.get(a).value, s.get(alias).value, s.get(b).value),
            (7, 7, 8)
        );
        let next = s.load(a, |n| &n.next).expect("the field survived");
        assert!(s.ptr_eq(next, b), "the field follows its target");
        assert_eq!(s.address(next), s.address(b));
    });
}

#[test]
fn shared_objects_and_cycles_are_copied_once() {
    let mut heap = heap(HeapConfig::default());
    heap.scope("main", |s| {
        let a = node(s, 1);
        let b = node(s, 2);
        s.scope("shared", |t| {
            let c = node(t, 3);
            t.set(a, |n| &n.next, c);
            t.set(b, |n| &n.next, c);
            t.set(c, |n| &n.next, c);
        });
        garbage(s, 20);
        s.collect();
        assert_eq!(
            s.usage().objects,
            3,
            "c was copied once, not once per reference"
        );
        assert_eq!(s.usage().bytes, 3 * size::<Node>());
        let from_a = s.load(a, |n| &n.next).unwrap();
        let from_b = s.load(b, |n| &n.next).unwrap();
        let from_c = s.load(from_a, |n| &n.next).unwrap();
        assert!(s.ptr_eq(from_a, from_b) && s.ptr_eq(from_a, from_c));
        assert_eq!(s.get(from_c).value, 3);
    });
}

#[test]
fn objects_behind_fields_stay_correct_over_1000_collections() {
    const LEN: usize = 100;
    let mut heap = heap(HeapConfig::default());
    heap.scope("main", |s| {
        let head = node(s, u64::MAX);
        let mut model: Vec<u64> = (0..LEN as u64).collect();
        for &value in model.iter().rev() {
            s.scope("push", |p| {
                let cell = node(p, value);
                if let Some(first) = p.load(head, |n| &n.next) {
                    p.set(cell, |n| &n.next, first);
                }
                p.set(head, |n| &n.next, cell);
            });
        }
        for round in 0..1000u64 {
            let at = (round as usize * 37) % LEN;
            replace(s, head, at, 1000 + round);
            model[at] = 1000 + round;
            garbage(s, 10);
            let before = s.address(head);
            s.collect();
            assert_ne!(s.address(head), before, "round {round}: the head moved");
            assert_eq!(values(s, head), model, "round {round}");
            assert_eq!(
                s.usage().objects,
                LEN + 1,
                "round {round}: replaced nodes died"
            );
        }
        assert!(s.stats().collections >= 1000);
    });
}

/// Replaces the node at index `at` of the list behind `head` by a new one
/// holding `value`.
fn replace(s: &mut Scope<'_, Copying>, head: Root<'_, Node>, at: usize, value: u64) {
    s.scope("replace", |r| {
        let pred = r.root(head);
        for _ in 0..at {
            let next = r.load(pred, |n| &n.next).unwrap();
            r.assign(pred, next);
        }
        let old = r.load(pred, |n| &n.next).unwrap();
        let new = node(r, value);
        if let Some(rest) = r.load(old, |n| &n.next) {
            r.set(new, |n| &n.next, rest);
        }
        r.set(pred, |n| &n.next, new);
    });
}

#[test]
fn drop_counts_are_exact_although_dead_objects_are_never_visited() {
    const CHAIN: u32 = 300;
    let drops = Drops::default();
    let mut heap = heap(HeapConfig::default());
    heap.scope("main", |s| {
        let head = s.alloc(Tracked {
            counter: drops.counter(0),
            next: Gc::null(),
        });
        s.scope("chain", |c| {
            let tail = c.root(head);
            for id in 1..CHAIN {
                let next = c.alloc(Tracked {
                    counter: drops.counter(id),
                    next: Gc::null(),
                });
                c.set(tail, |t| &t.next, next);
                c.assign(tail, next);
            }
        });
        let mut live = CHAIN;
        let mut dead = 0;
        for round in 0..10u32 {
            s.scope("garbage", |g| {
                for i in 0..50 {
                    g.alloc(Tracked {
                        counter: drops.counter(10_000 + round * 50 + i),
                        next: Gc::null(),
                    });
                }
            });
            // Cut the chain's last 20 nodes: they moved `round + 1` times, now they die.
            live -= 20;
            cut_after(s, head, live as usize);
            s.collect();
            dead += 50 + 20;
            assert_eq!(drops.total(), dead as usize, "round {round}");
            assert!(
                (live..live + 20).all(|id| drops.count(id) == 1),
                "the cut tail died once"
            );
            assert!(
                (0..live).all(|id| drops.count(id) == 0),
                "no live object was dropped"
            );
            assert_eq!(s.usage().objects, live as usize);
        }
        drops.assert_no_double_drop();
    });
    drop(heap);
    assert_eq!(
        drops.total(),
        (CHAIN + 500) as usize,
        "teardown drops the survivors"
    );
    drops.assert_no_double_drop();
}

/// Clears the `next` field of the `len`-th node of the chain at `head`.
fn cut_after(s: &mut Scope<'_, Copying>, head: Root<'_, Tracked>, len: usize) {
    s.scope("cut", |c| {
        let cursor = c.root(head);
        for _ in 1..len {
            let next = c.load(cursor, |t| &t.next).unwrap();
            c.assign(cursor, next);
        }
        c.clear(cursor, |t| &t.next);
    });
}

#[test]
fn used_bytes_after_a_collection_are_the_live_bytes() {
    let mut heap = heap(HeapConfig::default());
    heap.scope("main", |s| {
        let list = node(s, 1);
        let second = node(s, 2);
        s.set(list, |n| &n.next, second);
        let text = s.alloc(String::from("kept"));
        let array = s.alloc([7u64; 100]);
        let big = s.alloc(Big {
            data: [3; 2048],
            next: Gc::null(),
        });
        s.scope("only-in-big", |o| {
            let child = node(o, 9);
            o.set(big, |b| &b.next, child);
        });
        s.scope("garbage", |g| {
            for i in 0..200 {
                g.alloc(String::from("garbage"));
                g.alloc([i; 100]);
                g.alloc(Big {
                    data: [i; 2048],
                    next: Gc::null(),
                });
            }
        });
        s.collect();
        let small = 3 * size::<Node>() + size::<String>() + size::<[u64; 100]>();
        assert_eq!(s.usage().bytes, small + size::<Big>());
        assert_eq!(s.usage().objects, 6);
        let event = s.stats().events.back().cloned().unwrap();
        assert_eq!(event.bytes_copied, small, "large objects are not copied");
        assert_eq!(event.bytes_after, small + size::<Big>());
        assert_eq!((s.get(text).as_str(), s.get(array)[99]), ("kept", 7));
        let child = s.load(big, |b| &b.next).unwrap();
        assert_eq!(s.get(child).value, 9);
    });
}

#[test]
fn large_objects_stay_put_while_what_they_refer_to_moves() {
    let mut heap = heap(HeapConfig::default());
    heap.scope("main", |s| {
        let big = s.alloc(Big {
            data: [5; 2048],
            next: Gc::null(),
        });
        s.scope("child", |c| {
            let child = node(c, 11);
            c.set(big, |b| &b.next, child);
        });
        for _ in 0..5 {
            let child = s.load(big, |b| &b.next).unwrap();
            let (big_before, child_before) = (s.address(big), s.address(child));
            garbage(s, 10);
            s.collect();
            let child = s.load(big, |b| &b.next).unwrap();
            assert_eq!(s.address(big), big_before, "large objects do not move");
            assert_ne!(s.address(child), child_before, "its small child does");
            assert_eq!(s.get(child).value, 11);
            assert!(s.get(big).data.iter().all(|&d| d == 5));
        }
    });
}

#[test]
fn stress_mode_moves_every_object_at_every_allocation() {
    let mut heap = heap(HeapConfig {
        stress: true,
        ..HeapConfig::default()
    });
    heap.scope("main", |s| {
        let a = node(s, 1);
        let b = node(s, 2);
        s.set(a, |n| &n.next, b);
        let collections = s.stats().collections;
        for i in 0..100u64 {
            let (a_before, b_before) = (s.address(a), s.address(b));
            s.scope("temp", |t| {
                node(t, i);
            });
            assert_ne!(s.address(a), a_before, "allocation {i} moved a");
            assert_ne!(s.address(b), b_before, "allocation {i} moved b");
            let next = s.load(a, |n| &n.next).unwrap();
            assert!(s.ptr_eq(next, b));
            assert_eq!((s.get(a).value, s.get(b).value), (1, 2));
        }
        assert_eq!(
            s.stats().collections - collections,
            100,
            "one collection per allocation"
        );
    });
}

#[test]
fn out_of_memory_when_live_data_exceeds_a_semispace() {
    let capacity = 1 << 20;
    let semispace = capacity / 2;
    assert_eq!(size::<Chunk>(), 1024);
    let config = HeapConfig {
        capacity,
        initial_trigger: 64 << 10,
        ..HeapConfig::default()
    };
    let mut heap = heap(config);
    let (error, filled) = heap.scope("fill", |s| fill(s, 10_000));
    assert_eq!(
        filled,
        semispace / 1024,
        "live chunks fill exactly one semispace"
    );
    assert_eq!(
        *error.kind(),
        GcErrorKind::OutOfMemory {
            requested: 1024,
            limit: capacity,
            in_use: semispace,
            collected: true,
        }
    );
    heap.scope("recovered", |s| {
        let survivor = node(s, 42);
        for i in 0..5_000 {
            s.scope("garbage", |g| {
                g.alloc(Chunk {
                    data: [i; 125],
                    next: Gc::null(),
                });
            });
        }
        s.collect();
        assert_eq!(s.get(survivor).value, 42);
        assert_eq!(s.usage().bytes, size::<Node>());
    });
    heap.scope("large share", |s| {
        let big = s.alloc(Big {
            data: [1; 2048],
            next: Gc::null(),
        });
        let (_, filled) = fill(s, 10_000);
        assert_eq!(
            filled,
            (semispace - size::<Big>()) / 1024,
            "large objects count too"
        );
        assert_eq!(s.get(big).data[0], 1);
    });
}

/// Grows a rooted chain of chunks until allocation fails; returns the error
/// and how many chunks were live then.
fn fill(s: &mut Scope<'_, Copying>, max: u64) -> (GcError, usize) {
    let head = s.alloc(Chunk {
        data: [0; 125],
        next: Gc::null(),
    });
    for i in 1..max {
        match s.try_alloc(Chunk {
            data: [i; 125],
            next: Gc::null(),
        }) {
            Ok(next) => {
                s.set(next, |c| &c.next, head);
                s.assign(head, next);
            }
            Err(error) => return (error, i as usize),
        }
    }
    panic!("{max} chunks fit in the heap");
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "release builds keep the first `keep` bytes of the old semispace committed, \
              contents and all (Semispace::discard); the poison is a debug-build check"
)]
fn the_old_semispace_is_poisoned_after_the_flip() {
    let mut heap = heap(HeapConfig::default());
    heap.scope("main", |s| {
        let a = node(s, 0x1234_5678);
        let old = s.address(a);
        s.collect();
        assert_ne!(s.address(a), old);
        // SAFETY: `old` lies in the heap's other semispace, which stays mapped
        // while the heap lives; nothing writes to it until the next collection.
        let stale = unsafe { std::slice::from_raw_parts(old as *const u8, size::<Node>()) };
        assert!(
            stale.iter().all(|&b| b == gc_core::os::POISON),
            "{stale:x?}"
        );
        assert_eq!(s.get(a).value, 0x1234_5678);
    });
}
