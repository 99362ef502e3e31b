//! Deferred reference counting: reconciling the zero-count table (ZCT)
//! against the roots.
//!
//! Copying a root costs nothing, so a count only says how many *heap fields*
//! refer to an object. An object whose count is 0 may still be rooted; it
//! waits in the ZCT until a collection flags the rooted objects and frees
//! the rest. Freeing an object releases its children first, and a child
//! whose count drops to 0 joins the same table, so a cascade runs on a
//! worklist, never on the Rust stack.

use crate::count::{for_each_child, Flag, Word};
use crate::RefCount;
use gc_core::object::ObjectRef;
use gc_core::Slot;

/// Sets (`on`) or clears the `ROOTED` flag of every object a root refers to.
pub(crate) fn flag_roots(roots: &[Slot], on: bool) {
    for obj in roots.iter().filter_map(Slot::get) {
        // SAFETY: a root refers to an allocated object: rooted objects are
        // never freed (reconciliation and trial deletion both spare them).
        let word = unsafe { Word::of(obj) };
        if on {
            word.set(Flag::ROOTED);
        } else {
            word.clear(Flag::ROOTED);
        }
    }
}

impl RefCount {
    /// Empties the ZCT: frees every entry with count 0 that no root refers
    /// to (cascading), keeps rooted ones, and offers entries that gained a
    /// reference since they entered the table to the cycle collector.
    /// `ROOTED` flags must be set.
    pub(crate) fn reconcile(&mut self) {
        let mut kept = Vec::new();
        let mut deferred = 0;
        while let Some(obj) = self.counts.zct.get_mut().pop() {
            // SAFETY: ZCT entries are allocated; only this loop frees them,
            // after taking them out of the table.
            let word = unsafe { Word::of(obj) };
            word.clear(Flag::IN_ZCT);
            if word.count() > 0 {
                // Born or revived since the last reconciliation and now
                // referenced from the heap: the one reference it has may be
                // part of a cycle that only roots held (see `cycles`).
                // SAFETY: allocated, as above.
                unsafe { self.counts.possible_root(obj) };
            } else if word.has(Flag::ROOTED) {
                word.set(Flag::IN_ZCT);
                kept.push(obj);
            } else {
                // SAFETY: allocated, count 0 (no field refers to it), not
                // rooted, and out of the ZCT.
                deferred += usize::from(unsafe { self.release(obj) });
            }
        }
        *self.counts.zct.get_mut() = kept;
        if deferred > 0 {
            self.free_dead_candidates();
        }
    }

    /// Drops the references `obj` holds (children whose count reaches 0 go
    /// into the ZCT), then frees `obj`, or, if the candidate buffer holds it,
    /// marks it `DEAD` for [`RefCount::free_dead_candidates`]. Returns `true`
    /// when freeing was deferred.
    ///
    /// # Safety
    /// - `obj` is allocated and unreachable: count 0, not rooted, not in the ZCT.
    unsafe fn release(&mut self, obj: ObjectRef) -> bool {
        let counts = &self.counts;
        let release_child = |child| {
            // SAFETY: `child` is referred to by a field of `obj`, so it is
            // allocated and its count includes that field.
            unsafe { counts.decrement(child) }
        };
        // SAFETY: `obj` is allocated and `decrement` frees nothing.
        unsafe { for_each_child(obj, &mut self.tracer, release_child) };
        // SAFETY: `obj` is still allocated.
        let word = unsafe { Word::of(obj) };
        if word.has(Flag::BUFFERED) {
            word.set(Flag::DEAD);
            return true;
        }
        // SAFETY: unreachable (caller), in no table, its references released.
        unsafe { self.space.free(obj) };
        false
    }

    /// Frees the `DEAD` objects of the candidate buffer and drops them from it.
    fn free_dead_candidates(&mut self) {
        let space = &mut self.space;
        self.counts.candidates.get_mut().retain(|&obj| {
            // SAFETY: buffer entries are allocated.
            if !unsafe { Word::of(obj) }.has(Flag::DEAD) {
                return true;
            }
            // SAFETY: a DEAD object is unreachable and its references are
            // released; this buffer entry, removed now, was its last mention.
            unsafe { space.free(obj) };
            false
        });
    }
}
