//! The conformance checks. Each takes a [`Mode`] and panics on failure;
//! [`conformance_suite!`](crate::conformance_suite) turns them into tests.
//!
//! They observe only what every backend promises: values, reachability,
//! object counts after an explicit `collect()`, and destructor runs.

use super::{DropCounter, Drops};
use gc_core::stats::Cause;
use gc_core::{Collector, Gc, GcError, GcErrorKind, Growth, Heap, HeapConfig, Root, Scope, Trace};

mod panics;
// Its checks and test types, at `conformance::` like the rest.
pub use panics::*;

/// Default configuration, or stress mode (collect on every allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `HeapConfig::default()` with the verifier on.
    Normal,
    /// Stress mode with the verifier on: smaller workloads.
    Stress,
}

impl Mode {
    /// The heap configuration for this mode.
    pub fn config(self) -> HeapConfig {
        HeapConfig {
            stress: self == Mode::Stress,
            verify: true,
            ..HeapConfig::default()
        }
    }

    /// `normal` in normal mode, `stress` in stress mode.
    pub fn size(self, normal: usize, stress: usize) -> usize {
        match self {
            Mode::Normal => normal,
            Mode::Stress => stress,
        }
    }
}

/// The object the checks build graphs from.
#[derive(Trace, Default)]
pub struct Node {
    /// A value that must survive collections intact.
    pub value: u64,
    /// First edge.
    pub left: Gc<Node>,
    /// Second edge.
    pub right: Gc<Node>,
}

/// A node whose drops are counted.
#[derive(Trace)]
pub struct Counted {
    /// Records the drop.
    pub counter: DropCounter,
    /// An edge, for building structures of counted objects.
    pub next: Gc<Counted>,
    /// Owned memory that must be freed with the object.
    pub payload: Vec<u64>,
}

fn heap<C: Collector>(mode: Mode) -> Heap<C> {
    Heap::new(mode.config()).expect("valid config")
}

fn node<'s, C: Collector>(s: &mut Scope<'s, C>, value: u64) -> Root<'s, Node> {
    s.alloc(Node {
        value,
        ..Node::default()
    })
}

/// A list of `len` nodes holding `len - 1` down to 0, linked through `left`.
fn list<'s, C: Collector>(s: &mut Scope<'s, C>, len: usize) -> Root<'s, Node> {
    let head = node(s, 0);
    for value in 1..len as u64 {
        s.scope("push", |t| {
            let cell = node(t, value);
            t.set(cell, |n| &n.left, head);
            t.assign(head, cell);
        });
    }
    head
}

fn objects<C: Collector>(s: &Scope<'_, C>) -> usize {
    s.usage().objects
}

/// Objects no root reaches are freed by `collect()`; rooted ones are not.
pub fn unreachable_objects_are_freed<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let kept = node(s, 7);
        s.scope("garbage", |g| {
            for i in 0..100 {
                node(g, i);
            }
        });
        s.collect();
        assert_eq!(objects(s), 1, "only the rooted node may survive");
        assert_eq!(s.get(kept).value, 7);
    });
    heap.scope("after", |s| {
        s.collect();
        assert_eq!(objects(s), 0, "with no roots, nothing survives");
    });
}

/// An object reachable only through a dead object dies with it.
pub fn transitive_death<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let head = node(s, 0);
        s.scope("chain", |c| {
            let mut prev = c.root(head);
            for i in 1..=10 {
                let next = node(c, i);
                c.set(prev, |n| &n.left, next);
                prev = next;
            }
        });
        s.collect();
        assert_eq!(objects(s), 11, "the chain is reachable from the head");
        s.clear(head, |n| &n.left);
        s.collect();
        assert_eq!(objects(s), 1, "cutting the head's edge frees the chain");
    });
}

/// Unreachable cycles, including self-loops, are reclaimed.
pub fn cycles_are_collected<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let survivor = node(s, 1);
        s.scope("cycles", |c| {
            for i in 0..20u32 {
                let a = c.alloc(counted(&drops, 2 * i));
                let b = c.alloc(counted(&drops, 2 * i + 1));
                c.set(a, |n| &n.next, b);
                c.set(b, |n| &n.next, a);
            }
            let me = c.alloc(counted(&drops, 1000));
            c.set(me, |n| &n.next, me);
        });
        let cycle = node(s, 2);
        s.set(survivor, |n| &n.left, cycle);
        s.set(cycle, |n| &n.left, survivor);
        s.collect();
        assert_eq!(drops.total(), 41, "every cycle member is dropped");
        assert_eq!(objects(s), 2, "the rooted cycle survives");
        assert_eq!(s.get(s.load(survivor, |n| &n.left).unwrap()).value, 2);
    });
    drops.assert_no_double_drop();
}

fn counted(drops: &Drops, id: u32) -> Counted {
    Counted {
        counter: drops.counter(id),
        next: Gc::null(),
        payload: vec![u64::from(id); 4],
    }
}

/// Builds a `len`-node linked list, collects, checks it, drops it.
pub fn long_list<C: Collector>(config: HeapConfig, len: usize) {
    let mut heap = Heap::<C>::new(config).expect("valid config");
    heap.scope("main", |s| {
        let head = list(s, len);
        s.collect();
        assert_eq!(objects(s), len, "the whole list is reachable");
        let cursor = s.root(head);
        let mut sum = 0;
        loop {
            sum += s.get(cursor).value;
            match s.load(cursor, |n| &n.left) {
                Some(next) => s.assign(cursor, next),
                None => break,
            }
        }
        let n = len as u64;
        assert_eq!(sum, n * (n - 1) / 2, "every value intact");
    });
    heap.scope("drop", |s| {
        s.collect();
        assert_eq!(objects(s), 0, "the whole list is freed");
    });
}

/// A million-node list is collected without overflowing the Rust stack.
pub fn long_list_is_marked_without_recursion<C: Collector>(mode: Mode) {
    long_list::<C>(mode.config(), mode.size(1_000_000, 1_000));
}

/// Every dead object's `Drop` runs exactly once; live ones are not dropped.
pub fn drop_runs_exactly_once<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let n = mode.size(2_000, 200) as u32;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let keep = s.alloc(counted(&drops, u32::MAX));
        for round in 0..4 {
            s.scope("round", |r| {
                for i in 0..n {
                    let obj = r.alloc(counted(&drops, round * n + i));
                    if i % 10 == 0 {
                        // Every tenth object is kept alive through `keep`'s chain.
                        let old = r.load(keep, |k| &k.next);
                        if let Some(old) = old {
                            r.set(obj, |o| &o.next, old);
                        }
                        r.set(keep, |k| &k.next, obj);
                    }
                }
            });
            s.collect();
            let survivors = (round + 1) * n.div_ceil(10);
            assert_eq!(drops.total(), ((round + 1) * n - survivors) as usize);
            assert_eq!(drops.count(u32::MAX), 0, "a live object was dropped");
        }
        drops.assert_no_double_drop();
        let mut cursor = s.load(keep, |k| &k.next);
        let mut seen = 0;
        while let Some(obj) = cursor {
            let id = s.get(obj).counter.id;
            assert_eq!(s.get(obj).payload, vec![u64::from(id); 4]);
            assert_eq!(drops.count(id), 0, "object {id} is live but was dropped");
            seen += 1;
            cursor = s.load(obj, |o| &o.next);
        }
        assert_eq!(seen, 4 * n.div_ceil(10));
    });
    drop(heap);
    assert_eq!(drops.total(), 4 * n as usize + 1, "teardown drops the rest");
    drops.assert_no_double_drop();
}

/// A destructor never sees a handle-API pointer to another object: the
/// collector nulls an object's `Gc` fields before its `Drop` runs, for an
/// object collected while its target lives on, one dying with its target,
/// and one dropped at teardown.
pub fn destructors_see_their_pointers_cleared<C: Collector>(mode: Mode) {
    use std::cell::RefCell;
    use std::rc::Rc;
    /// Records, when dropped, whether its `target` was null.
    #[derive(Trace)]
    struct Watcher {
        target: Gc<Node>,
        seen: Rc<RefCell<Vec<bool>>>,
    }
    impl Drop for Watcher {
        fn drop(&mut self) {
            self.seen.borrow_mut().push(self.target.is_null());
        }
    }
    fn watcher<'s, C: Collector>(
        s: &mut Scope<'s, C>,
        target: Root<'s, Node>,
        seen: &Rc<RefCell<Vec<bool>>>,
    ) -> Root<'s, Watcher> {
        let w = s.alloc(Watcher {
            target: Gc::null(),
            seen: Rc::clone(seen),
        });
        s.set(w, |w| &w.target, target);
        w
    }
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let kept = node(s, 1);
        s.scope("dies, its target lives", |t| {
            let kept = t.root(kept);
            watcher(t, kept, &seen);
        });
        s.scope("dies with its target", |t| {
            let target = node(t, 2);
            watcher(t, target, &seen);
        });
        s.collect();
        assert_eq!(*seen.borrow(), [true, true], "two watchers collected");
        watcher(s, kept, &seen);
    });
    drop(heap);
    assert_eq!(*seen.borrow(), [true, true, true], "the third at teardown");
}

/// Dropping the heap drops every object still alive, exactly once.
pub fn teardown_drops_every_live_object<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let a = s.alloc(counted(&drops, 0));
        let b = s.alloc(counted(&drops, 1));
        s.set(a, |n| &n.next, b);
        s.set(b, |n| &n.next, a);
        for i in 2..50 {
            s.alloc(counted(&drops, i));
        }
        let big = s.alloc(vec![0u8; 1 << 16]);
        assert_eq!(s.get(big).len(), 1 << 16);
    });
    assert_eq!(
        drops.total(),
        0,
        "no collection ran, nothing is dropped yet"
    );
    drop(heap);
    assert_eq!(drops.total(), 50);
    drops.assert_no_double_drop();
}

/// Allocating past the capacity returns `OutOfMemory` with a clear message;
/// once the roots go, the heap works again.
pub fn out_of_memory_is_an_error_and_the_heap_recovers<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Chunk {
        data: [u64; 120],
        next: Gc<Chunk>,
    }
    let capacity = 4 << 20;
    let config = HeapConfig {
        capacity,
        initial_trigger: 1 << 20,
        ..mode.config()
    };
    let mut heap = Heap::<C>::new(config).expect("valid config");
    let (error, filled) = heap.scope("fill", |s| {
        let head = s.alloc(Chunk {
            data: [0; 120],
            next: Gc::null(),
        });
        for i in 1..=10_000u64 {
            match s.try_alloc(Chunk {
                data: [i; 120],
                next: Gc::null(),
            }) {
                Ok(next) => {
                    s.set(next, |n| &n.next, head);
                    s.assign(head, next);
                }
                Err(error) => return (error, i),
            }
        }
        panic!("4 MiB held 10,000 chunks of ~1 KiB");
    });
    let GcErrorKind::OutOfMemory {
        requested,
        limit,
        in_use,
        collected: true,
    } = error.clone().into_kind()
    else {
        panic!("expected OutOfMemory, got {error:?}");
    };
    assert_eq!(limit, capacity);
    assert!(requested >= 976, "requested {requested}");
    assert!(
        in_use <= capacity && filled > 1000,
        "in use {in_use}, filled {filled}"
    );
    let message = error.to_string();
    assert!(
        message.contains("out of memory") && message.contains("4194304"),
        "{message}"
    );
    heap.scope("recovered", |s| {
        let survivor = node(s, 42);
        s.scope("garbage", |g| {
            for i in 0..2000 {
                g.alloc(Chunk {
                    data: [i; 120],
                    next: Gc::null(),
                });
            }
        });
        s.collect();
        assert_eq!(s.get(survivor).value, 42);
        assert_eq!(objects(s), 1);
    });
}

/// Roots in nested, named scopes keep their values across many collections.
pub fn nested_scope_roots_survive_collections<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("outer", |s| {
        let outer = node(s, 1);
        s.scope("middle", |m| {
            let middle = node(m, 2);
            m.set(outer, |n| &n.left, middle);
            m.scope("inner", |i| {
                let inner = node(i, 3);
                i.set(middle, |n| &n.left, inner);
                for round in 0..50 {
                    node(i, 1000 + round);
                    i.collect();
                    assert_eq!(i.get(outer).value, 1);
                    assert_eq!(i.get(middle).value, 2);
                    assert_eq!(i.get(inner).value, 3);
                }
                let trace = i.backtrace();
                assert!(trace.starts_with("#2 inner"), "{trace}");
                assert!(
                    trace.contains("#1 middle") && trace.contains("#0 outer"),
                    "{trace}"
                );
            });
        });
        s.collect();
        assert_eq!(objects(s), 3, "inner objects stay reachable through fields");
        let middle = s.load(outer, |n| &n.left).unwrap();
        let inner = s.load(middle, |n| &n.left).unwrap();
        assert_eq!((s.get(middle).value, s.get(inner).value), (2, 3));
    });
}

/// A binary tree keeps its shape and values across collections.
pub fn values_survive_collections<C: Collector>(mode: Mode) {
    fn build<'s, C: Collector>(s: &mut Scope<'s, C>, depth: u32, label: u64) -> Root<'s, Node> {
        s.scope_escaping("build", |b| {
            let n = node(b, label);
            if depth > 0 {
                let l = build(b, depth - 1, 2 * label);
                b.set(n, |x| &x.left, l);
                let r = build(b, depth - 1, 2 * label + 1);
                b.set(n, |x| &x.right, r);
            }
            n
        })
    }
    fn check<C: Collector>(s: &mut Scope<'_, C>, n: Root<'_, Node>, label: u64) -> u64 {
        assert_eq!(s.get(n).value, label);
        s.scope("check", |c| {
            let l = c.load(n, |x| &x.left);
            let r = c.load(n, |x| &x.right);
            1 + l.map_or(0, |l| check(c, l, 2 * label))
                + r.map_or(0, |r| check(c, r, 2 * label + 1))
        })
    }
    let depth = mode.size(12, 6) as u32;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let tree = build(s, depth, 1);
        for _ in 0..3 {
            s.scope("garbage", |g| {
                build(g, depth, 1);
            });
            s.collect();
            assert_eq!(check(s, tree, 1), (1 << (depth + 1)) - 1);
        }
    });
}

/// `set`, `clear` and `load` see each other's effects across collections.
pub fn fields_set_and_cleared<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let a = node(s, 1);
        let b = node(s, 2);
        let c = node(s, 3);
        s.set(a, |n| &n.left, b);
        s.set(a, |n| &n.right, c);
        s.set(a, |n| &n.left, c); // overwrite
        s.collect();
        let left = s.load(a, |n| &n.left).unwrap();
        assert!(s.ptr_eq(left, c));
        s.clear(a, |n| &n.right);
        assert!(s.load(a, |n| &n.right).is_none());
        assert!(s.get(a).right.is_null());
        s.collect();
        assert_eq!(objects(s), 3, "b is still rooted");
        assert_eq!(s.get(b).value, 2);
    });
}

/// A `Vec<Gc<_>>` inside an object keeps its elements alive, and they can
/// be set through it.
pub fn objects_held_in_vectors_survive<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Array {
        items: Vec<Gc<Node>>,
    }
    let n = mode.size(500, 50);
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let array = s.alloc(Array {
            items: (0..n).map(|_| Gc::null()).collect(),
        });
        for i in 0..n {
            s.scope("fill", |f| {
                let item = node(f, i as u64);
                f.set(array, |a| &a.items[i], item);
            });
        }
        s.collect();
        assert_eq!(objects(s), n + 1);
        for i in 0..n {
            let item = s.load(array, |a| &a.items[i]).unwrap();
            assert_eq!(s.get(item).value, i as u64);
        }
    });
}

/// Objects above the large-object threshold are kept while rooted and freed
/// when not; their owned memory and `Drop` are handled like any other.
pub fn large_objects_live_and_die<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Big {
        bytes: [u64; 2048],
        next: Gc<Node>,
        counter: DropCounter,
    }
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let big = s.alloc(Big {
            bytes: [7; 2048],
            next: Gc::null(),
            counter: drops.counter(0),
        });
        let small = node(s, 5);
        s.set(big, |b| &b.next, small);
        s.scope("garbage", |g| {
            for i in 1..=5 {
                g.alloc(Big {
                    bytes: [0; 2048],
                    next: Gc::null(),
                    counter: drops.counter(i),
                });
            }
        });
        s.collect();
        assert_eq!(drops.total(), 5);
        assert_eq!(drops.count(0), 0);
        assert!(s.get(big).bytes.iter().all(|&b| b == 7));
        let next = s.load(big, |b| &b.next).unwrap();
        assert_eq!(s.get(next).value, 5);
    });
    drop(heap);
    assert_eq!(drops.total(), 6);
    drops.assert_no_double_drop();
}

/// `alloc_into` re-points a root (here of an enclosing scope) at each new
/// object without a new slot; the objects it replaced die, each dropped
/// once, and the root's target keeps its fields across collections.
pub fn alloc_into_replaces_the_root<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let n = mode.size(10_000, 200) as u32;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let latest = s.alloc(counted(&drops, 0));
        let kept = s.alloc(counted(&drops, u32::MAX));
        s.scope("replace", |r| {
            let first = r.root(kept).slot_index();
            for i in 1..n {
                r.alloc_into(latest, counted(&drops, i));
                r.set(latest, |c| &c.next, kept);
            }
            let next = r.root(kept).slot_index();
            assert_eq!(next, first + 1, "alloc_into pushed a root");
        });
        s.collect();
        assert_eq!(objects(s), 2);
        assert_eq!(drops.total(), n as usize - 1);
        assert_eq!(s.get(latest).counter.id, n - 1);
        let next = s.load(latest, |c| &c.next).expect("set above");
        assert_eq!(s.get(next).counter.id, u32::MAX);
    });
    drop(heap);
    assert_eq!(drops.total(), n as usize + 1);
    drops.assert_no_double_drop();
}

/// Dead objects with and without drop glue, interleaved and of one size
/// (so a free-list backend puts them in the same blocks): each one with
/// drop glue is dropped exactly once, across threshold collections and an
/// explicit one.
pub fn mixed_drop_glue_objects_are_dropped_once<C: Collector>(mode: Mode) {
    type Plain = [u64; 6];
    let size = |info: &gc_core::object::TypeInfo| info.object_size();
    assert_eq!(
        size(gc_core::object::TypeInfo::of::<Plain>()),
        size(gc_core::object::TypeInfo::of::<Counted>())
    );
    let drops = Drops::default();
    let n = mode.size(100_000, 300) as u32;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        for i in 0..n {
            s.scope("garbage", |g| {
                g.alloc([u64::from(i); 6]);
                g.alloc(counted(&drops, i));
            });
        }
        s.collect();
        assert_eq!(objects(s), 0);
    });
    assert_eq!(drops.total(), n as usize);
    drops.assert_no_double_drop();
}

/// A root returned from a nested scope with `scope_escaping` stays valid.
pub fn escaped_roots_survive<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let mut kept = Vec::new();
        for i in 0..20 {
            kept.push(s.scope_escaping("make", |m| {
                for j in 0..10 {
                    node(m, 100 + j);
                }
                node(m, i)
            }));
        }
        s.collect();
        assert_eq!(objects(s), 20);
        for (i, &root) in kept.iter().enumerate() {
            assert_eq!(s.get(root).value, i as u64);
        }
    });
}

/// Every collection is counted, timed and exported.
pub fn stats_record_every_collection<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    let seen = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counter = seen.clone();
    heap.on_collection(move |event| counter.set(event.id));
    heap.scope("main", |s| {
        for i in 0..10 {
            node(s, i);
        }
        s.collect();
        s.collect();
    });
    let stats = heap.stats();
    assert_eq!(stats.backend, C::NAME);
    assert_eq!(
        seen.get(),
        stats.collections,
        "the callback saw every collection"
    );
    assert!(stats.collections >= 2);
    assert_eq!(stats.events.len() as u64, stats.collections);
    assert_eq!(stats.pauses.count(), stats.collections);
    assert_eq!(stats.allocated_objects, 10);
    let node_size = gc_core::object::TypeInfo::of::<Node>().object_size() as u64;
    assert_eq!(stats.allocated_bytes, 10 * node_size);
    let last = stats.events.back().unwrap();
    assert_eq!(last.objects_after, 10);
    assert!(last.pause >= last.phases.iter().copied().max().unwrap());
    assert_eq!(stats.to_csv().lines().count() as u64, stats.collections + 1);
    let json = serde_json::to_value(&stats).expect("stats serialise");
    assert_eq!(json["collections"], stats.collections);
    assert_eq!(
        json["events"].as_array().map(Vec::len),
        Some(stats.events.len())
    );
    assert_eq!(json["pauses"]["count"], stats.collections);
}

/// The growth policy holds. While a list far larger than `max_headroom`
/// is built (every collection unproductive), each collection doubles the
/// headroom cap, so the build collects about `log2(live / max_headroom)`
/// times, not `live / max_headroom`. Then, with that live set fixed and a
/// program making garbage, the first (productive) collection puts the cap
/// back: from then on a collection starts before the heap grows more than
/// `max_headroom` past the live bytes (not at `growth_factor` times them),
/// about once per `max_headroom` of garbage. Every threshold collection
/// starts at or before the trigger the policy set.
pub fn headroom_caps_heap_growth<C: Collector>(mode: Mode) {
    const MIB: usize = 1 << 20;
    let config = HeapConfig {
        initial_trigger: MIB,
        max_headroom: MIB,
        // The boosted cap lets the heap grow to twice the live bytes at most.
        growth_factor: 2.0,
        // A test of pacing: a heap walk after each of its ~20 collections of
        // an 8 MiB heap would be most of its time (the other checks verify).
        verify: false,
        ..mode.config()
    };
    let growth = config.growth();
    let mut heap = Heap::<C>::new(config).expect("valid config");
    let (live_nodes, garbage_nodes) = (mode.size(256_000, 100), mode.size(768_000, 200));
    let (live_bytes, build_collections) = heap.scope("main", |s| {
        list(s, live_nodes);
        let build_collections = s.stats().collections;
        s.collect();
        let live = s.usage();
        assert_eq!(live.objects, live_nodes);
        for value in 0..garbage_nodes as u64 {
            s.scope("garbage", |t| {
                node(t, value);
            });
        }
        s.collect();
        assert_eq!(
            objects(s),
            live_nodes,
            "the garbage is gone, the list is not"
        );
        (live.bytes, build_collections as usize)
    });
    let stats = heap.stats();
    let (mut previous, mut unproductive, mut garbage_collections) = (0, 0, 0);
    for event in &stats.events {
        if event.cause == Cause::Threshold {
            // Allowing for size-class rounding: the trigger counts requested bytes.
            let trigger = growth.boosted(unproductive).next_trigger(previous);
            assert!(
                event.bytes_before <= trigger + trigger / 4,
                "collection {} started at {} bytes, past the trigger {trigger} of {previous} \
                 live bytes after {unproductive} unproductive collections",
                event.id,
                event.bytes_before,
            );
            garbage_collections += usize::from(event.id as usize > build_collections + 1);
        }
        let grown = event.bytes_before.saturating_sub(previous);
        let freed = event.bytes_before.saturating_sub(event.bytes_after);
        unproductive = if Growth::unproductive(grown, freed) {
            unproductive + 1
        } else {
            0
        };
        previous = event.bytes_after;
    }
    if mode == Mode::Normal {
        assert!(
            live_bytes > 8 * MIB,
            "the live set ({live_bytes} bytes) dwarfs the headroom"
        );
        let doublings = (live_bytes / MIB).ilog2() as usize;
        assert!(
            build_collections <= doublings + 3,
            "{build_collections} collections building {live_bytes} live bytes: the cap \
             doubles, so about {doublings}"
        );
        // The first garbage collection may wait for up to the live bytes of
        // garbage (the boosted cap); the rest come once per `max_headroom`.
        let garbage_bytes = garbage_nodes * (live_bytes / live_nodes);
        assert!(
            garbage_collections >= (garbage_bytes - live_bytes) / (2 * MIB),
            "{garbage_collections} threshold collections for {garbage_bytes} bytes of garbage"
        );
    }
}

/// Settings that would collect on almost every allocation are clamped
/// (see [`HeapConfig`]): a program building a list past the first trigger
/// collects at most once per [`MIN_HEADROOM`](gc_core::MIN_HEADROOM) bytes
/// allocated. (Stress mode collects at every allocation whatever the
/// growth settings: checked there instead.)
pub fn degenerate_growth_settings_do_not_collect_per_allocation<C: Collector>(mode: Mode) {
    let settings = [
        HeapConfig {
            growth_factor: 1.0,
            ..mode.config()
        },
        HeapConfig {
            max_headroom: 1,
            ..mode.config()
        },
        HeapConfig {
            initial_trigger: 1,
            growth_factor: 1.0,
            max_headroom: 1,
            ..mode.config()
        },
    ];
    for config in settings {
        let config = HeapConfig {
            initial_trigger: config.initial_trigger.min(64 << 10),
            ..config
        };
        let mut heap = Heap::<C>::new(config.clone()).expect("valid config");
        heap.scope("main", |s| {
            let head = node(s, 0);
            for value in 1..mode.size(10_000, 300) as u64 {
                s.scope("push", |t| {
                    let cell = node(t, value);
                    t.set(cell, |n| &n.left, head);
                    t.assign(head, cell);
                });
                let stats = s.stats();
                let most = match mode {
                    Mode::Normal => stats.allocated_bytes as usize / gc_core::MIN_HEADROOM + 1,
                    Mode::Stress => stats.allocated_objects as usize,
                };
                assert!(
                    stats.collections as usize <= most
                        && (mode == Mode::Normal || stats.collections as usize == most),
                    "{} collections after {} bytes with {config:?}",
                    stats.collections,
                    stats.allocated_bytes,
                );
            }
        });
    }
}

/// Out-of-range configurations are rejected with the offending field named.
pub fn invalid_config_is_rejected<C: Collector>(mode: Mode) {
    let cases = [
        (
            HeapConfig {
                capacity: 1024,
                ..mode.config()
            },
            "capacity",
        ),
        (
            HeapConfig {
                growth_factor: f64::NAN,
                ..mode.config()
            },
            "growth_factor",
        ),
        (
            HeapConfig {
                initial_trigger: 0,
                ..mode.config()
            },
            "initial_trigger",
        ),
        (
            HeapConfig {
                max_headroom: 0,
                ..mode.config()
            },
            "max_headroom",
        ),
        (
            HeapConfig {
                mark_threads: 100_000,
                ..mode.config()
            },
            "mark_threads is 100000; it must be from 1 to",
        ),
    ];
    for (config, field) in cases {
        match Heap::<C>::new(config).map_err(GcError::into_kind) {
            Err(GcErrorKind::InvalidConfig(why)) => assert!(why.contains(field), "{why}"),
            Err(other) => panic!("expected InvalidConfig, got {other}"),
            Ok(_) => panic!("a bad {field} was accepted"),
        }
    }
}

/// A field projection must return a field of the object itself.
pub fn projection_outside_the_object_panics<C: Collector>(mode: Mode) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut heap = heap::<C>(mode);
        let outside: &'static Gc<Node> = Box::leak(Box::new(Gc::null()));
        heap.scope("main", |s| {
            let a = node(s, 1);
            let b = node(s, 2);
            s.set(a, |_| outside, b);
        });
    }));
    let text = panic_text(result.expect_err("writing outside the object must panic"));
    assert!(text.contains("not part of the object"), "{text}");
}

/// A type aligned to more than heap objects are (16 bytes) is refused at
/// allocation with a typed error (it used to stop the build with a
/// const-evaluation panic), and the heap goes on working.
pub fn over_aligned_types_are_an_error<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    #[repr(align(64))]
    struct Line(u8);
    #[derive(Trace)]
    #[repr(align(4096))]
    struct Page(u8);
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let kept = node(s, 1);
        for (error, align) in [
            (s.try_alloc(Line(1)).err(), 64),
            (s.try_alloc(Page(2)).err(), 4096),
        ] {
            match error.as_ref().map(GcError::kind) {
                Some(&GcErrorKind::AlignmentTooLarge { align: a, .. }) if a == align => {}
                other => panic!("expected AlignmentTooLarge for {align}, got {other:?}"),
            }
        }
        let model = s.mutate(|m| m.try_alloc(Line(4)).err());
        assert!(
            matches!(
                model.as_ref().map(GcError::kind),
                Some(GcErrorKind::AlignmentTooLarge { align: 64, .. })
            ),
            "{model:?}"
        );
        // The object model's containers refuse such elements the same way.
        let containers = s.mutate(|m| {
            let vector = gc_core::model::GcVec::<Line>::try_with_capacity(m, 1).err();
            let mut map = gc_core::model::GcMap::<u64, Line>::new(m);
            [vector, map.try_insert(m, 1, Line(5)).err()]
        });
        for error in containers {
            assert!(
                matches!(
                    error.as_ref().map(GcError::kind),
                    Some(GcErrorKind::AlignmentTooLarge { align: 64, .. })
                ),
                "a container of 64-aligned elements: {error:?}"
            );
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.alloc(Line(3));
        }));
        let text = panic_text(result.expect_err("alloc panics"));
        assert!(
            text.contains("aligned to 64 bytes") && text.contains("Line"),
            "{text}"
        );
        s.collect();
        assert_eq!(objects(s), 1);
        assert_eq!(s.get(kept).value, 1);
    });
}

/// A root of one heap cannot be used with another.
pub fn root_of_another_heap_panics<C: Collector>(mode: Mode) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut one = heap::<C>(mode);
        let mut two = heap::<C>(mode);
        one.scope("one", |a| {
            let foreign = node(a, 1);
            two.scope("two", |b| {
                b.get(foreign);
            });
        });
    }));
    let text = panic_text(result.expect_err("a foreign root must panic"));
    assert!(text.contains("was used with heap"), "{text}");
}

pub(crate) fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    panic_text_of(&*payload).to_string()
}

/// The message of a panic's payload ("" if it is not text).
pub(crate) fn panic_text_of(payload: &(dyn std::any::Any + Send)) -> &str {
    match payload.downcast_ref::<String>() {
        Some(text) => text,
        None => payload.downcast_ref::<&str>().copied().unwrap_or(""),
    }
}
