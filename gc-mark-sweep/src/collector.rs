//! [`MarkSweep`]: the backend's state and its [`Collector`] implementation.

use crate::mark::{mark_parallel, MarkStack};
use gc_core::object::{ObjectRef, TypeInfo};
use gc_core::space::{Fragmentation, FreeListSpace};
use gc_core::stats::{Cause, CollectionEvent, Phase};
use gc_core::weak::WeakTable;
use gc_core::{
    Capabilities, Collector, GcError, HeapConfig, HeapUsage, Slot, PARALLEL_MARK_MIN_BYTES,
};

/// The mark-sweep backend. Use it as `Heap<MarkSweep>`.
pub struct MarkSweep {
    pub(crate) space: FreeListSpace,
    pub(crate) marker: MarkStack,
    /// `HeapConfig::mark_threads`.
    mark_threads: usize,
    /// Heap bytes after the last collection from which marking goes
    /// parallel ([`PARALLEL_MARK_MIN_BYTES`]; 0 in the parallel tests).
    pub(crate) parallel_from: usize,
    /// Heap bytes after the last collection: about what the next one marks.
    last_live: usize,
    /// Weak references, cleared after marking ([`gc_core::weak`]).
    weak: WeakTable,
}

impl MarkSweep {
    /// A full collection; `SKIP_LAST_SLOT` is the seeded bug of
    /// [`MarkStack::mark_loop`](crate::mark::MarkStack), `false` but in tests.
    /// `WEAK_AFTER_SWEEP` is the seeded bug `WeakAfterSweep` (see
    /// `seeded_bug`): the weak step runs after the sweep instead of before
    /// it, and so clears only the objects the sweep has already freed (a
    /// lazy sweep leaves dead objects allocated). `false` but in tests.
    pub(crate) fn collect_with<const SKIP_LAST_SLOT: bool, const WEAK_AFTER_SWEEP: bool>(
        &mut self,
        roots: &[Slot],
        event: &mut CollectionEvent,
    ) {
        self.space.clear_marks();
        let (space, marker) = (&mut self.space, &mut self.marker);
        event.time(Phase::Roots, || marker.mark_roots(roots));
        let threads = self.mark_threads;
        if threads > 1 && !SKIP_LAST_SLOT && self.last_live >= self.parallel_from {
            let gray = marker.take_gray(space);
            event.time(Phase::Trace, || mark_parallel(space, gray, threads));
        } else {
            event.time(Phase::Trace, || marker.mark_loop::<SKIP_LAST_SLOT>(space));
        }
        event.peak_work_list = marker.take_peak();
        if !WEAK_AFTER_SWEEP {
            // SAFETY: marking is complete and nothing unmarked is swept yet;
            // a marked object survives where it is (mark-sweep never moves).
            unsafe { self.weak.sweep(|obj| space.is_marked(obj).then_some(obj)) };
        }
        // The program waits for an explicit or last-resort collection to
        // finish every destructor; otherwise blocks are swept as allocation
        // reaches them (`FreeListSpace::sweep_lazily`).
        match event.cause {
            Cause::Explicit | Cause::AllocationFailure => {
                // SAFETY: `sweep`'s bullet: since `clear_marks` at the
                // start, marking has marked every object reachable from the
                // roots, and only objects it reached through live slots
                // (allocated ones).
                event.time(Phase::Reclaim, || unsafe { space.sweep() })
            }
            Cause::Threshold | Cause::Stress => {
                // SAFETY: `sweep_lazily`'s bullet, `sweep`'s: since
                // `clear_marks` at the start, marking has marked every
                // object reachable from the roots, and only objects it
                // reached through live slots (allocated ones).
                event.time(Phase::Reclaim, || unsafe { space.sweep_lazily() })
            }
        };
        if WEAK_AFTER_SWEEP {
            let space = &self.space;
            // SAFETY: none: the seeded bug breaks `sweep`'s first bullet (it
            // runs after the sweep finalised dead objects) and its second (a
            // dead object a lazy sweep has not reached yet is still
            // allocated, so it is answered as a survivor). Only the seeded
            // bug's tests run this; the harness stops at the first upgrade
            // of such an object, before reading it or collecting again.
            unsafe {
                self.weak
                    .sweep(|obj| space.is_object(obj.addr()).then_some(obj))
            };
        }
        self.last_live = self.space.bytes();
        // The collection is complete: a destructor's panic goes on now.
        self.space.finalizer().resume();
    }
}

// SAFETY: every part of the state is owned and has no thread affinity:
// `space` (the free-list space: its mapping, bitmaps in mappings of their
// own, block tables, the large-object table and its mappings, a finalizer
// whose kept panic payload is `Send`), `marker` (a scratch stack of slots
// into this heap's objects, empty between collections) and plain numbers.
// Its `ObjectRef`s and slots point only into its own mappings, which move
// with it. The parallel marker's threads are scoped to one collection.
unsafe impl gc_core::SendCollector for MarkSweep {}

// SAFETY: `alloc` hands out fresh cells with initialised headers (rule 1);
// `collect` marks everything reachable from the roots before sweeping, and
// never moves (rule 2); the space finalises each unmarked object once, taking
// it off the books first, and finalises the rest on drop (rule 3); a
// destructor's panic resumes only once the collection (or the allocation's
// lazy sweep, or teardown) is complete (rule 4); the write barrier is the
// default plain store (rule 5).
unsafe impl Collector for MarkSweep {
    const NAME: &'static str = "mark-sweep";
    const CAPABILITIES: Capabilities = Capabilities::DEFAULT;

    fn new(config: &HeapConfig) -> Result<Self, GcError> {
        Ok(MarkSweep {
            space: FreeListSpace::for_heap(config)?,
            marker: MarkStack::default(),
            mark_threads: config.mark_threads,
            parallel_from: PARALLEL_MARK_MIN_BYTES,
            last_live: 0,
            weak: WeakTable::new(),
        })
    }

    #[inline(always)]
    unsafe fn alloc(&mut self, info: &'static TypeInfo, size: usize) -> Option<ObjectRef> {
        // SAFETY: `FreeListSpace::alloc`'s bullets are `Collector::alloc`'s,
        // which this function's caller upholds: `size` is the object's
        // size, and the caller initialises the payload before it calls any
        // other method of this collector, so of its space.
        unsafe { self.space.alloc(info, size, 0) }
    }

    unsafe fn collect(&mut self, roots: &[Slot], event: &mut CollectionEvent) {
        self.collect_with::<false, false>(roots, event);
    }

    fn weak_table(&self) -> &WeakTable {
        &self.weak
    }

    fn weak_table_mut(&mut self) -> &mut WeakTable {
        &mut self.weak
    }

    fn usage(&self) -> HeapUsage {
        self.space.usage()
    }

    /// The size class's cell (`FreeListSpace::footprint`).
    #[inline(always)]
    fn footprint(size: usize) -> usize {
        FreeListSpace::footprint(size)
    }

    fn fragmentation(&self) -> Option<Fragmentation> {
        Some(self.space.fragmentation())
    }

    unsafe fn verify(&self, roots: &[Slot]) -> Result<(), String> {
        crate::verify::verify(self, roots)
    }
}

#[cfg(test)]
mod tests;
