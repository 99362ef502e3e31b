//! The mark phase: an explicit mark stack, so marking depth never touches
//! the Rust stack.

use gc_core::ephemeron::EphemeronMarker;
use gc_core::object::ObjectRef;
use gc_core::space::FreeListSpace;
use gc_core::{Slot, Tracer};
use std::collections::VecDeque;
use std::ptr::NonNull;

/// The slots still to visit, reused across collections so marking
/// allocates nothing in the steady state.
///
/// The stack holds *slots* (roots, and the fields of marked objects), not
/// objects: scanning an object pushes its fields as its trace reports them,
/// and an object is marked when a slot referring to it is popped. So each
/// edge costs one push and one pop.
pub struct MarkStack {
    pending: Tracer,
    /// The most slots queued at once since [`MarkStack::take_peak`].
    peak: usize,
}

impl Default for MarkStack {
    fn default() -> MarkStack {
        MarkStack {
            // SAFETY: `for_collection`'s bullet: it traces only in the mark
            // loop, which runs only in a collection (`mark_roots` is
            // crate-private, and nothing else queues a slot), between
            // mutation regions: no lock guard of a traced object is in use.
            pending: unsafe { Tracer::for_collection() },
            peak: 0,
        }
    }
}

impl MarkStack {
    /// Queues the roots. Crate-private: the mark loop dereferences every
    /// queued slot, so only a collection may queue them (its roots are
    /// live), and it drains the queue before it returns.
    pub(crate) fn mark_roots(&mut self, roots: &[Slot]) {
        for root in roots {
            self.pending.report(root);
        }
    }

    /// Marks the objects the queued slots refer to and returns those that
    /// were unmarked: the gray objects that [`mark_parallel`] starts from.
    pub(crate) fn take_gray(&mut self, space: &mut FreeListSpace) -> Vec<ObjectRef> {
        let mut gray = Vec::new();
        while let Some(slot) = self.pending.pop() {
            // SAFETY: `as_ref`: only `mark_roots` queued slots so far, so
            // each is a root slot, valid and unwritten for the collection.
            if let Some(obj) = unsafe { slot.as_ref() }.get() {
                if space.mark(obj) {
                    gray.push(obj);
                }
            }
        }
        gray
    }

    /// The most slots the stack held at once since the last call (the
    /// roots included), and starts counting again.
    pub fn take_peak(&mut self) -> usize {
        std::mem::take(&mut self.peak).max(self.pending.len())
    }

    /// The mark loop without the seeded bug: marks everything reachable
    /// from the queued slots. Only a collection queues slots (`mark_roots`
    /// is crate-private), so outside this crate the stack is always empty
    /// and this marks nothing.
    pub fn mark_from(&mut self, space: &mut FreeListSpace) {
        self.mark_loop::<{ flaw::NONE }>(space);
    }

    /// The mark loop. `FLAW` plants a bug for a seeded-bug test (see
    /// `seeded_bug` and [`flaw`]); the real collector passes
    /// [`flaw::NONE`], which compiles the checks away.
    #[inline(always)]
    pub(crate) fn mark_loop<const FLAW: u8>(&mut self, space: &mut FreeListSpace) {
        self.mark_loop_with::<FLAW>(space, |_| {});
    }

    /// The mark loop, calling `newly` with each object it marks (the
    /// ephemeron phase's hook: ordinary marking passes a closure that does
    /// nothing, which compiles away).
    #[inline(always)]
    fn mark_loop_with<const FLAW: u8>(
        &mut self,
        space: &mut FreeListSpace,
        mut newly: impl FnMut(ObjectRef),
    ) {
        // The stack's length before each pop: its peak comes right before
        // one (the pushes of a trace are followed by a pop).
        let mut peak = 0;
        while let Some(slot) = self.pending.pop() {
            peak = peak.max(self.pending.len() + 1);
            // SAFETY: `as_ref`: a queued slot is a root or a field of a
            // marked (so live, and unmoved: this collector never moves)
            // object, valid and unwritten for the collection.
            let Some(obj) = (unsafe { slot.as_ref() }).get() else {
                continue;
            };
            if !space.mark(obj) {
                continue;
            }
            newly(obj);
            let reported = self.pending.len();
            // SAFETY: `trace`'s bullet: `obj` came from a root or a live
            // object's field, so it is live, and its payload is initialised
            // (`Collector::collect`'s bullet).
            unsafe { obj.trace(&mut self.pending) };
            if FLAW == flaw::SKIP_LAST_SLOT && self.pending.len() > reported {
                self.pending.pop();
            }
            if FLAW == flaw::SKIP_OUT_OF_LINE {
                // SAFETY: `size`'s bullet: `obj` is live and initialised
                // (as for `trace` above).
                let cell = obj.addr()..obj.addr() + unsafe { obj.size() };
                self.pending
                    .retain_since(reported, |slot| cell.contains(&slot.as_ptr().addr()));
            }
            if first_child_above(&self.pending, reported, obj) {
                self.pending.reverse_since(reported);
            }
        }
        self.peak = self.peak.max(peak);
    }
}

/// The seeded bugs the mark loop can plant (`seeded_bug`), as its `FLAW`.
pub(crate) mod flaw {
    /// The real mark loop.
    pub(crate) const NONE: u8 = 0;
    /// Drops the last slot each object reports (`SkipLastField`).
    pub(crate) const SKIP_LAST_SLOT: u8 = 1;
    /// Drops the slots an object reports outside its own cell, in a buffer
    /// it owns (`SkipOutOfLine`).
    pub(crate) const SKIP_OUT_OF_LINE: u8 = 2;
}

/// The mark stack lent to the ephemeron phase
/// ([`EphemeronTable::trace_values`](gc_core::ephemeron::EphemeronTable::trace_values))
/// of a stop-the-world collection.
pub(crate) struct Ephemerons<'a> {
    pub(crate) space: &'a mut FreeListSpace,
    pub(crate) marker: &'a mut MarkStack,
}

// SAFETY: `is_live` is the mark bit, set by this collection's marking
// since `clear_marks` (mark-sweep never moves, so the address is the
// object's); `mark_from` queues the slots and runs the mark loop to the
// end, which calls `newly` once for each object it marks.
unsafe impl EphemeronMarker for Ephemerons<'_> {
    fn is_live(&self, obj: ObjectRef) -> bool {
        self.space.is_marked(obj)
    }

    fn mark_from(&mut self, slots: &[NonNull<Slot>], newly: &mut dyn FnMut(ObjectRef)) {
        for slot in slots {
            // SAFETY: `as_ref`: the trait's caller lends slots valid for
            // the call (values of a weak-map entry, unwritten while marking).
            self.marker.pending.report(unsafe { slot.as_ref() });
        }
        self.marker
            .mark_loop_with::<{ flaw::NONE }>(self.space, newly);
    }
}

/// Whether the first slot `obj` reported (from index `reported` of
/// `pending`) refers to an object above `obj` in memory. The mark loop
/// then pops `obj`'s fields first to last, else last to first, so that it
/// walks a structure in the direction it was allocated: a tree built
/// parents first (each node below its children) in ascending address
/// order, one built children first (each node above them) in descending
/// order. Either way, the next object marked is usually the next cache
/// line, which the hardware prefetcher has fetched; visited against the
/// allocation order, a children-first tree marks 4x slower.
#[inline(always)]
fn first_child_above(pending: &Tracer, reported: usize, obj: ObjectRef) -> bool {
    pending.first_since(reported).is_some_and(|slot| {
        // SAFETY: `as_ref`: a field of `obj` reported just now by its
        // trace; `obj` is live and nothing writes it during marking.
        let target = unsafe { slot.as_ref() }.get();
        target.is_some_and(|child| child.addr() > obj.addr())
    })
}

/// A gray object handed between marking threads.
struct Gray(ObjectRef);

// SAFETY: an `ObjectRef` is `!Send` because user code must never carry a heap
// pointer to another thread. Here the program is stopped for the whole
// parallel phase (the collector holds `&mut` of the heap), the object stays
// live and unmoved until the phase ends, and other threads only read it:
// its header, and its payload through `Trace`, which rule 6 of the `Trace`
// contract allows on several threads at once.
unsafe impl Send for Gray {}

/// Gray objects a marking thread keeps to itself before it shares one.
const LOCAL_STACK: usize = 64;

/// Marks everything reachable from the (already marked) `gray` objects on
/// `threads` threads with work stealing ([`gc_core::parallel`]). Each thread
/// drains a private stack and moves its oldest entry (in a tree, the largest
/// unvisited subtree) to its shared deque only when that deque is empty or
/// the stack is long, so idle threads always find sizeable work to steal
/// while the common case stays a private push and pop.
pub(crate) fn mark_parallel(space: &FreeListSpace, gray: Vec<ObjectRef>, threads: usize) {
    let marks = space.shared_marks();
    let initial = gray.into_iter().map(Gray).collect();
    let scratch = || {
        // SAFETY: `for_collection`'s bullet: these tracers trace only in
        // `mark_parallel`, inside a collection, between mutation regions:
        // no lock guard of a traced object can be in use.
        (
            unsafe { Tracer::for_collection() },
            VecDeque::with_capacity(LOCAL_STACK),
        )
    };
    gc_core::parallel::run(
        threads,
        initial,
        scratch,
        |(tracer, stack), item, worker| {
            stack.push_back(item.0);
            while let Some(obj) = stack.pop_back() {
                // SAFETY: `trace`'s bullet: gray objects are marked, hence
                // reachable and live, with initialised payloads
                // (`Collector::collect`'s bullet); the program is stopped,
                // so nothing writes them meanwhile.
                unsafe { obj.trace(tracer) };
                // The children go on `stack` in the order they are popped,
                // so the last pushed is marked first: see `first_child_above`.
                if !first_child_above(tracer, 0, obj) {
                    tracer.reverse_since(0);
                }
                while let Some(slot) = tracer.pop() {
                    // SAFETY: `as_ref`: a field just reported by the trace
                    // of `obj`, which is live and unwritten while marking.
                    let Some(child) = (unsafe { slot.as_ref() }).get() else {
                        continue;
                    };
                    // SAFETY: `info`'s bullet: `child` came from a live
                    // object's field, so it is live.
                    if !(marks.mark(child) && unsafe { child.info() }.needs_trace) {
                        continue;
                    }
                    stack.push_back(child);
                }
                if stack.len() > 1 && (worker.is_empty() || stack.len() > LOCAL_STACK) {
                    // The oldest entry: in a tree, the largest unvisited subtree.
                    let oldest = stack.pop_front().expect("more than one entry");
                    worker.push(Gray(oldest));
                }
            }
        },
    );
}
