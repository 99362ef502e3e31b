//! Resource checks: what a program costs in memory and work follows what it
//! uses, never a setting or the size of an unrelated object. Like the rest
//! of the suite, each takes a [`Mode`] and panics on failure, and every
//! backend runs them (normal and stress).
//!
//! Work is counted, not timed (a trace visit counter, `Visits`); resident
//! memory is read from `/proc/self/statm` as a delta around one operation,
//! the smallest of a few tries, so that other tests running in the same
//! process can only make a try look worse, never better than the worst
//! case the check allows (speed goals live in the criterion benches).

use super::conformance::Mode;
use crate::model::{Gc, GcVec, Lock, RefLock};
use crate::{Collector, Heap, Rebrand, Trace, Tracer};
use std::cell::Cell;

thread_local! {
    /// Trace calls on [`Visit`] and [`HandleVisit`] values in this thread.
    static VISITS: Cell<usize> = const { Cell::new(0) };
}

/// Trace calls counted so far in this thread.
fn visits() -> usize {
    VISITS.with(Cell::get)
}

fn visit() {
    VISITS.with(|v| v.set(v.get() + 1));
}

/// An object-model element whose trace counts its calls.
#[derive(Clone, Copy)]
pub struct Visit<'gc>(pub Gc<'gc, u64>);

// SAFETY: reports its one pointer, like `Gc`'s own implementation.
unsafe impl Trace for Visit<'_> {
    const NEEDS_TRACE: bool = true;
    const MODEL_POINTERS: bool = true;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, tracer: &mut Tracer) {
        visit();
        self.0.trace(tracer);
    }
}

// SAFETY: the same value with its brand replaced.
unsafe impl<'a> Rebrand<'a> for Visit<'_> {
    type Output = Visit<'a>;
}

/// A handle-API element whose trace counts its calls.
pub struct HandleVisit(pub crate::Gc<u64>);

// SAFETY: reports its one pointer, like `Gc`'s own implementation.
unsafe impl Trace for HandleVisit {
    const NEEDS_TRACE: bool = true;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = true;
    fn trace(&self, tracer: &mut Tracer) {
        visit();
        self.0.trace(tracer);
    }
}

// SAFETY: no brand to replace.
unsafe impl<'a> Rebrand<'a> for HandleVisit {
    type Output = HandleVisit;
}

fn heap<C: Collector>(mode: Mode) -> Heap<C> {
    Heap::new(mode.config()).expect("valid config")
}

/// Elements of the big target object in the store checks.
const TARGET_LEN: usize = 2_000;
/// Objects that store a pointer to it.
const OWNERS: usize = 100;

/// The trace work the stores and one collection may cost: a few traces of
/// the target per collection (marking, the verifier, the phases of trial
/// deletion: 5 on reference counting), nothing per store.
fn store_work_bound() -> usize {
    8 * TARGET_LEN
}

/// Stores of a pointer to an object that holds a 2,000-element vector, made
/// through the object model into 100 objects the heap already refers to,
/// cost no trace of the target each: the stores and the collection that
/// counts them trace its elements a few times in all (a tracing backend
/// marks it once; reference counting's replay must not trace it per store).
pub fn resources_model_store_cost_is_independent_of_the_target<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Owner<'gc> {
        target: Lock<Option<Gc<'gc, RefLock<GcVec<'gc, Visit<'gc>>>>>>,
    }
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let (target, owners) = s.mutate(|m| {
            let leaf = m.alloc(7u64);
            let mut items = GcVec::new(m);
            for _ in 0..TARGET_LEN {
                items.push(Visit(leaf));
            }
            let target = m.alloc(RefLock::new(items));
            let mut owners = GcVec::new(m);
            for _ in 0..OWNERS {
                owners.push(m.alloc(Owner {
                    target: Lock::new(None),
                }));
            }
            (m.root(target), m.root(m.alloc(owners)))
        });
        // The owners are referred to from the heap (the vector) and known
        // to every backend's books before the stores.
        s.collect();
        let before = visits();
        s.mutate(|m| {
            let target = m.get(target);
            for &owner in m.get(owners).iter() {
                m.write(owner).project(|o| &o.target).set(Some(target));
            }
        });
        s.collect();
        let work = visits() - before;
        assert!(
            work <= store_work_bound(),
            "{OWNERS} stores of a pointer to a {TARGET_LEN}-element object and one \
             collection traced {work} elements (at most {} allowed): a store traces its target",
            store_work_bound()
        );
        s.mutate(|m| assert_eq!(m.get(target).borrow().len(), TARGET_LEN));
    });
}

/// The same through the handle API: 100 stores with [`Scope::set`](crate::Scope::set)
/// of a pointer to an object that holds a 2,000-element vector, into
/// objects other objects refer to, trace its elements a few times in all.
pub fn resources_handle_store_cost_is_independent_of_the_target<C: Collector>(mode: Mode) {
    #[derive(Trace, Default)]
    struct Owner {
        next: crate::Gc<Owner>,
        target: crate::Gc<Big>,
    }
    #[derive(Trace)]
    struct Big {
        items: Vec<HandleVisit>,
    }
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let leaf = s.alloc(7u64);
        let items = (0..TARGET_LEN)
            .map(|_| HandleVisit(crate::Gc::null()))
            .collect();
        let target = s.alloc(Big { items });
        for i in 0..TARGET_LEN {
            s.set(target, |b| &b.items[i].0, leaf);
        }
        // A chain of owners, so that each but the first is referred to.
        let head = s.alloc(Owner::default());
        let cursor = s.root(head);
        for _ in 1..OWNERS {
            s.scope("owner", |t| {
                let owner = t.alloc(Owner::default());
                t.set(cursor, |o| &o.next, owner);
                t.assign(cursor, owner);
            });
        }
        s.collect();
        let before = visits();
        s.assign(cursor, head);
        for _ in 0..OWNERS {
            s.set(cursor, |o| &o.target, target);
            s.scope("next", |t| {
                if let Some(next) = t.load(cursor, |o| &o.next) {
                    t.assign(cursor, next);
                }
            });
        }
        s.collect();
        let work = visits() - before;
        assert!(
            work <= store_work_bound(),
            "{OWNERS} stores of a pointer to a {TARGET_LEN}-element object and one \
             collection traced {work} elements (at most {} allowed): a store traces its target",
            store_work_bound()
        );
        assert_eq!(s.get(target).items.len(), TARGET_LEN);
    });
}
