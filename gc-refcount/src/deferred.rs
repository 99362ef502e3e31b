//! Deferred reference counting: reconciling the zero-count table (ZCT)
//! against the roots.
//!
//! Copying a root costs nothing, so a count only says how many *heap fields*
//! refer to an object. An object whose count is 0 may still be rooted; it
//! waits in the ZCT until a collection flags the rooted objects and frees
//! the rest. Freeing an object releases its children first; a child whose
//! count drops to 0 is freed in the same cascade, on a worklist, never on
//! the Rust stack.
//!
//! **The table is walked oldest entry first.** Programs mostly build
//! top down (a parent is allocated before the children stored into it), so
//! by the time the walk reaches a child, its parent has been freed and the
//! child's count is 0: it is freed on the spot. Walked newest first, every
//! such child would still be counted by its parent, would be offered to the
//! cycle collector as a candidate, and then freed through the candidate
//! buffer (binary-trees at depth 14: 3.1 million candidates per run instead
//! of 120 thousand).

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
    ///
    /// While the walk runs, an object flagged `IN_ZCT` is either ahead of
    /// the walk or rooted with count 0 (kept, and then nothing can
    /// decrement it), so a cascade that drops an `IN_ZCT` object to 0 leaves
    /// it to the walk.
    pub(crate) fn reconcile(&mut self) {
        let table = std::mem::take(self.counts.zct.get_mut());
        let mut kept = std::mem::take(&mut self.spare_zct);
        for &obj in &table {
            // SAFETY: ZCT entries are allocated; only this walk and the
            // cascades it starts free objects, and a cascade never frees an
            // object flagged `IN_ZCT` (one still ahead of the walk).
            let word = unsafe { Word::of(obj) };
            word.clear(Flag::IN_ZCT);
            if word.count() > 0 {
                // Born or revived since the last reconciliation and now
                // referenced from the heap: the one reference it has may be
                // part of a cycle that only roots held (see `cycles`).
                // SAFETY: allocated, as above.
                unsafe { self.counts.possible_root_mut(obj) };
            } else if word.has(Flag::ROOTED) {
                word.set(Flag::IN_ZCT);
                kept.push(obj);
            } else {
                // SAFETY: allocated, count 0 (no field refers to it), not
                // rooted, and out of the ZCT.
                unsafe { self.release(obj, &mut kept) };
            }
        }
        // Reuse the table's allocation for the next reconciliation.
        self.spare_zct = table;
        self.spare_zct.clear();
        *self.counts.zct.get_mut() = kept;
    }

    /// Frees `obj` and, on a worklist, every object that only it kept
    /// alive: each object's children lose one reference; a child left at 0
    /// is freed too unless it is rooted (it joins `kept`, the new ZCT) or
    /// still ahead in the table being walked; a child left above 0 becomes
    /// a cycle candidate. An object the candidate buffer holds is not freed
    /// but flagged `DEAD`, for [`RefCount::free_dead_candidates`].
    ///
    /// # Safety
    /// - `obj` is allocated and unreachable: count 0, not rooted, not in
    ///   the ZCT; `ROOTED` flags are set.
    #[inline(always)]
    unsafe fn release(&mut self, obj: ObjectRef, kept: &mut Vec<ObjectRef>) {
        // SAFETY: forwarded to the caller.
        unsafe { self.release_one(obj, kept) };
        let mut peak = 0;
        while let Some(obj) = self.release_stack.pop() {
            peak = peak.max(self.release_stack.len() + 1);
            // SAFETY: pushed by `release_one`: count 0, not rooted, in no
            // table but maybe the candidate buffer.
            unsafe { self.release_one(obj, kept) };
        }
        self.peak_release_stack = self.peak_release_stack.max(peak);
    }

    /// [`RefCount::release`] for `obj` alone: children that drop to 0 and
    /// must be freed go on `release_stack`.
    ///
    /// # Safety
    /// - As [`RefCount::release`].
    #[inline(always)]
    unsafe fn release_one(&mut self, obj: ObjectRef, kept: &mut Vec<ObjectRef>) {
        let counts = &mut self.counts;
        let stack = &mut self.release_stack;
        let release_child = |child| {
            // SAFETY: `child` is referred to by a field of `obj`, so it is
            // allocated and its count includes that field.
            let word = unsafe { Word::of(child) };
            if word.decrement() > 0 {
                // SAFETY: allocated, as above.
                unsafe { counts.possible_root_mut(child) };
            } else if word.has(Flag::IN_ZCT) {
                // Ahead in the table: the walk frees it.
            } else if word.has(Flag::ROOTED) {
                word.set(Flag::IN_ZCT);
                kept.push(child);
            } else {
                stack.push(child);
            }
        };
        // SAFETY: `obj` is allocated and `release_child` frees nothing.
        unsafe { for_each_child(obj, &mut self.tracer, release_child) };
        // SAFETY: `obj` is still allocated.
        let word = unsafe { Word::of(obj) };
        if word.has(Flag::BUFFERED) {
            word.set(Flag::DEAD);
            self.dead_candidates += 1;
        } else {
            // SAFETY: unreachable, in no table, its references released.
            unsafe { self.space.free(obj) };
        }
    }

    /// Frees the `DEAD` objects of the candidate buffer and drops them from it.
    pub(crate) fn free_dead_candidates(&mut self) {
        if self.dead_candidates == 0 {
            return;
        }
        self.dead_candidates = 0;
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
