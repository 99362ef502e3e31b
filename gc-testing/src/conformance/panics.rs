//! Destructors and callbacks that panic. The rule every backend follows
//! (see [`Collector`](gc_core::Collector), "Destructors that panic"): a
//! panicking `Drop` does not stop the collection or teardown that ran it.
//! Every other dead object is still finalised, each exactly once, the
//! panicking one is never finalised again, the bookkeeping stays
//! consistent, and the first panic resumes in the caller of the operation
//! that collected (`alloc`, `collect`, dropping the heap) once that
//! operation has finished.
//!
//! Each check counts every destructor run, runs the verifier (the suite's
//! heaps verify after every collection) and then keeps using the heap.

use super::{list, objects, panic_text_of, Mode};
use crate::{DropCounter, Drops};
use gc_core::object::object_size_for;
use gc_core::stats::Cause;
use gc_core::{Collector, Gc, Heap, HeapConfig, Root, Scope, Trace};
use std::ops::Range;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// What an armed [`Bomb`]'s destructor panics with.
pub const BOOM: &str = "boom: a destructor panicked";

/// A counted object whose `Drop` panics when `armed`. Its fields are
/// dropped all the same (Rust drops them while the panic unwinds), so its
/// counter records the drop.
#[derive(Trace)]
pub struct Bomb {
    /// Records the drop.
    pub counter: DropCounter,
    /// An edge, for chains and rings of bombs.
    pub next: Gc<Bomb>,
    /// Panic in `Drop`.
    pub armed: bool,
    /// Owned memory that must be freed exactly once (a double free aborts).
    pub payload: Vec<u64>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        // Not while a failed assertion unwinds: that would abort the test.
        if self.armed && !std::thread::panicking() {
            panic!("{BOOM}");
        }
    }
}

/// A [`Bomb`] big enough for the large-object space.
#[derive(Trace)]
pub struct BigBomb {
    /// The bomb.
    pub bomb: Bomb,
    /// Past the large-object threshold (8 KiB).
    pub pad: [u64; 1200],
}

fn bomb(drops: &Drops, id: u32, armed: bool) -> Bomb {
    Bomb {
        counter: drops.counter(id),
        next: Gc::null(),
        armed,
        payload: vec![u64::from(id); 4],
    }
}

fn big_bomb(drops: &Drops, id: u32, armed: bool) -> BigBomb {
    BigBomb {
        bomb: bomb(drops, id, armed),
        pad: [u64::from(id); 1200],
    }
}

/// Runs `f`; `true` if it panicked with [`BOOM`]. Any other panic goes on.
fn exploded(f: impl FnOnce()) -> bool {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => false,
        Err(payload) if panic_text_of(&*payload) == BOOM => true,
        Err(payload) => resume_unwind(payload),
    }
}

/// Allocates `len` bombs in a chain (`ids`, first to last), the one with id
/// `armed` armed; closes it into a ring if `ring`. Returns the first.
fn chain<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    drops: &Drops,
    ids: Range<u32>,
    armed: u32,
    ring: bool,
) -> Root<'s, Bomb> {
    let first = s.alloc(bomb(drops, ids.start, ids.start == armed));
    let last = s.root(first);
    for id in ids.start + 1..ids.end {
        let next = s.alloc(bomb(drops, id, id == armed));
        s.set(last, |b| &b.next, next);
        s.assign(last, next);
    }
    if ring {
        s.set(last, |b| &b.next, first);
    }
    first
}

/// Asserts that objects `ids` were each dropped exactly once.
fn dropped_once(drops: &Drops, ids: Range<u32>) {
    for id in ids {
        assert_eq!(
            drops.count(id),
            1,
            "object {id} was dropped {} times",
            drops.count(id)
        );
    }
}

/// Allocates unarmed garbage bombs (the victims' size class) until `done`,
/// returning how many allocations panicked with [`BOOM`].
fn churn_until<C: Collector>(s: &mut Scope<'_, C>, done: impl Fn(&Scope<'_, C>) -> bool) -> usize {
    let churn = Drops::default();
    let mut booms = 0;
    for i in 0..2_000_000 {
        if done(s) {
            return booms;
        }
        booms += usize::from(exploded(|| {
            s.scope("churn", |t| {
                t.alloc(bomb(&churn, i, false));
            })
        }));
    }
    panic!("two million allocations did not get there");
}

/// Drops `heap`, none of whose destructors panics: the objects `live` left
/// in it are dropped once, and `total` objects have been dropped in all.
fn tear_down<C: Collector>(heap: Heap<C>, drops: &Drops, live: Range<u32>, total: usize) {
    assert!(!exploded(|| drop(heap)), "no destructor left panics");
    dropped_once(drops, live);
    assert_eq!(drops.total(), total, "every object is dropped, once");
}

/// After a panic: the heap still allocates, links and collects, and the
/// objects alive before are all still there.
fn keeps_working<C: Collector>(s: &mut Scope<'_, C>) {
    s.collect();
    let before = objects(s);
    s.scope("after", |t| {
        let head = list(t, 100);
        t.collect();
        assert_eq!(objects(t), before + 100);
        assert_eq!(t.get(head).value, 99);
    });
    s.collect();
    assert_eq!(
        objects(s),
        before,
        "the new garbage is gone, the old objects stay"
    );
}

/// An explicit collection meets three panicking destructors among its dead
/// objects: in a chain (reference counting frees it in one cascade from the
/// zero-count table), in a ring (its cycle collector) and a large object.
/// Exactly one panic reaches `collect`'s caller, after every dead object is
/// finalised once and the collection is recorded.
pub fn panicking_drop_in_explicit_collection<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = Heap::<C>::new(mode.config()).expect("valid config");
    heap.scope("main", |s| {
        let kept = chain(s, &drops, 0..5, u32::MAX, false);
        s.scope("garbage", |g| {
            chain(g, &drops, 10..20, 15, false);
            chain(g, &drops, 20..30, 25, true);
            g.alloc(big_bomb(&drops, 30, true));
            g.alloc(big_bomb(&drops, 31, false));
        });
        let collections = s.stats().collections;
        assert!(
            exploded(|| s.collect()),
            "the panic reaches collect's caller"
        );
        assert_eq!(s.stats().collections, collections + 1, "and was recorded");
        dropped_once(&drops, 10..32);
        assert_eq!(drops.total(), 22, "live objects are not dropped");
        assert_eq!(objects(s), 5);
        assert!(!exploded(|| s.collect()), "nothing is finalised twice");
        dropped_once(&drops, 10..32);
        keeps_working(s);
        assert_eq!(s.get(kept).counter.id, 0);
    });
    tear_down(heap, &drops, 0..5, 27);
}

/// Dead objects with panicking destructors met by collections the program
/// did not ask for (the growth trigger, or stress mode), whose panics reach
/// allocations; mark-sweep finalises lazily, as allocation reaches a block.
pub fn panicking_drop_in_threshold_collection<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let n = mode.size(2_000, 50) as u32;
    let mut heap = Heap::<C>::new(mode.config()).expect("valid config");
    heap.scope("main", |s| {
        chain(s, &drops, 0..5, u32::MAX, false);
        s.scope("garbage", |g| {
            chain(g, &drops, 10..10 + n, 10 + n / 2, false);
            g.alloc(big_bomb(&drops, 10 + n, true));
        });
        let booms = churn_until(s, |_| drops.total() == n as usize + 1);
        assert!(
            (1..=2).contains(&booms),
            "{booms} panics reached allocations"
        );
        let causes: Vec<Cause> = s.stats().events.iter().map(|e| e.cause).collect();
        assert!(!causes.contains(&Cause::Explicit), "{causes:?}");
        dropped_once(&drops, 10..11 + n);
        keeps_working(s);
    });
    tear_down(heap, &drops, 0..5, n as usize + 6);
}

/// Dead objects with panicking destructors met by the collection an
/// allocation runs when the heap is full. (Stress mode collects at every
/// allocation, so its heap never fills: the same program there checks
/// stress collections again.)
pub fn panicking_drop_in_allocation_failure_collection<C: Collector>(mode: Mode) {
    let capacity = 4 << 20;
    let config = HeapConfig {
        capacity,
        initial_trigger: capacity,
        ..mode.config()
    };
    let drops = Drops::default();
    let mut heap = Heap::<C>::new(config).expect("valid config");
    heap.scope("main", |s| {
        chain(s, &drops, 0..5, u32::MAX, false);
        s.scope("garbage", |g| {
            chain(g, &drops, 10..110, 60, false);
            g.alloc(big_bomb(&drops, 110, true));
        });
        // A heap is full when the backend has no room for the next bomb.
        // Most backends keep memory the budget does not see (copying's
        // reserve, size classes' rounding), so that allocation fails and
        // collects with cause `AllocationFailure`; one whose room is
        // exactly the budget (mark-compact) meets the budget's end at the
        // same allocation, and collects with cause `Threshold` there.
        let bomb_size = object_size_for(std::mem::size_of::<Bomb>());
        let full = |s: &Scope<'_, C>| {
            let events = s.stats().events;
            mode == Mode::Stress
                || events.iter().any(|e| {
                    e.cause == Cause::AllocationFailure
                        || (e.cause == Cause::Threshold && e.bytes_before + bomb_size > capacity)
                })
        };
        let booms = churn_until(s, |s| drops.total() == 101 && full(s));
        assert!(
            (1..=2).contains(&booms),
            "{booms} panics reached allocations"
        );
        dropped_once(&drops, 10..111);
        keeps_working(s);
    });
    tear_down(heap, &drops, 0..5, 106);
}

/// Dropping the heap finalises every object although two destructors
/// panic (a small and a large object); the first panic then reaches the
/// code that dropped the heap.
pub fn panicking_drop_at_teardown<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = Heap::<C>::new(mode.config()).expect("valid config");
    heap.scope("main", |s| {
        chain(s, &drops, 0..100, 50, false);
        chain(s, &drops, 100..200, 150, true);
        s.alloc(big_bomb(&drops, 200, true));
        s.alloc(big_bomb(&drops, 201, false));
    });
    assert!(
        exploded(|| drop(heap)),
        "the panic reaches the heap's owner"
    );
    dropped_once(&drops, 0..202);
    assert_eq!(drops.total(), 202);
}

/// A heap dropped while the program's own panic unwinds still finalises
/// every object once, though each destructor panics: those panics are
/// dropped (a second panic leaving a destructor then would abort the
/// process), and the program's panic is the one that goes on.
pub fn panicking_drop_while_unwinding<C: Collector>(mode: Mode) {
    /// Panics in `Drop` even while the thread unwinds.
    #[derive(Trace)]
    struct Loud(DropCounter);
    impl Drop for Loud {
        fn drop(&mut self) {
            panic!("{BOOM}");
        }
    }
    let drops = Drops::default();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut heap = Heap::<C>::new(mode.config()).expect("valid config");
        heap.scope("main", |s| {
            for id in 0..3 {
                s.alloc(Loud(drops.counter(id)));
            }
        });
        panic!("the program's own panic");
    }));
    let payload = result.expect_err("the program panicked");
    assert_eq!(panic_text_of(&*payload), "the program's own panic");
    dropped_once(&drops, 0..3);
}

/// An object that was referenced from another and survived a collection
/// (reference counting then holds it as a cycle candidate), then dies with
/// its holder and panics in a collection the program did not ask for; an
/// explicit collection follows.
pub fn panicking_drop_of_a_formerly_referenced_object<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = Heap::<C>::new(mode.config()).expect("valid config");
    heap.scope("main", |s| {
        chain(s, &drops, 0..1, u32::MAX, false);
        let mut booms = 0;
        s.scope("pair", |p| {
            chain(p, &drops, 1..3, 2, false);
            let collections = p.stats().collections;
            booms += churn_until(p, |p| p.stats().collections > collections);
        });
        let collections = s.stats().collections;
        booms += churn_until(s, |s| s.stats().collections > collections);
        booms += usize::from(exploded(|| s.collect()));
        assert_eq!(booms, 1, "the panic reached the program once");
        dropped_once(&drops, 1..3);
        keeps_working(s);
    });
    tear_down(heap, &drops, 0..3, 3);
}

/// A panicking [`Heap::on_collection`] callback reaches `collect`'s caller,
/// and the collection it was told about is counted all the same.
pub fn panicking_collection_callback_is_counted<C: Collector>(mode: Mode) {
    let mut heap = Heap::<C>::new(mode.config()).expect("valid config");
    heap.on_collection(|event| {
        if event.id == 1 {
            panic!("{BOOM}");
        }
    });
    heap.scope("main", |s| {
        assert!(exploded(|| s.collect()));
        s.collect();
        assert_eq!(s.stats().collections, 2);
        assert_eq!(s.stats().events.len(), 2);
        keeps_working(s);
    });
}
