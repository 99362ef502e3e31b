//! A collection, as named phases: [`roots`](Heap::collect) (the persistent
//! roots pushed on the shadow stack), [`trace`](Heap::trace) (the backend's
//! collection: trace, reclaim, finalise), [`record`](Heap::record) (the
//! event and the stats), [`pace`](Heap::pace) (the growth policy sets the
//! next budget), [`verify`](Heap::verify) and [`notify`](Heap::notify)
//! (the embedder's callback). A mutation region's end runs a collection
//! the region made due ([`end_region`](Heap::end_region)).

use super::Heap;
use crate::collector::{Collector, HeapUsage};
use crate::config::{Growth, MIN_HEADROOM, REGION_RESERVE_FRACTION};
use crate::finalize;
use crate::stats::{Cause, CollectionEvent};
use crate::threads::Threads;
use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::time::Instant;

/// A panic caught in a collection, to go on once the collection is
/// recorded.
type Panic = Box<dyn Any + Send>;

impl<C: Collector, Th: Threads> Heap<C, Th> {
    /// Runs a full collection and records its event. A destructor's panic
    /// (which the backend resumes once its collection is complete) and a
    /// panic of the [`Heap::on_collection`] callback go on only after the
    /// collection is recorded and verified; the first of them wins.
    ///
    /// Any other panic out of the backend's collection came from a `trace`
    /// (Trace's rule 3 broken) and left the collection halfway: the heap is
    /// poisoned before the panic goes on.
    pub(crate) fn collect(&mut self, cause: Cause) {
        self.pause(cause, None);
    }

    /// Runs one increment of the marking cycle in progress, of about
    /// `work` units (bytes of objects marked), if there is one; returns
    /// whether there was. For hosts with a frame loop, between frames:
    /// the increment is then not taken from an allocation later. On a
    /// stop-the-world heap ([`Marking::StopTheWorld`](crate::Marking)),
    /// or between cycles, it does nothing.
    ///
    /// ```
    /// use gc_core::{Heap, HeapConfig, Marking};
    /// use gc_mark_sweep::MarkSweep;
    ///
    /// let config = HeapConfig { marking: Marking::incremental(), ..HeapConfig::default() };
    /// let mut heap = Heap::<MarkSweep>::new(config)?;
    /// assert!(!heap.step(1 << 20), "no cycle in progress yet");
    /// heap.scope("frame", |s| {
    ///     for i in 0..100_000u64 {
    ///         s.scope("garbage", |t| { t.alloc(i); });
    ///     }
    /// });
    /// while heap.step(1 << 20) {} // finish the cycle in progress, if any
    /// assert!(heap.stats().collections > 0);
    /// # Ok::<(), gc_core::GcError>(())
    /// ```
    pub fn step(&mut self, work: usize) -> bool {
        if self.collector.marking_step().is_none() {
            return false;
        }
        self.pause(Cause::Increment, Some(work));
        true
    }

    /// A pause: a full collection (`work` is `None`: the backend's
    /// `collect`, which for an incremental backend and a `Threshold` or
    /// `Stress` cause is one increment) or one increment of `work` units.
    fn pause(&mut self, cause: Cause, work: Option<usize>) {
        self.check_usable();
        // The budget ran out (or stress mode asks for a pause) during a
        // marking cycle: its next increment, not a new collection.
        let cause = match (cause, self.collector.marking_step()) {
            (Cause::Threshold | Cause::Stress, Some(_)) => Cause::Increment,
            (cause, _) => cause,
        };
        let before = self.collector.usage();
        let in_use_before = self.in_use();
        // An increment belongs to the cycle in progress, already counted.
        let id = self.stats.collections + u64::from(cause != Cause::Increment);
        let mut event = CollectionEvent::start(id, C::NAME, cause, self.created.elapsed());
        let start = Instant::now();
        let persistent = self.roots.push_persistent();
        let collected = self.trace(&mut event, work);
        event.pause = start.elapsed();
        self.record(&mut event, before);
        self.cleanups.collected(self.collector.weak_table());
        event.trigger = match self.collector.marking_step() {
            // A marking cycle goes on: the growth policy waits for its end.
            Some(step) => self.pace_increment(step),
            None => {
                let growth =
                    self.pacer
                        .after_collection(&self.config, in_use_before, self.in_use());
                self.pace(growth)
            }
        };
        self.stats.record(event.clone(), self.config.event_log);
        self.verify(id);
        self.roots.pop_persistent(persistent);
        let called = self.notify(&event);
        if let Err(payload) = collected.and(called) {
            resume_unwind(payload);
        }
    }

    /// The backend's collection, over every root. A panic out of it that is
    /// not a destructor's (which the backend resumes only once it is done)
    /// came from a `trace` mid-collection: the heap is poisoned and the
    /// panic goes on at once.
    fn trace(&mut self, event: &mut CollectionEvent, work: Option<usize>) -> Result<(), Panic> {
        let (collector, roots) = (&mut self.collector, &mut self.roots);
        finalize::take_resumed();
        // SAFETY: `Collector::collect` asks for every root, each a live
        // object of this heap, and initialised payloads: the slots are the
        // shadow stack and the persistent roots (roots are checked against
        // the heap id before they are stored), and every allocation path
        // initialises its payload before the heap is used again.
        let collected = catch_unwind(AssertUnwindSafe(|| unsafe {
            match work {
                None => collector.collect(roots.slots(), event),
                Some(work) => collector.mark_step(roots.slots(), work, event),
            }
        }));
        if let Err(payload) = collected {
            if !finalize::take_resumed() {
                self.poison();
                resume_unwind(payload);
            }
            return Err(payload);
        }
        Ok(())
    }

    /// Fills in the event's usage, counts the budget the mutator spent
    /// since the last collection, and counts a collection that may have
    /// moved objects.
    fn record(&mut self, event: &mut CollectionEvent, before: HeapUsage) {
        if C::CAPABILITIES.moves_objects {
            self.shared.moves.set(self.shared.moves.get() + 1);
        }
        let after = self.collector.usage();
        event.bytes_before = before.bytes;
        event.objects_before = before.objects;
        event.bytes_after = after.bytes;
        event.objects_after = after.objects;
        event.objects_freed = before.objects.saturating_sub(after.objects);
        self.stats.allocated_bytes += self.pacer.spent(&self.shared.budget) as u64;
    }

    /// Sets the next budget from the growth policy (none in stress mode:
    /// every allocation collects); returns the trigger, the bytes in use at
    /// which the next collection is due.
    pub(super) fn pace(&mut self, growth: Growth) -> usize {
        let in_use = self.in_use();
        let (budget, region_budget) = if self.config.stress {
            (0, 0)
        } else if self.config.random_collections.is_some() {
            let budget = self.random_budget();
            (budget, budget)
        } else {
            let budget = growth.headroom(in_use);
            (budget, self.region_budget(growth, in_use).min(budget))
        };
        self.shared.budget.reset(in_use, budget, region_budget);
        self.pacer.set(budget);
        in_use + budget
    }

    /// The next budget of
    /// [`HeapConfig::random_collections`](crate::HeapConfig::random_collections): 0 to 1,023
    /// bytes, from a xorshift generator.
    fn random_budget(&mut self) -> usize {
        let mut x = self.random;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random = x;
        (x % 1024) as usize
    }

    /// Sets the budget until the next marking increment, `step` bytes (0
    /// in stress mode); returns the bytes in use at which it is due.
    fn pace_increment(&mut self, step: usize) -> usize {
        let in_use = self.in_use();
        let room = C::object_capacity(&self.config).saturating_sub(in_use);
        let step = if self.config.stress {
            0
        } else {
            step.min(room)
        };
        self.shared.budget.reset(in_use, step, step);
        self.pacer.set(step);
        in_use + step
    }

    /// The budget of a mutation region with `in_use` bytes in use: the
    /// growth policy's region budget for the backend's object capacity, and
    /// a region reserve below the room the backend says it surely has
    /// (`Collector::room`), or the floor on headroom if that is all there is.
    fn region_budget(&self, growth: Growth, in_use: usize) -> usize {
        let limit = C::object_capacity(&self.config);
        let room = self.collector.room();
        let within_room = room
            .saturating_sub(limit / REGION_RESERVE_FRACTION)
            .max(room.min(MIN_HEADROOM));
        growth.region_budget(in_use, limit).min(within_room)
    }

    /// Checks the backend's invariants after collection `id`, if the
    /// configuration asks for it.
    fn verify(&mut self, id: u64) {
        if !self.config.verify {
            return;
        }
        // SAFETY: `Collector::verify` asks for the roots of the collection
        // just run, each a live object of this heap: the persistent roots
        // are still on the stack; a backend resumes a destructor's panic
        // only once its bookkeeping is consistent.
        if let Err(problem) = unsafe { self.collector.verify(self.roots.slots()) } {
            panic!("heap verification failed after collection {id}: {problem}");
        }
    }

    /// Calls the embedder's callback with the event; its panic is returned.
    fn notify(&mut self, event: &CollectionEvent) -> Result<(), Panic> {
        match &mut self.on_collection {
            Some(callback) => catch_unwind(AssertUnwindSafe(|| callback(event))),
            None => Ok(()),
        }
    }

    /// Ends a mutation region: collects if the budget ran out inside it,
    /// fully if an allocation failed in it.
    pub(crate) fn end_region(&mut self) {
        let budget = &self.shared.budget;
        if budget.due() {
            self.collect(if budget.failed() {
                Cause::AllocationFailure
            } else if self.config.stress {
                Cause::Stress
            } else {
                Cause::Threshold
            });
        }
    }
}
