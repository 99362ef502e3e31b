//! Post-mortem cleanups: see [`Cleanup`] and `docs/WEAK.md`.

use super::{Heap, Scope};
use crate::collector::Collector;
use crate::handle::Root;
use crate::object::ObjectRef;
use crate::threads::{Local, Sendable, Threads};
use crate::weak::{GcWeak, WeakTable};
use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// Post-mortem cleanups (`docs/WEAK.md`, "Finalization"): a callback
/// registered for an object ([`Scope::on_death`]) runs once, after the
/// collection that finds the object dead, in a scope of its own. It never
/// sees the object (it holds whatever it captured, as the ECMAScript
/// `FinalizationRegistry`'s held value and Go's `AddCleanup`), so nothing
/// can be resurrected, on any backend.
///
/// When they run: collections only queue them (no user code runs inside a
/// collection); the queue is drained at the next safe point with a scope:
/// after [`Scope::collect`], at the end of every mutation region
/// ([`Scope::mutate`]), when a heap's outermost scope ends
/// ([`Heap::scope`]), on [`Scope::run_cleanups`], and at heap teardown,
/// where every cleanup still registered runs exactly once: first those of
/// objects a last collection finds dead, then those of objects that the
/// persistent roots keep until the heap goes (the heap is still whole
/// then, so those cleanups may use persistent roots, and a weak reference
/// to such an object may still upgrade in them). No order is promised. A cleanup may allocate, collect
/// and register cleanups (the drain goes on until the queue is empty; it
/// never nests); a cleanup that panics stops none of the others, and the
/// first panic goes on once the queue is drained.
///
/// ```
/// use gc_core::{Heap, HeapConfig};
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let closed = Rc::new(Cell::new(0));
/// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     s.scope("file", |s| {
///         let file = s.alloc(42u64); // say, a script's file object
///         let closed = Rc::clone(&closed);
///         s.on_death(file, move |s| {
///             closed.set(closed.get() + 1); // close the OS handle it stood for
///             s.alloc(0u64); // a cleanup has a scope: it may allocate
///         });
///     });
///     s.collect(); // the file object is garbage: its cleanup runs now
///     assert_eq!(closed.get(), 1);
/// });
/// ```
///
/// A cleanup a heap of kind `Th` accepts: any `FnOnce(&mut Scope)` that is
/// `'static` for a [`Local`] heap, and also `Send` for a [`Sendable`] one
/// (it travels with the heap).
pub trait Cleanup<C: Collector, Th: Threads>:
    for<'s> FnOnce(&mut Scope<'s, C, Th>) + sealed::Sealed<C, Th> + 'static
{
    /// Runs the boxed cleanup.
    #[doc(hidden)]
    fn run(self: Box<Self>, s: &mut Scope<'_, C, Th>);
}

mod sealed {
    use super::*;
    pub trait Sealed<C: Collector, Th: Threads> {}
    impl<C: Collector, F: for<'s> FnOnce(&mut Scope<'s, C, Local>) + 'static> Sealed<C, Local> for F {}
    impl<C: Collector, F: for<'s> FnOnce(&mut Scope<'s, C, Sendable>) + Send + 'static>
        Sealed<C, Sendable> for F
    {
    }
}

impl<C: Collector, F: for<'s> FnOnce(&mut Scope<'s, C, Local>) + 'static> Cleanup<C, Local> for F {
    fn run(self: Box<Self>, s: &mut Scope<'_, C, Local>) {
        (*self)(s)
    }
}

impl<C: Collector, F: for<'s> FnOnce(&mut Scope<'s, C, Sendable>) + Send + 'static>
    Cleanup<C, Sendable> for F
{
    fn run(self: Box<Self>, s: &mut Scope<'_, C, Sendable>) {
        (*self)(s)
    }
}

pub(crate) type Boxed<C, Th> = Box<dyn Cleanup<C, Th>>;

/// A heap's cleanups: registered (their objects alive, as far as the last
/// collection knew) and pending (their objects found dead).
pub(crate) struct Cleanups<C: Collector, Th: Threads> {
    registered: Vec<(GcWeak<()>, Boxed<C, Th>)>,
    pending: VecDeque<Boxed<C, Th>>,
    /// A drain is under way (a cleanup's own collection does not nest one).
    draining: bool,
}

impl<C: Collector, Th: Threads> Default for Cleanups<C, Th> {
    fn default() -> Self {
        Cleanups {
            registered: Vec::new(),
            pending: VecDeque::new(),
            draining: false,
        }
    }
}

impl<C: Collector, Th: Threads> Cleanups<C, Th> {
    pub(crate) fn register(&mut self, weak: GcWeak<()>, cleanup: Boxed<C, Th>) {
        self.registered.push((weak, cleanup));
    }

    /// After a collection: queues the cleanups whose objects it found dead.
    pub(crate) fn collected(&mut self, table: &WeakTable) {
        let mut i = 0;
        while i < self.registered.len() {
            if table.target(&self.registered[i].0).is_some() {
                i += 1;
            } else {
                let (_, cleanup) = self.registered.swap_remove(i);
                self.pending.push_back(cleanup);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.registered.is_empty() && self.pending.is_empty()
    }
}

/// How many times teardown collects and drains: a cleanup that registers
/// a cleanup for an object it allocates, at every round, is cut off here.
const TEARDOWN_ROUNDS: usize = 8;

impl<C: Collector, Th: Threads> Heap<C, Th> {
    /// Registers `cleanup` for `obj` (a live object of this heap).
    pub(crate) fn register_cleanup(&mut self, obj: ObjectRef, cleanup: Boxed<C, Th>) {
        // SAFETY: `WeakTable::downgrade` asks for a live object of this
        // heap of the handle's type: `obj` is live (caller), and a
        // `GcWeak<()>` is never upgraded to a typed pointer (only tested).
        let weak = unsafe { self.collector.weak_table_mut().downgrade::<()>(obj) };
        self.cleanups.register(weak, cleanup);
    }

    /// `true` if cleanups wait for a scope to run in.
    pub(crate) fn cleanups_pending(&self) -> bool {
        !self.cleanups.pending.is_empty() && !self.cleanups.draining
    }

    /// Teardown's cleanups, while the heap is still whole (its persistent
    /// roots in place): a collection queues the cleanups of the objects it
    /// finds dead and they run; when it finds none, the cleanups of the
    /// objects still alive (reachable from persistent roots only: no scope
    /// is open) run too, since those objects go with the heap. Again while
    /// cleanups registered meanwhile remain, up to [`TEARDOWN_ROUNDS`].
    /// Returns the first panic of a cleanup.
    pub(super) fn run_last_cleanups(&mut self) -> Option<Panic> {
        let mut first = None;
        for _ in 0..TEARDOWN_ROUNDS {
            if self.cleanups.is_empty() {
                break;
            }
            let ran = catch_unwind(AssertUnwindSafe(|| {
                self.collect(crate::stats::Cause::Explicit);
                if self.cleanups.pending.is_empty() {
                    let alive = self.cleanups.registered.drain(..).map(|(_, c)| c);
                    self.cleanups.pending.extend(alive);
                }
                Scope::enter(self, None, "teardown", |s| s.run_cleanups());
            }));
            if let Err(payload) = ran {
                first.get_or_insert(payload);
                if self.id == super::POISONED {
                    break;
                }
            }
        }
        first
    }
}

/// A panic caught from a cleanup.
pub(super) type Panic = Box<dyn std::any::Any + Send>;

impl<C: Collector, Th: Threads> Scope<'_, C, Th> {
    /// Registers `cleanup` to run once, after the collection that finds
    /// `root`'s object dead (see [`Cleanup`] for when). It never sees the
    /// object: capture what it needs (an id, a `Persistent` of another
    /// object, an OS handle). A cleanup that captures a
    /// [`Persistent`](crate::model::Persistent) of its own object keeps the
    /// object alive, and runs only at teardown.
    pub fn on_death<T>(&mut self, root: Root<'_, T>, cleanup: impl Cleanup<C, Th>) {
        let obj = self.object(root);
        self.heap_mut().register_cleanup(obj, Box::new(cleanup));
    }

    /// Runs the cleanups whose objects collections found dead, each in a
    /// scope of its own, until none is left (cleanups that collect may
    /// queue more); nothing if a drain is already under way. The first
    /// cleanup's panic goes on once every cleanup has run.
    pub fn run_cleanups(&mut self) {
        if !self.heap_mut().cleanups_pending() {
            return;
        }
        self.heap_mut().cleanups.draining = true;
        let mut first = None;
        while let Some(cleanup) = self.heap_mut().cleanups.pending.pop_front() {
            let ran = catch_unwind(AssertUnwindSafe(|| {
                self.scope("cleanup", |s| cleanup.run(s))
            }));
            if let Err(payload) = ran {
                first.get_or_insert(payload);
            }
        }
        self.heap_mut().cleanups.draining = false;
        if let Some(payload) = first {
            resume_unwind(payload);
        }
    }
}
