//! The allocation paths: the fast path within the budget, the slow path
//! that collects, and the path inside mutation regions, which never
//! collects (it marks the collection due and may spend the region reserve).

use super::Heap;
use crate::collector::Collector;
use crate::error::{GcError, GcErrorKind};
use crate::object::{ObjectRef, TypeInfo, OBJECT_ALIGN};
use crate::stats::Cause;
use crate::threads::{Admits, Threads};

impl<C: Collector, Th: Threads> Heap<C, Th> {
    /// Allocates room for one object of type `info` and `size` bytes,
    /// collecting if the trigger fires or the backend is full. The caller
    /// must initialise the payload (a `T`, which this heap must admit)
    /// before anything else uses the heap (`Collector::alloc`).
    #[inline(always)]
    pub(crate) fn alloc_object<T: ?Sized>(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
    ) -> Result<ObjectRef, GcError>
    where
        Th: Admits<T>,
    {
        check_alignment(info)?;
        match self.alloc_within_budget(info, size, 0) {
            Some(obj) => Ok(obj),
            None => self.alloc_slow(info, size),
        }
    }

    /// Allocates room for one object inside a mutation region, where
    /// nothing may collect: past the region's budget (the budget less the
    /// region reserve, [`Growth::region_budget`](crate::Growth::region_budget)),
    /// the collection is marked due (it runs when the region ends) and the
    /// object is allocated anyway, into the reserve; only a request past the
    /// capacity (objects and external bytes together, counted as the cells
    /// they take) or a full backend fails. The caller initialises the
    /// payload (a `T`, which this heap must admit) at once.
    #[inline(always)]
    pub(crate) fn alloc_in_region<T: ?Sized>(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
    ) -> Result<ObjectRef, GcError>
    where
        Th: Admits<T>,
    {
        check_alignment(info)?;
        let keep = self.shared.budget.reserve();
        match self.alloc_within_budget(info, size, keep) {
            Some(obj) => Ok(obj),
            None => self.alloc_in_region_slow(info, size),
        }
    }

    /// The fast path of both allocation paths: an object within the budget
    /// less `keep` that the backend has room for, or `None`. The caller
    /// initialises the payload at once (`Collector::alloc`).
    #[inline(always)]
    fn alloc_within_budget(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
        keep: usize,
    ) -> Option<ObjectRef> {
        // What the object really takes (its cell), so that the budget and
        // the ceiling bound the backend's usage; a table lookup at most.
        let footprint = C::footprint(size);
        // Spent before the backend runs (whose code the compiler cannot see
        // through, so a charge after it would reload the box's address).
        if !self.shared.budget.spend_within(footprint, keep) {
            return None;
        }
        // SAFETY: `Collector::alloc` asks that the payload be initialised
        // before the heap is used again: the callers (`Scope::try_alloc`,
        // `Mutation::try_alloc`, `Mutation::try_alloc_slice`) pass the
        // object's size and write the payload at once.
        match unsafe { self.collector.alloc(info, size) } {
            Some(obj) => {
                self.stats.allocated_objects += 1;
                Some(obj)
            }
            None => {
                self.shared.budget.refund(footprint);
                None
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn alloc_in_region_slow(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
    ) -> Result<ObjectRef, GcError> {
        self.shared.budget.mark_due();
        // Past the budget, objects and external memory must still fit.
        let obj = match self.shared.budget.fits(C::footprint(size)) {
            true => self.alloc_beyond_budget(info, size),
            false => None,
        };
        // Nothing could collect: say what was taken, not what is live.
        obj.ok_or_else(|| self.shared.budget.out_of_memory(size))
    }

    /// The slow path outside regions: collects (fully, if a collection by
    /// the trigger did not make room) and retries.
    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, info: &'static TypeInfo, size: usize) -> Result<ObjectRef, GcError> {
        let cause = if self.config.stress {
            Cause::Stress
        } else if size > self.shared.budget.remaining() {
            Cause::Threshold
        } else {
            Cause::AllocationFailure
        };
        self.collect(cause);
        if let Some(obj) = self.alloc_beyond_budget(info, size) {
            return Ok(obj);
        }
        if cause != Cause::AllocationFailure {
            // Every backend collects everything unreachable for this cause
            // (reference counting runs trial deletion).
            self.collect(Cause::AllocationFailure);
            if let Some(obj) = self.alloc_beyond_budget(info, size) {
                return Ok(obj);
            }
        }
        Err(GcError::out_of_memory(
            size,
            self.config.capacity,
            self.in_use(),
            true,
        ))
    }

    /// An object the backend has room for, counted against the budget as
    /// far as it goes (after a collection, or inside a region past its
    /// budget); the part past the budget is counted in the stats directly
    /// (the budget counts the rest, `Pacer::spent`).
    fn alloc_beyond_budget(&mut self, info: &'static TypeInfo, size: usize) -> Option<ObjectRef> {
        // SAFETY: `Collector::alloc` asks that the payload be initialised
        // before the heap is used again: the callers initialise it at once,
        // as on the fast path (`alloc_within_budget`).
        let obj = unsafe { self.collector.alloc(info, size) }?;
        let beyond = self.shared.budget.take(C::footprint(size));
        self.stats.allocated_bytes += beyond as u64;
        self.stats.allocated_objects += 1;
        Some(obj)
    }
}

/// Refuses a type aligned to more than [`OBJECT_ALIGN`]: every space puts
/// a payload 16 bytes after a 16-aligned object start. (`info` is a
/// constant per type, so this folds away for the others.)
#[inline(always)]
fn check_alignment(info: &'static TypeInfo) -> Result<(), GcError> {
    if info.align <= OBJECT_ALIGN {
        return Ok(());
    }
    Err(GcError::from(GcErrorKind::AlignmentTooLarge {
        type_name: info.name(),
        align: info.align,
    }))
}
