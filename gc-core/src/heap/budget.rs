//! The heap's budget: how many bytes (objects as the cells they take, and
//! the external bytes objects own) may still be allocated before the next
//! collection is due, and the ceiling that keeps both within the capacity.
//! One rule for both kinds of bytes: within the budget, an allocation just
//! spends it; past it, it raises the ceiling, which may not pass the
//! capacity. [`Pacer`] is the growth policy's state between collections.

use crate::config::{Growth, HeapConfig};
use crate::error::GcError;
use std::cell::Cell;

/// The budget, in `Cell`s: the model's allocators and charges (which live
/// in objects) spend it through a shared reference while the heap moves.
pub(crate) struct Budget {
    /// Bytes that may still be allocated before the next collection is due.
    remaining: Cell<usize>,
    /// The part of `remaining` that mutation regions leave unspent: a region
    /// that spends the rest marks the collection due, and may then go on
    /// into this reserve, and past it up to the capacity, until it ends.
    reserve: Cell<usize>,
    /// External bytes held now.
    external: Cell<usize>,
    /// An upper bound on the object and external bytes in use now: set to
    /// the bytes in use plus the budget by [`Budget::reset`], and raised by
    /// every allocation past the budget ([`Budget::take`]).
    ceiling: Cell<usize>,
    /// A collection is due (the budget ran out inside a mutation region,
    /// where nothing may collect): the region's end runs it.
    due: Cell<bool>,
    /// An allocation failed inside the current region: the region's end
    /// runs a full collection, so that a caller who retries in a new region
    /// finds everything collectable collected.
    failed: Cell<bool>,
    /// The heap's capacity (`HeapConfig::capacity`).
    capacity: usize,
}

impl Budget {
    pub(crate) fn new(capacity: usize) -> Budget {
        Budget {
            remaining: Cell::new(0),
            reserve: Cell::new(0),
            external: Cell::new(0),
            ceiling: Cell::new(0),
            due: Cell::new(false),
            failed: Cell::new(false),
            capacity,
        }
    }

    /// The allocation fast path: spends `bytes` if they fit in the budget
    /// less `keep` (the region reserve inside a region, else 0).
    #[inline(always)]
    pub(crate) fn spend_within(&self, bytes: usize, keep: usize) -> bool {
        let remaining = self.remaining.get();
        if bytes > remaining.saturating_sub(keep) {
            return false;
        }
        self.remaining.set(remaining - bytes);
        true
    }

    /// Gives back `bytes` spent by [`spend_within`](Budget::spend_within)
    /// for an allocation that then failed.
    #[inline(always)]
    pub(crate) fn refund(&self, bytes: usize) {
        self.remaining.set(self.remaining.get() + bytes);
    }

    /// `true` if `bytes` may be taken: the part past the budget keeps the
    /// ceiling within the capacity.
    pub(crate) fn fits(&self, bytes: usize) -> bool {
        let beyond = bytes.saturating_sub(self.remaining.get());
        self.ceiling.get().saturating_add(beyond) <= self.capacity
    }

    /// Takes `bytes`, within the budget as far as it goes and past it for
    /// the rest, which raises the ceiling; returns the bytes past it.
    pub(crate) fn take(&self, bytes: usize) -> usize {
        let remaining = self.remaining.get();
        let within = bytes.min(remaining);
        self.remaining.set(remaining - within);
        let beyond = bytes - within;
        self.ceiling.set(self.ceiling.get().saturating_add(beyond));
        beyond
    }

    /// Charges `bytes` of external memory, or fails (changing nothing) if
    /// objects and external memory could then pass the capacity. Marks the
    /// collection due when the charge reaches into the region reserve.
    pub(crate) fn charge(&self, bytes: usize) -> Result<(), GcError> {
        if !self.fits(bytes) {
            return Err(self.out_of_memory(bytes));
        }
        if bytes.saturating_add(self.reserve.get()) >= self.remaining.get() {
            self.due.set(true);
        }
        self.take(bytes);
        self.external.set(self.external.get() + bytes);
        Ok(())
    }

    /// Gives back `bytes` charged earlier.
    pub(crate) fn uncharge(&self, bytes: usize) {
        debug_assert!(bytes <= self.external.get(), "uncharged more than charged");
        self.external.set(self.external.get().saturating_sub(bytes));
        self.ceiling.set(self.ceiling.get().saturating_sub(bytes));
    }

    /// The error for a request of `requested` bytes that does not fit
    /// inside a mutation region (where nothing collects); marks the
    /// collection due and failed. It reports the bytes taken: those in use
    /// at the last collection plus those allocated since, less those given
    /// back (the ceiling less the budget still unspent).
    pub(crate) fn out_of_memory(&self, requested: usize) -> GcError {
        self.due.set(true);
        self.failed.set(true);
        let taken = self.ceiling.get().saturating_sub(self.remaining.get());
        GcError::out_of_memory(requested, self.capacity, taken, false)
    }

    /// Sets a fresh budget after a collection, with `in_use` bytes in use:
    /// `budget` bytes, of which regions may spend `region_budget`.
    pub(crate) fn reset(&self, in_use: usize, budget: usize, region_budget: usize) {
        self.remaining.set(budget);
        self.reserve.set(budget - region_budget.min(budget));
        self.ceiling.set(in_use + budget);
        self.due.set(false);
        self.failed.set(false);
    }

    /// Empties the budget, so that every allocation takes the slow path
    /// (a poisoned heap).
    pub(crate) fn empty(&self) {
        self.remaining.set(0);
    }

    #[inline(always)]
    pub(crate) fn remaining(&self) -> usize {
        self.remaining.get()
    }

    #[inline(always)]
    pub(crate) fn reserve(&self) -> usize {
        self.reserve.get()
    }

    pub(crate) fn external(&self) -> usize {
        self.external.get()
    }

    pub(crate) fn due(&self) -> bool {
        self.due.get()
    }

    pub(crate) fn mark_due(&self) {
        self.due.set(true);
    }

    pub(crate) fn failed(&self) -> bool {
        self.failed.get()
    }
}

/// The growth policy's state between collections, and the count of bytes
/// allocated within the budget (the budget spent since it was set).
#[derive(Default)]
pub(crate) struct Pacer {
    /// The budget as the last collection set it.
    set: usize,
    /// Bytes in use (objects and external) after the last collection.
    in_use_after: usize,
    /// Unproductive collections in a row ([`Growth::unproductive`]): the
    /// growth policy's headroom cap is doubled this many times.
    unproductive: u32,
}

impl Pacer {
    /// Bytes allocated within the budget since the last collection set it.
    pub(crate) fn spent(&self, budget: &Budget) -> usize {
        self.set - budget.remaining()
    }

    /// Records a collection that found `in_use_before` bytes in use and
    /// left `in_use_after`; returns the growth policy for the next budget.
    pub(crate) fn after_collection(
        &mut self,
        config: &HeapConfig,
        in_use_before: usize,
        in_use_after: usize,
    ) -> Growth {
        let grown = in_use_before.saturating_sub(self.in_use_after);
        let freed = in_use_before.saturating_sub(in_use_after);
        self.unproductive = if Growth::unproductive(grown, freed) {
            self.unproductive.saturating_add(1).min(usize::BITS)
        } else {
            0
        };
        self.in_use_after = in_use_after;
        self.growth(config)
    }

    /// The growth policy now.
    pub(crate) fn growth(&self, config: &HeapConfig) -> Growth {
        config.growth().boosted(self.unproductive)
    }

    /// Notes the budget just set.
    pub(crate) fn set(&mut self, budget: usize) {
        self.set = budget;
    }
}
