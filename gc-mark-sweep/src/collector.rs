//! [`MarkSweep`]: the backend's state and its [`Collector`] implementation.

use crate::incremental::{Incremental, Phase as Cycle};
use crate::mark::{flaw, mark_parallel, Ephemerons, MarkStack};
use gc_core::object::{ObjectRef, TypeInfo};
use gc_core::space::{Fragmentation, FreeListSpace};
use gc_core::stats::{Cause, CollectionEvent, Phase};
use gc_core::weak::WeakTable;
use gc_core::{
    Capabilities, Collector, GcError, HeapConfig, HeapUsage, Marking, Slot, PARALLEL_MARK_MIN_BYTES,
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
    /// The incremental marker, with `HeapConfig::marking` incremental.
    pub(crate) incremental: Option<Incremental>,
    /// A cycle marks (`incremental`'s phase, mirrored here so that the
    /// barriers of a stop-the-world heap test one field; allocation tests
    /// nothing, the space allocates black: `FreeListSpace::allocate_black`).
    marking: bool,
}

impl MarkSweep {
    /// A full collection; `MARK_FLAW` is the seeded bug of
    /// [`MarkStack::mark_loop`](crate::mark::MarkStack), `flaw::NONE` but in
    /// tests.
    /// `WEAK_AFTER_SWEEP` is the seeded bug `WeakAfterSweep` (see
    /// `seeded_bug`): the weak step runs after the sweep instead of before
    /// it, and so clears only the objects the sweep has already freed (a
    /// lazy sweep leaves dead objects allocated). `false` but in tests.
    pub(crate) fn collect_with<const MARK_FLAW: u8, const WEAK_AFTER_SWEEP: bool>(
        &mut self,
        roots: &[Slot],
        event: &mut CollectionEvent,
    ) {
        if let Some(incremental) = &mut self.incremental {
            incremental.abandon();
        }
        self.marking = false;
        self.space.clear_marks();
        let (space, marker) = (&mut self.space, &mut self.marker);
        event.time(Phase::Roots, || marker.mark_roots(roots));
        let threads = self.mark_threads;
        if threads > 1 && MARK_FLAW == flaw::NONE && self.last_live >= self.parallel_from {
            let gray = marker.take_gray(space);
            event.time(Phase::Trace, || mark_parallel(space, gray, threads));
        } else {
            event.time(Phase::Trace, || marker.mark_loop::<MARK_FLAW>(space));
        }
        let mut ephemerons = Ephemerons { space, marker };
        // SAFETY: `trace_values`' bullet: ordinary marking is complete, the
        // weak step is next, and no entry changes in a collection.
        event.time(Phase::Trace, || unsafe {
            self.weak.ephemerons().trace_values(&mut ephemerons)
        });
        let (space, marker) = (ephemerons.space, ephemerons.marker);
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
            Cause::Threshold | Cause::Stress | Cause::Increment => {
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

    /// One increment of incremental marking, of `work` bytes (the rate
    /// times the bytes allocated since the last one, if `None`); the final
    /// pause if it empties the gray set.
    ///
    /// # Safety
    /// - As for [`Collector::collect`].
    pub(crate) unsafe fn increment(
        &mut self,
        roots: &[Slot],
        work: Option<usize>,
        event: &mut CollectionEvent,
    ) {
        let (space, incremental) = (
            &mut self.space,
            self.incremental.as_mut().expect("incremental marking"),
        );
        let work = work.unwrap_or_else(|| incremental.work_due(space));
        // SAFETY: forwarded to the caller; increments run between regions.
        let done = unsafe { incremental.increment(space, roots, work, event) };
        event.peak_work_list = incremental.gray_len();
        self.marking = incremental.marking() && !done;
        if done {
            // SAFETY: `remark`'s bullets are `increment`'s: forwarded to
            // the caller; it runs between regions.
            event.time(Phase::Roots, || unsafe { incremental.remark(space, roots) });
            let mut ephemerons = incremental.ephemerons(space);
            // SAFETY: `trace_values`' bullet: the remark completed marking,
            // the weak step is next, and no entry changes in the pause.
            event.time(Phase::Trace, || unsafe {
                self.weak.ephemerons().trace_values(&mut ephemerons)
            });
            self.process_weak_references();
            event.ended_marking = true;
            let space = &mut self.space;
            // SAFETY: since the cycle's `clear_marks`, marking has marked
            // every object reachable at its start (the snapshot: its roots
            // grayed then, every overwritten edge logged), every object
            // allocated since, and every object the roots reach now.
            event.time(Phase::Reclaim, || unsafe { space.sweep_lazily() });
            self.last_live = self.space.bytes();
        }
        // A destructor's panic (from sweeping blocks) goes on now.
        self.space.finalizer().resume();
    }

    /// The handle API's barrier while a cycle marks: logs `old`, the target
    /// a store overwrites.
    #[cold]
    #[inline(never)]
    fn overwritten(&self, old: Option<ObjectRef>) {
        if let Some(incremental) = &self.incremental {
            incremental.record_old(&self.space, old);
        }
    }

    /// The final pause's weak step, in one atomic step: marking is
    /// complete (the remark has drained the log and the gray set, so the
    /// marks are final) and nothing is swept yet.
    fn process_weak_references(&mut self) {
        let space = &self.space;
        // SAFETY: `WeakTable::sweep`'s bullets: the cycle's marking is
        // complete and nothing unmarked is swept yet; a marked object
        // survives where it is (mark-sweep never moves).
        unsafe { self.weak.sweep(|obj| space.is_marked(obj).then_some(obj)) };
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
    const CAPABILITIES: Capabilities = Capabilities {
        logs_writes: true,
        marks_incrementally: true,
        ..Capabilities::DEFAULT
    };

    fn new(config: &HeapConfig) -> Result<Self, GcError> {
        Ok(MarkSweep {
            space: FreeListSpace::for_heap(config)?,
            marker: MarkStack::default(),
            mark_threads: config.mark_threads,
            parallel_from: PARALLEL_MARK_MIN_BYTES,
            last_live: 0,
            weak: WeakTable::new(),
            incremental: match config.marking {
                Marking::StopTheWorld => None,
                Marking::Incremental { step, rate } => Some(Incremental::new(step, rate)),
            },
            marking: false,
        })
    }

    #[inline(always)]
    unsafe fn alloc(&mut self, info: &'static TypeInfo, size: usize) -> Option<ObjectRef> {
        // SAFETY: `FreeListSpace::alloc`'s bullets are `Collector::alloc`'s,
        // which this function's caller upholds: `size` is the object's
        // size, and the caller initialises the payload before it calls any
        // other method of this collector, so of its space. While a cycle
        // marks, the space allocates black (`Incremental::start`).
        unsafe { self.space.alloc(info, size, 0) }
    }

    unsafe fn collect(&mut self, roots: &[Slot], event: &mut CollectionEvent) {
        match (&self.incremental, event.cause) {
            (Some(_), Cause::Threshold | Cause::Stress | Cause::Increment) => {
                // SAFETY: forwarded to the caller.
                unsafe { self.increment(roots, None, event) }
            }
            _ => self.collect_with::<{ flaw::NONE }, false>(roots, event),
        }
    }

    /// The handle API's barrier: while a cycle marks, logs the target the
    /// store overwrites (snapshot at the beginning).
    #[inline(always)]
    unsafe fn write_barrier(&self, owner: ObjectRef, slot: &Slot, new: Option<ObjectRef>) {
        let _ = owner;
        if self.marking {
            self.overwritten(slot.get());
        }
        slot.set(new);
    }

    /// The object model's barrier: while a cycle marks, an object written
    /// for the first time in the cycle is scanned at once (its current
    /// targets are its snapshot).
    #[inline(always)]
    unsafe fn log_write(&mut self, obj: ObjectRef) {
        if !self.marking {
            return;
        }
        if let Some(incremental) = &mut self.incremental {
            // SAFETY: `obj` is live and initialised, and this is its first
            // write in the region or it is already black (a cycle starts
            // only between regions, so an earlier write in this region made
            // it black): no guard of its locks is in use when it is scanned.
            unsafe { incremental.before_write(&mut self.space, obj) };
        }
    }

    /// While a cycle marks, an object the program reached weakly is
    /// logged, so the cycle marks it (it may be stored into a black
    /// object next; the snapshot holds it only weakly).
    #[inline(always)]
    unsafe fn weak_read(&self, obj: ObjectRef) {
        if self.marking {
            self.overwritten(Some(obj));
        }
    }

    fn marking_step(&self) -> Option<usize> {
        let incremental = self.incremental.as_ref()?;
        (incremental.phase != Cycle::Idle).then_some(incremental.step)
    }

    unsafe fn mark_step(&mut self, roots: &[Slot], work: usize, event: &mut CollectionEvent) {
        if self.marking_step().is_some() {
            // SAFETY: forwarded to the caller.
            unsafe { self.increment(roots, Some(work), event) }
        }
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
pub(crate) mod tests;
