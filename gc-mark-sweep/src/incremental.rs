//! Incremental marking ([`Marking::Incremental`](gc_core::Marking)):
//! tri-colour, snapshot at the beginning, in bounded increments.
//!
//! ```text
//!  budget runs out          each `step` bytes allocated             gray set empty
//!  ───────────────►  Sweeping ──► Marking: increment, increment, ... ──► final pause
//!  (a pause)         (what the    (`rate` x the bytes allocated          remark: the SATB log,
//!                    last lazy     since the last one, bytes marked)     the roots again, drain;
//!                    sweep left,                                         [weak references];
//!                    bounded)     start: clear marks, gray the roots     sweep lazily -> Idle
//! ```
//!
//! Colours: white is unmarked; gray is marked and not yet scanned (on
//! `gray`, its header word [`GRAY`]); black is marked and scanned, which
//! the object's header word records as the cycle's `epoch`, or marked and
//! never to be scanned: a leaf, or an object allocated during the cycle
//! (the space allocates black, [`FreeListSpace::allocate_black`], so the
//! allocation path tests nothing; its header word stays 0).
//!
//! The snapshot: everything reachable when the cycle starts is marked by
//! its end. The roots are grayed at the start (atomically, in that pause);
//! an edge of the snapshot graph is either read by the marker when it
//! scans its source, or overwritten first, and every overwrite records the
//! old target:
//! - the handle API's barrier ([`Collector::write_barrier`](gc_core::Collector::write_barrier))
//!   logs the old target of every store while a cycle marks;
//! - the object model's barrier ([`Collector::log_write`](gc_core::Collector::log_write))
//!   scans a written object that is not yet black at once (its current
//!   targets are its snapshot edges) and makes it black, so later writes
//!   cost one compare of its header word. A gray object is scanned then
//!   too: its fields may change before the marker would reach it.
//!
//! The gray set holds objects, never slots: a slot read later could hold a
//! newer value (or lie in a buffer freed since).
//!
//! The final pause rescans the shadow stack and the persistent roots and
//! drains the log and the gray set. Under the snapshot the rescan finds
//! nothing new (every object a root can reach was reachable at the start or
//! allocated since, black); it is a second line, and the verifier checks at
//! the end of every cycle that a stop-the-world re-mark finds nothing
//! reachable unmarked.

use gc_core::ephemeron::EphemeronMarker;
use gc_core::object::ObjectRef;
use gc_core::space::{FreeListSpace, BLOCK_SIZE};
use gc_core::{Slot, Tracer};
use std::cell::RefCell;
use std::ptr::NonNull;

/// Where a cycle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No cycle: allocation is white, the barriers record nothing.
    Idle,
    /// A cycle is due: the blocks the last lazy sweep left are swept in
    /// bounded steps before the marks are cleared.
    Sweeping,
    /// Marking in increments.
    Marking,
}

/// A seeded bug of the incremental marker (test builds only set one:
/// `seeded_incremental`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(not(any(test, feature = "seeded-bugs")), allow(dead_code))]
pub(crate) enum Flaw {
    /// None: the real collector.
    #[default]
    None,
    /// Every increment drops the last gray object it would scan.
    DropGray,
    /// The final pause does not rescan the roots.
    NoRescan,
    /// The cycle's start grays every root but the newest (an off-by-one;
    /// the final rescan still runs).
    SkipNewestRoot,
    /// Objects allocated while a cycle marks stay white.
    WhiteAllocation,
}

/// The incremental marker's state, kept between increments.
pub(crate) struct Incremental {
    /// Bytes allocated between increments (`Marking::Incremental::step`).
    pub(crate) step: usize,
    /// Bytes marked per byte allocated.
    rate: usize,
    pub(crate) phase: Phase,
    /// The current cycle's number: an object whose header word holds it is
    /// black. Never 0, the word of objects allocated outside cycles.
    epoch: usize,
    /// Marked objects not yet scanned.
    gray: Vec<ObjectRef>,
    /// Old targets of the handle API's stores while marking (the barrier
    /// has `&self`).
    log: RefCell<Vec<ObjectRef>>,
    /// The space's bytes at the last increment: the bytes allocated since
    /// are the difference (nothing is freed while a cycle runs).
    bytes_at_step: usize,
    /// The slots of `scanning` not visited yet: a large object (a vector
    /// of 200,000 pointers) is scanned across increments.
    tracer: Tracer,
    /// The object whose slots `tracer` holds (black already).
    scanning: Option<ObjectRef>,
    /// The object model barrier's tracer.
    barrier: Tracer,
    pub(crate) flaw: Flaw,
    /// The objects `shade` marks, recorded only in the final pause's
    /// ephemeron phase.
    newly: Option<Vec<ObjectRef>>,
}

/// The header word of a gray object: marked, on the gray set, not yet
/// scanned. No epoch reaches it.
const GRAY: usize = usize::MAX;

/// Work units of visiting one slot.
const SLOT_WORK: usize = 8;

/// The least work of an increment, so that stress mode (an increment per
/// allocation of a few bytes) still moves a cycle along.
const MIN_WORK: usize = 1;

impl Incremental {
    pub(crate) fn new(step: usize, rate: usize) -> Incremental {
        Incremental {
            step,
            rate,
            phase: Phase::Idle,
            epoch: 0,
            gray: Vec::new(),
            log: RefCell::new(Vec::new()),
            bytes_at_step: 0,
            // SAFETY: it traces in increments, between mutation regions, and
            // in the object model's barrier on an object's first write of
            // the cycle, before the region can hold a guard of its locks
            // (the guard needs the `Write` the barrier hands out): no
            // `Ref` or `RefMut` of what it traces is in use.
            tracer: unsafe { Tracer::for_collection() },
            scanning: None,
            // SAFETY: it traces only in the object model's barrier, on an
            // object's first write of the cycle, before the region can hold
            // a guard of its locks: no `Ref` or `RefMut` of it is in use.
            barrier: unsafe { Tracer::for_collection() },
            flaw: Flaw::None,
            newly: None,
        }
    }

    /// `true` while a cycle marks: allocation is black, barriers record.
    #[inline(always)]
    pub(crate) fn marking(&self) -> bool {
        self.phase == Phase::Marking
    }

    /// The handle API's barrier: records `old`, the target a store is
    /// about to overwrite, if a cycle marks and it is white.
    #[inline(always)]
    pub(crate) fn record_old(&self, space: &FreeListSpace, old: Option<ObjectRef>) {
        if let (true, Some(old)) = (self.marking(), old) {
            if !space.is_marked(old) {
                self.log.borrow_mut().push(old);
            }
        }
    }

    /// The object model's barrier: `obj` is about to be written; while
    /// marking, scans it now unless it is black (scanned, or marked and not
    /// gray: allocated during the cycle, or a leaf).
    ///
    /// # Safety
    /// - `obj` is a live object of `space`, its payload initialised, and
    ///   no guard of its locks is in use (its first write in the region).
    #[inline(always)]
    pub(crate) unsafe fn before_write(&mut self, space: &mut FreeListSpace, obj: ObjectRef) {
        if !self.marking() {
            return;
        }
        // SAFETY: `obj` is live (caller), its header initialised.
        let meta = unsafe { obj.meta() }.get();
        let black = meta == self.epoch || (meta != GRAY && space.is_marked(obj));
        if !black || self.scanning == Some(obj) {
            if self.scanning == Some(obj) {
                // Its pending slots may move (a container's buffer grows):
                // scanned whole now instead.
                while self.tracer.pop().is_some() {}
                self.scanning = None;
            }
            space.mark(obj);
            // SAFETY: forwarded to the caller.
            unsafe { self.scan(space, obj) };
        }
    }

    /// Forgets a cycle in progress (a full collection replaces it).
    pub(crate) fn abandon(&mut self) {
        self.phase = Phase::Idle;
        self.gray.clear();
        self.log.get_mut().clear();
        while self.tracer.pop().is_some() {}
        self.scanning = None;
    }

    /// The bytes of work the increment due now does: `rate` times the
    /// bytes allocated since the last one.
    pub(crate) fn work_due(&self, space: &FreeListSpace) -> usize {
        if self.phase == Phase::Idle {
            // A cycle's first increment: what was allocated since the last
            // cycle is the growth policy's business, not this cycle's debt.
            return self.step.saturating_mul(self.rate);
        }
        let allocated = space.bytes().saturating_sub(self.bytes_at_step);
        allocated.saturating_mul(self.rate).max(MIN_WORK)
    }

    /// One increment of about `work` bytes: sweeps what the last cycle left
    /// (starting the marking once it is done), or marks. Returns `true` when
    /// the gray set is empty, so the final pause is due.
    ///
    /// # Safety
    /// - Every root refers to a live object of `space`, every object's
    ///   payload is initialised, and no mutation region is open.
    pub(crate) unsafe fn increment(
        &mut self,
        space: &mut FreeListSpace,
        roots: &[Slot],
        work: usize,
        event: &mut gc_core::CollectionEvent,
    ) -> bool {
        use gc_core::stats::Phase as P;
        let work = work.max(MIN_WORK);
        event.incremental = true;
        if self.phase == Phase::Idle {
            self.phase = Phase::Sweeping;
        }
        if self.phase == Phase::Sweeping {
            let blocks = work.div_ceil(BLOCK_SIZE);
            if !event.time(P::Reclaim, || space.sweep_some(blocks)) {
                self.bytes_at_step = space.bytes();
                return false;
            }
            event.time(P::Roots, || self.start(space, roots));
            event.began_marking = true;
        }
        // SAFETY: forwarded to the caller.
        let done = event.time(P::Trace, || unsafe { self.mark(space, work) });
        self.bytes_at_step = space.bytes();
        done
    }

    /// Starts marking: clears the marks, grays the roots.
    fn start(&mut self, space: &mut FreeListSpace, roots: &[Slot]) {
        space.clear_marks();
        // Until the cycle's sweep: what is allocated is marked (the
        // seeded bug `WhiteAllocation` forgets to).
        if self.flaw != Flaw::WhiteAllocation {
            space.allocate_black();
        }
        self.epoch += 1;
        self.phase = Phase::Marking;
        let roots = match (self.flaw, roots) {
            (Flaw::SkipNewestRoot, [older @ .., _]) => older,
            _ => roots,
        };
        self.gray_roots(space, roots);
    }

    /// Marks and grays what the roots refer to.
    fn gray_roots(&mut self, space: &mut FreeListSpace, roots: &[Slot]) {
        for root in roots {
            if let Some(obj) = root.get() {
                self.shade(space, obj);
            }
        }
    }

    /// Marks `obj`; a newly marked object that has fields goes on the gray
    /// set. Returns the bytes marked.
    #[inline(always)]
    fn shade(&mut self, space: &mut FreeListSpace, obj: ObjectRef) -> usize {
        if !space.mark(obj) {
            return 0;
        }
        if let Some(newly) = &mut self.newly {
            newly.push(obj);
        }
        // SAFETY: `obj` came from a root, a logged slot or a live object's
        // field: it is live, its header initialised.
        if unsafe { obj.info() }.needs_trace {
            // SAFETY: as above.
            unsafe { obj.meta() }.set(GRAY);
            self.gray.push(obj);
        }
        // SAFETY: live, its header initialised (the same origin).
        unsafe { obj.size() }
    }

    /// Marks from the log and the gray set until `work` bytes are marked
    /// or nothing is left; returns `true` if nothing is left.
    ///
    /// # Safety
    /// - As [`Incremental::increment`].
    unsafe fn mark(&mut self, space: &mut FreeListSpace, work: usize) -> bool {
        let mut done = 0;
        let logged = std::mem::take(self.log.get_mut());
        for obj in &logged {
            done += self.shade(space, *obj);
        }
        *self.log.get_mut() = logged;
        self.log.get_mut().clear();
        while done < work {
            if let Some(slot) = self.tracer.pop() {
                done += SLOT_WORK;
                // SAFETY: a slot of `scanning`, marked (so live, and never
                // moved); its slots stay put until the object model's
                // barrier takes them away (`before_write`).
                if let Some(target) = unsafe { slot.as_ref() }.get() {
                    done += self.shade(space, target);
                }
                continue;
            }
            self.scanning = None;
            let Some(obj) = self.gray.pop() else {
                return true;
            };
            if self.flaw == Flaw::DropGray && self.gray.is_empty() {
                continue;
            }
            // SAFETY: a gray object is marked, so reachable and live.
            let meta = unsafe { obj.meta() };
            if meta.get() == self.epoch {
                continue; // scanned by the object model's barrier
            }
            meta.set(self.epoch);
            // SAFETY: live and initialised; no region is open (caller).
            unsafe { obj.trace(&mut self.tracer) };
            self.scanning = Some(obj);
            done += SLOT_WORK;
        }
        self.gray.is_empty() && self.tracer.is_empty()
    }

    /// Scans `obj` (marked) at once, for the object model's barrier:
    /// shades every object it refers to now and makes it black. Returns
    /// the bytes scanned and marked.
    ///
    /// # Safety
    /// - `obj` is live and initialised, and no guard of its locks is in use.
    unsafe fn scan(&mut self, space: &mut FreeListSpace, obj: ObjectRef) -> usize {
        // SAFETY: live (caller).
        unsafe { obj.meta() }.set(self.epoch);
        // SAFETY: live and initialised, no guard in use (caller).
        unsafe { obj.trace(&mut self.barrier) };
        // SAFETY: live and initialised (caller).
        let mut done = unsafe { obj.size() };
        while let Some(slot) = self.barrier.pop() {
            // SAFETY: reported just now by the trace of `obj`, which is live.
            if let Some(target) = unsafe { slot.as_ref() }.get() {
                done += self.shade(space, target);
            }
        }
        done
    }

    /// The final pause's marking (remark): the log, the roots again, and
    /// everything left gray, to the end.
    ///
    /// # Safety
    /// - As [`Incremental::increment`].
    pub(crate) unsafe fn remark(&mut self, space: &mut FreeListSpace, roots: &[Slot]) {
        if self.flaw != Flaw::NoRescan {
            self.gray_roots(space, roots);
        }
        // SAFETY: forwarded to the caller.
        while !unsafe { self.mark(space, usize::MAX) } {}
        self.phase = Phase::Idle;
    }

    /// The marker lent to the final pause's ephemeron phase.
    pub(crate) fn ephemerons<'a>(&'a mut self, space: &'a mut FreeListSpace) -> Ephemerons<'a> {
        Ephemerons {
            incremental: self,
            space,
        }
    }

    /// The most gray objects held now.
    pub(crate) fn gray_len(&self) -> usize {
        self.gray.len()
    }
}

/// The incremental marker lent to the final pause's ephemeron phase
/// ([`EphemeronTable::trace_values`](gc_core::ephemeron::EphemeronTable::trace_values)).
pub(crate) struct Ephemerons<'a> {
    incremental: &'a mut Incremental,
    space: &'a mut FreeListSpace,
}

// SAFETY: `is_live` is the mark bit of this cycle (marks were cleared at its
// start; mark-sweep never moves); `mark_from` shades the slots' targets and
// marks to the end (the remark has drained the log and the gray set, and
// no program runs in the pause), recording each object `shade` marks, and
// hands every one to `newly` before it returns.
unsafe impl EphemeronMarker for Ephemerons<'_> {
    fn is_live(&self, obj: ObjectRef) -> bool {
        self.space.is_marked(obj)
    }

    fn mark_from(&mut self, slots: &[NonNull<Slot>], newly: &mut dyn FnMut(ObjectRef)) {
        let incremental = &mut *self.incremental;
        incremental.newly = Some(Vec::new());
        for slot in slots {
            // SAFETY: `as_ref`: the trait's caller lends slots valid for
            // the call (values of a weak-map entry).
            if let Some(target) = unsafe { slot.as_ref() }.get() {
                incremental.shade(self.space, target);
            }
        }
        // SAFETY: `mark`'s bullets: the final pause, between regions, every
        // object live (marked or reachable from the marked) and initialised.
        while !unsafe { incremental.mark(self.space, usize::MAX) } {}
        for obj in incremental.newly.take().unwrap_or_default() {
            newly(obj);
        }
    }
}
