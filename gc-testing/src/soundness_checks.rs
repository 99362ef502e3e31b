//! Conformance checks for issue 22's soundness holes, on every backend,
//! normal and stress. The type rules (what "unbranded" means, which types
//! may have a destructor) are compile-fail tests in
//! `gc-core/tests/compile_fail/`; these are the run-time halves:
//!
//! - a collection assumes nothing about cell borrows: a `RefMut` leaked
//!   (`mem::forget`, `Box::leak`, `ManuallyDrop`) does not stop it, and
//!   what the lock holds stays alive and intact;
//! - a `trace` that panics mid-collection (a hand-written `unsafe impl`
//!   breaking rule 3) poisons the heap: every later use panics with a
//!   message, and dropping it runs no destructor over half-moved objects;
//! - every allocatable type can be read back (`Box<[T]>`), and a generic
//!   type with `#[trace(drop)]` is dropped exactly once.

use super::conformance::{Counted, Mode, Node};
use super::Drops;
use gc_core::model::{Gc as ModelGc, GcVec, RefLock};
use gc_core::{Collector, Gc, Heap, Rebrand, Scope, Trace, Tracer};
use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn heap<C: Collector>(mode: Mode) -> Heap<C> {
    Heap::new(mode.config()).expect("valid config")
}

/// A model object whose children sit behind a `RefLock`.
#[derive(Trace)]
struct Parent<'gc> {
    kids: RefLock<GcVec<'gc, ModelGc<'gc, u64>>>,
}

/// How a test leaks the `RefMut` it takes.
#[derive(Debug, Clone, Copy)]
enum Guard {
    Forgotten,
    BoxLeaked,
    ManuallyDropped,
}

/// A `RefMut` leaked inside a region is still "borrowed" when the next
/// collection traces its lock (before the fix: `unreachable!` in
/// `RefLock::trace`, halfway through the collection). The collection must
/// go on and keep every child alive and unmoved-from: all `kids` objects
/// are counted live after each collection, and the verifier (on in every
/// mode) checks every pointer.
pub fn soundness_leaked_ref_mut_does_not_stop_collections<C: Collector>(mode: Mode) {
    let kids = mode.size(200, 20) as u64;
    for leak in [Guard::Forgotten, Guard::BoxLeaked, Guard::ManuallyDropped] {
        let mut heap = heap::<C>(mode);
        heap.scope("leaked guard", |s| {
            let parent = s.mutate(|m| {
                let parent = m.alloc(Parent {
                    kids: RefLock::new(GcVec::new(m)),
                });
                let open = m.write(parent);
                let mut guard = open.project(|p| &p.kids).borrow_mut();
                for i in 0..kids {
                    guard.push(m.alloc(i * 3));
                }
                match leak {
                    Guard::Forgotten => std::mem::forget(guard),
                    Guard::BoxLeaked => {
                        // Kept reachable from a static, so that the valgrind
                        // run reports the leak as kept, not lost.
                        static LEAKED: std::sync::Mutex<Vec<usize>> =
                            std::sync::Mutex::new(Vec::new());
                        let leaked = Box::leak(Box::new(guard));
                        let address = (leaked as *mut _ as *mut u8).addr();
                        LEAKED.lock().unwrap().push(address);
                    }
                    Guard::ManuallyDropped => {
                        let _kept = ManuallyDrop::new(guard);
                    }
                }
                m.root(parent)
            });
            for round in 0..3 {
                s.mutate(|m| {
                    for i in 0..kids {
                        m.alloc(i); // garbage, so that collections have work
                    }
                });
                s.collect();
                assert_eq!(
                    s.stats().heap_objects as u64,
                    1 + kids,
                    "{leak:?}, round {round}: the parent and its {kids} children stay live"
                );
            }
            // The lock stays borrowed, as a `RefCell` whose `RefMut` was
            // leaked does: reading it panics, it never reads freed memory.
            let read = catch_unwind(AssertUnwindSafe(|| {
                s.mutate(|m| m.get(parent).kids.borrow().len())
            }));
            assert!(read.is_err(), "{leak:?}: the leaked borrow is still held");
        });
    }
}

/// Safe code may call `trace` (or `describe`) on a lock whose `RefMut` is
/// alive, inside a region: that must panic, not read the value while it is
/// borrowed mutably (only a collector's tracer, `Tracer::for_collection`,
/// reads past the flag, when no guard can be in use).
pub fn soundness_tracing_a_borrowed_lock_by_hand_panics<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("by hand", |s| {
        s.mutate(|m| {
            let parent = m.alloc(Parent {
                kids: RefLock::new(GcVec::new(m)),
            });
            let open = m.write(parent);
            let guard = open.project(|p| &p.kids).borrow_mut();
            let traced = catch_unwind(AssertUnwindSafe(|| {
                parent.kids.trace(&mut Tracer::new());
            }));
            assert!(traced.is_err(), "trace while borrowed mutably panics");
            let described = catch_unwind(AssertUnwindSafe(|| {
                parent.kids.describe(&mut gc_core::edges::Edges::new());
            }));
            assert!(described.is_err(), "describe while borrowed mutably panics");
            drop(guard);
            parent.kids.trace(&mut Tracer::new()); // not borrowed: fine
        });
    });
}

/// An object whose hand-written `trace` panics when `armed`: a `Trace`
/// that breaks rule 3.
struct BadTrace {
    armed: Cell<bool>,
    next: Gc<BadTrace>,
    kid: Gc<Node>,
}

const BAD_TRACE: &str = "a Trace implementation that panics";

// SAFETY: reports both of its `Gc`s (rules 1, 2, 4); it breaks rule 3 on
// purpose when armed: the check is what the heap does then.
unsafe impl Trace for BadTrace {
    const NEEDS_TRACE: bool = true;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = true;
    fn trace(&self, tracer: &mut Tracer) {
        self.next.trace(tracer);
        self.kid.trace(tracer);
        if self.armed.get() {
            panic!("{BAD_TRACE}");
        }
    }
}

// SAFETY: no brand: its own rebranding (its `Gc`s are handle-API ones).
unsafe impl<'a> Rebrand<'a> for BadTrace {
    type Output = BadTrace;
}

fn bad<'s, C: Collector>(s: &mut Scope<'s, C>) -> gc_core::Root<'s, BadTrace> {
    s.alloc(BadTrace {
        armed: Cell::new(false),
        next: Gc::null(),
        kid: Gc::null(),
    })
}

/// The text of the panic `op` raises; fails the check if it returns.
fn panic_text(what: &str, op: impl FnOnce()) -> String {
    match catch_unwind(AssertUnwindSafe(op)) {
        Ok(()) => panic!("{what}: expected a panic on a poisoned heap"),
        Err(payload) => super::conformance::panic_text_of(&*payload).to_owned(),
    }
}

/// A `trace` panicking halfway through a collection (on the copying
/// backend, after some objects were copied and before every pointer to
/// them was rewritten) poisons the heap: the panic reaches the caller of
/// `collect`, then every use (a root read, an allocation, a collection, a
/// region, a nested or new scope) panics saying the heap is poisoned, and
/// dropping the heap runs no destructor (the counted objects stay
/// unfinalised: leaked, never finalised twice or over half-moved memory).
pub fn soundness_panicking_trace_poisons_the_heap<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("poison", |s| {
        for id in 0..mode.size(50, 5) as u32 {
            s.alloc(Counted {
                counter: drops.counter(id),
                next: Gc::null(),
                payload: vec![u64::from(id); 4],
            });
        }
        let victim = bad(s);
        let kid = s.alloc(Node {
            value: 7,
            ..Node::default()
        });
        s.set(victim, |b| &b.kid, kid);
        let holder = bad(s);
        let keeper = bad(s);
        s.set(keeper, |k| &k.next, victim);
        s.collect(); // unarmed: an ordinary collection
        assert_eq!(s.get(victim).kid.get().map(|k| k.value), Some(7));
        s.get(victim).armed.set(true);
        // A decrement that leaves it referenced (by `keeper`) makes it a
        // cycle candidate on reference counting, whose trial deletion then
        // traces it.
        s.set(holder, |h| &h.next, victim);
        s.clear(holder, |h| &h.next);
        let first = panic_text("the collection", || s.collect());
        assert!(
            first.contains(BAD_TRACE) || first.contains("panicked"),
            "the trace's panic reaches the caller: {first}"
        );
        let poisoned = |what: &str, text: String| {
            assert!(text.contains("poisoned"), "{what}: {text}");
        };
        poisoned(
            "a root read",
            panic_text("a root read", || {
                let _ = s.get(kid).value;
            }),
        );
        poisoned(
            "an allocation",
            panic_text("an allocation", || {
                s.alloc(1u64);
            }),
        );
        poisoned("a collection", panic_text("a collection", || s.collect()));
        poisoned("a region", panic_text("a region", || s.mutate(|_| ())));
        poisoned(
            "a nested scope",
            panic_text("a nested scope", || s.scope("inner", |_| ())),
        );
        poisoned(
            "a backtrace",
            panic_text("a backtrace", || drop(s.backtrace())),
        );
        poisoned(
            "a heap graph",
            panic_text("a heap graph", || drop(s.heap_graph())),
        );
    });
    let text = panic_text("a new scope", || heap.scope("again", |_| ()));
    assert!(text.contains("poisoned"), "a new scope: {text}");
    drop(heap);
    assert_eq!(drops.total(), 0, "a poisoned heap finalises nothing");
}

/// Any type that can be allocated can be read back: a boxed slice, a
/// boxed string, a box of a box (issue 22: `Box<[u32]>` was allocatable
/// but not `Unbranded`, so `s.get` did not compile).
pub fn soundness_boxed_slices_are_readable<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("boxes", |s| {
        let slice = s.alloc(Box::<[u32]>::from([0, 1, 2]));
        let text = s.alloc(Box::<str>::from("boxed"));
        let nested = s.alloc(Box::new(Box::<[u64]>::from([5u64; 3])));
        s.collect();
        assert_eq!(**s.get(slice), [0, 1, 2]);
        assert_eq!(&**s.get(text), "boxed");
        assert_eq!(***s.get(nested), [5, 5, 5]);
    });
}

/// A generic type that needs a destructor says `#[trace(drop)]`; holding
/// numbers or handle-API pointers, it is allocated through both APIs and
/// dropped exactly once.
#[derive(Trace)]
#[trace(drop)]
struct Logged<T> {
    value: T,
    log: Cell<usize>,
    counter: super::DropCounter,
}

impl<T> Drop for Logged<T> {
    fn drop(&mut self) {
        self.log.set(self.log.get() + 1);
    }
}

/// A generic `#[trace(drop)]` type, holding numbers or handle-API pointers,
/// allocated through both APIs, is dropped exactly once.
pub fn soundness_trace_drop_types_drop_once<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let n = mode.size(100, 10) as u32;
    let mut heap = heap::<C>(mode);
    heap.scope("logged", |s| {
        for id in 0..n {
            let kept = s.alloc(Logged {
                value: Gc::<Node>::null(),
                log: Cell::new(0),
                counter: drops.counter(id),
            });
            let node = s.alloc(Node::default());
            s.set(kept, |l| &l.value, node);
            s.mutate(|m| {
                m.alloc(Logged {
                    value: u64::from(id),
                    log: Cell::new(0),
                    counter: drops.counter(n + id),
                });
            });
        }
        s.collect();
    });
    s_collect_all(&mut heap);
    drops.assert_no_double_drop();
    for id in 0..n {
        assert_eq!(
            drops.count(n + id),
            1,
            "the region's object {id} was collected once"
        );
    }
    drop(heap);
    drops.assert_no_double_drop();
    assert_eq!(drops.total(), 2 * n as usize, "every object dropped once");
}

fn s_collect_all<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("collect", |s| s.collect());
}
