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
//! **Two walks, in allocation order and its reverse** (see
//! `RefCount::reconcile`): a structure built parents first is freed by the
//! first walk, oldest entry first (by the time it reaches a child, the
//! parent has been freed and the child's count is 0); one built children
//! first by the second, over the entries the first found referenced, newest
//! first. Nothing reconciliation sees becomes a cycle candidate: the write
//! barrier buffers the targets of the stores that may close a cycle (see
//! `cycles`), and a cascade the objects it leaves above 0.

use crate::count::{for_each_child, Flag, Word};
use crate::cycles::{check_buffer, flaw};
use crate::RefCount;
use gc_core::object::ObjectRef;
use gc_core::Slot;

/// Sets (`on`) or clears the `ROOTED` flag of every object a root refers to.
pub(crate) fn flag_roots(roots: &[Slot], on: bool) {
    for obj in roots.iter().filter_map(Slot::get) {
        // SAFETY: `Word::of`'s bullet: a root refers to an allocated object
        // (`Collector::collect`'s bullet), and flagging frees nothing.
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
    /// to (cascading), keeps rooted ones, and drops entries that gained a
    /// reference since they entered the table. `ROOTED` flags must be set.
    ///
    /// Two walks: the table oldest first, then the entries it found
    /// referenced newest first, once every cascade of the first walk has
    /// run. Structures built parents first are freed by the first walk (a
    /// parent before the children it refers to), those built children first
    /// by the second (each node after the parent that referred to it). Either
    /// way every garbage entry is freed, and in allocation order or its
    /// reverse: the free list hands cells out last freed first, so the next
    /// structure is allocated in address order too. (Freed in a cascade's
    /// depth-first order, a children-first tree scattered the free list:
    /// binary-trees children first at depth 16 ran 2.4 s against 0.85 s.)
    ///
    /// While the walks run, an object flagged `IN_ZCT` is either ahead of
    /// the walk or rooted with count 0 (kept, and then nothing can
    /// decrement it), so a cascade that drops an `IN_ZCT` object to 0 leaves
    /// it to the walk.
    pub(crate) fn reconcile(&mut self) {
        let table = std::mem::take(self.counts.zct.get_mut());
        let mut kept = std::mem::take(&mut self.spare_zct);
        let mut referenced = std::mem::take(&mut self.referenced);
        for &obj in &table {
            // SAFETY: `Word::of`'s bullet: ZCT entries are allocated; only
            // these walks and the cascades they start free objects, and a
            // cascade never frees an object flagged `IN_ZCT` (one still
            // ahead of a walk).
            if unsafe { Word::of(obj) }.count() > 0 {
                // Referenced from the heap, for now: it stays flagged, so a
                // cascade that frees its referrer leaves it to the next walk.
                referenced.push(obj);
            } else {
                // SAFETY: `settle`'s bullet: allocated (a ZCT entry not yet
                // walked, which no cascade frees), count 0 (just read),
                // flagged `IN_ZCT`; `ROOTED` flags are set (this function's
                // precondition).
                unsafe { self.settle(obj, &mut kept) };
            }
        }
        for &obj in referenced.iter().rev() {
            // SAFETY: `Word::of`'s bullet: an entry of the first walk that
            // had a reference, still flagged `IN_ZCT`, which no cascade
            // frees: allocated.
            let word = unsafe { Word::of(obj) };
            if word.count() > 0 {
                // Born or revived since the last reconciliation and still
                // referenced from the heap: it leaves the table. (If the
                // store that referenced it may have closed a cycle, the
                // barrier made it a candidate.)
                word.clear(Flag::IN_ZCT);
            } else {
                // SAFETY: `settle`'s bullet: allocated and flagged `IN_ZCT`
                // (as for `Word::of` just above), count 0 (just read);
                // `ROOTED` flags are set.
                unsafe { self.settle(obj, &mut kept) };
            }
        }
        // Reuse the allocations for the next reconciliation.
        referenced.clear();
        self.referenced = referenced;
        self.spare_zct = table;
        self.spare_zct.clear();
        *self.counts.zct.get_mut() = kept;
    }

    /// Settles a ZCT entry that no heap field refers to: kept in the table
    /// (`kept`) if a root refers to it, else freed, cascading.
    ///
    /// # Safety
    /// - `obj` is allocated, flagged `IN_ZCT`, count 0; `ROOTED` flags are set.
    #[inline(always)]
    unsafe fn settle(&mut self, obj: ObjectRef, kept: &mut Vec<ObjectRef>) {
        // SAFETY: `Word::of`'s bullet: allocated (this function's bullet).
        let word = unsafe { Word::of(obj) };
        if word.has(Flag::ROOTED) {
            kept.push(obj);
        } else {
            word.clear(Flag::IN_ZCT);
            // SAFETY: `release`'s bullets: allocated (this function's
            // bullet), count 0 (no field refers to it), not rooted, out of
            // the ZCT (just unflagged); `ROOTED` flags are set.
            unsafe { self.release(obj, kept) };
        }
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
        // SAFETY: `release_one`'s bullets are `release`'s, this function's
        // own.
        unsafe { self.release_one(obj, kept) };
        let mut peak = 0;
        while let Some(obj) = self.release_stack.pop() {
            peak = peak.max(self.release_stack.len() + 1);
            // SAFETY: `release_one`'s bullets (`release`'s): pushed by
            // `release_one` as a child left at count 0, not rooted and not
            // in the ZCT: allocated (pushed once, freed only when popped)
            // and unreachable.
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
        let pushed = stack.len();
        let release_child = |child| {
            // SAFETY: `Word::of`'s bullet: `child` is referred to by a field
            // of the allocated `obj`, so it is allocated, and its count
            // includes that field (the decrement does not underflow).
            let word = unsafe { Word::of(child) };
            if word.decrement() > 0 {
                // SAFETY: `possible_root_mut`'s bullet: `child` is
                // allocated (a field of `obj` refers to it).
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
        // SAFETY: `for_each_child`'s bullets: `obj` is allocated (this
        // function's bullet) and initialised between collections;
        // `release_child` frees nothing.
        unsafe { for_each_child(obj, &mut self.tracer, self.weak.ephemerons(), release_child) };
        free_in_allocation_order(&mut self.release_stack[pushed..], obj);
        // SAFETY: `Word::of`'s bullet: `obj` is still allocated (only the
        // branch below frees it).
        let word = unsafe { Word::of(obj) };
        // (The seeded bug `FreeBufferedCandidate` frees a buffered one too.)
        if word.has(Flag::BUFFERED) && self.cycles.flaw != flaw::FREE_BUFFERED {
            word.set(Flag::DEAD);
            self.dead_candidates += 1;
        } else {
            // SAFETY: `free`'s bullet: an unreachable object of this space
            // (count 0, not rooted: this function's bullet), in no table,
            // its references released, and finalised only here.
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
        check_buffer(self.counts.candidates.get_mut(), space);
        self.counts.candidates.get_mut().retain(|&obj| {
            // SAFETY: `Word::of`'s bullet: buffer entries are allocated
            // (`Counts`' invariant; `DEAD` ones are freed only here).
            if !unsafe { Word::of(obj) }.has(Flag::DEAD) {
                return true;
            }
            // SAFETY: `free`'s bullet: a DEAD object is unreachable and its
            // references are released; this buffer entry, removed now, was
            // its last mention, so it is not yet finalised.
            unsafe { space.free(obj) };
            false
        });
    }
}

/// Orders the children of `obj` just pushed on the release stack (the
/// first field's child on top) so that a cascade frees a tree in the
/// order it was allocated, or its reverse, as the two walks of
/// [`RefCount::reconcile`] do: fields first to last if the first child lies
/// above `obj` (built parents first, a preorder), last to first if below
/// (built children first: the reverse of a postorder). Cascades free the
/// objects that are no longer in the ZCT, such as the part of a tree built
/// before the previous collection; freed left subtree first, a
/// children-first tree left its free cells out of address order (a quarter
/// of the next allocations stepped back and forth within 2 KiB instead of
/// to the next cell).
#[inline(always)]
fn free_in_allocation_order(children: &mut [ObjectRef], obj: ObjectRef) {
    if let [.., first] = children {
        if first.addr() < obj.addr() {
            children.reverse();
        }
    }
}
