//! Cheney's algorithm: copy what the roots refer to, then scan to-space from
//! its start; the copies between `scan` and `free` are the work queue.
//!
//! ```text
//!  to-space  ┌────────────────┬────────────────┬───────────────
//!            │ scanned: fields│ copied, fields │ free
//!            │ point to-space │ not yet scanned│
//!            └────────────────┴────────────────┴───────────────
//!            start            scan             free
//! ```
//!
//! Scanning an object updates each of its slots: a target in from-space is
//! copied to `free` (unless it already was) and the slot gets the new
//! address; a large object is marked and, the first time, queued on a small
//! gray list so its fields are scanned too. The loop ends when `scan` meets
//! `free` and the gray list is empty. Breadth-first order, no recursion, no
//! mark stack for the semispace objects.

use crate::semispace::Semispace;
use gc_core::ephemeron::EphemeronMarker;
use gc_core::object::ObjectRef;
use gc_core::space::LargeObjectSpace;
use gc_core::{Slot, Tracer};
use std::ptr::NonNull;

/// Tag in a from-space header's `meta` word: the rest of the word is the
/// object's new address. Objects are 16-aligned, so bit 0 is free.
const FORWARDED: usize = 1;

/// Buffers reused across collections, so a collection allocates nothing in
/// the steady state.
pub(crate) struct Buffers {
    /// Large objects marked but not yet scanned.
    gray: Vec<ObjectRef>,
    /// Slots reported by the object being scanned.
    pub(crate) tracer: Tracer,
    /// Dead objects waiting for their destructor.
    pub(crate) dead: Vec<ObjectRef>,
    /// In the ephemeron phase: the objects copied or marked, by their
    /// address before the collection (`None` otherwise).
    newly: Option<Vec<ObjectRef>>,
}

impl Default for Buffers {
    fn default() -> Buffers {
        Buffers {
            gray: Vec::new(),
            // SAFETY: `for_collection`'s bullet: these buffers serve
            // collections only (`Cheney` and the copying collector's
            // teardown), between mutation regions: no lock guard of a traced
            // object is in use.
            tracer: unsafe { Tracer::for_collection() },
            dead: Vec::new(),
            newly: None,
        }
    }
}

/// One collection's copying pass from `from` into `to`.
pub(crate) struct Cheney<'a> {
    pub(crate) from: &'a Semispace,
    pub(crate) to: &'a mut Semispace,
    pub(crate) large: &'a mut LargeObjectSpace,
    pub(crate) buffers: &'a mut Buffers,
    /// Where scanning resumes: copies below it are scanned.
    pub(crate) scanned: usize,
}

impl Cheney<'_> {
    /// Copies the object each root refers to and rewrites the root.
    ///
    /// `FLAW` [`flaw::STALE_LAST_ROOT`] plants a bug for the seeded-bug
    /// test (see `seeded_bug`): the last root's object is copied but the
    /// root is not rewritten, so it keeps pointing into from-space. The
    /// real collector passes [`flaw::NONE`], which compiles the check away.
    #[inline(always)]
    pub(crate) fn copy_roots<const FLAW: u8>(&mut self, roots: &[Slot]) {
        let (updated, stale) = match roots.split_last() {
            Some((last, rest)) if FLAW == flaw::STALE_LAST_ROOT => (rest, Some(last)),
            _ => (roots, None),
        };
        for slot in updated {
            self.update(slot);
        }
        if let Some(obj) = stale.and_then(Slot::get) {
            self.forward(obj);
        }
    }

    /// The Cheney loop: scans copied objects (and gray large ones) until
    /// every reachable object has been copied or marked. `FLAW`
    /// [`flaw::SKIP_OUT_OF_LINE`] plants a bug for the seeded-bug test: the
    /// slots an object reports outside its own cell are not updated.
    pub(crate) fn scan<const FLAW: u8>(&mut self) {
        let mut scan = self.scanned.max(self.to.start());
        loop {
            let obj = if scan < self.to.free() {
                // SAFETY: `from_addr`'s bullet: copies lie back to back from
                // the start of to-space, each with the header of its original,
                // so `scan` (below `free`) is the start of one.
                let obj = unsafe { ObjectRef::from_addr(scan) };
                // SAFETY: `size`'s bullet: a copy is live, with the header
                // and (for a slice) the length of the object it copies.
                scan += unsafe { obj.size() };
                obj
            } else if let Some(obj) = self.buffers.gray.pop() {
                obj
            } else {
                self.scanned = scan;
                return;
            };
            // SAFETY: `trace`'s bullet: `obj` is a complete copy in to-space
            // or a marked large object: live, with an initialised payload.
            unsafe { obj.trace(&mut self.buffers.tracer) };
            if FLAW == flaw::SKIP_OUT_OF_LINE {
                // SAFETY: `size`'s bullet: as for `trace` above.
                let cell = obj.addr()..obj.addr() + unsafe { obj.size() };
                let tracer = &mut self.buffers.tracer;
                tracer.retain_since(0, |slot| cell.contains(&slot.as_ptr().addr()));
            }
            while let Some(slot) = self.buffers.tracer.pop() {
                // SAFETY: `as_ref`: a field reported just now by the trace of
                // a live object, which does not move during this collection.
                self.update(unsafe { slot.as_ref() });
            }
        }
    }

    /// Points `slot` at the to-space (or large-object space) address of its target.
    #[inline(always)]
    fn update(&mut self, slot: &Slot) {
        if let Some(obj) = slot.get() {
            slot.set(Some(self.forward(obj)));
        }
    }

    /// The address `obj` has after this collection: a from-space object is
    /// copied on first sight; a large object stays put and is marked.
    #[inline(always)]
    fn forward(&mut self, obj: ObjectRef) -> ObjectRef {
        if !self.from.contains(obj.addr()) {
            // SAFETY: `info`'s bullet: a slot's target outside from-space is
            // a live large object.
            if self.large.mark(obj) {
                if let Some(newly) = &mut self.buffers.newly {
                    newly.push(obj);
                }
                // SAFETY: as above.
                if unsafe { obj.info() }.needs_trace {
                    self.buffers.gray.push(obj);
                }
            }
            return obj;
        }
        // SAFETY: `forwarding_address`'s bullet: a slot's target in
        // from-space is an object that was live when the collection started,
        // so its header is intact.
        match unsafe { forwarding_address(obj) } {
            Some(new) => new,
            // SAFETY: `copy`'s bullet: a from-space object live when the
            // collection started (a slot's target), and not forwarded yet.
            None => unsafe { self.copy(obj) },
        }
    }

    /// Copies `obj` to the free end of to-space and leaves a forwarding
    /// pointer in its old header.
    ///
    /// # Safety
    /// - `obj` is a from-space object, live at the start of the collection
    ///   and not yet forwarded.
    unsafe fn copy(&mut self, obj: ObjectRef) -> ObjectRef {
        // SAFETY: `size`'s bullet: the object was live when the collection
        // started and is not forwarded yet (this function's bullet), so its
        // header and length are intact.
        let size = unsafe { obj.size() };
        let to = self
            .to
            .bump(size)
            .expect("to-space is as large as from-space, so every live object fits");
        // SAFETY: `size` bytes at the object's start are readable; `to` is
        // `size` fresh bytes in the other semispace, so they do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(obj.start().as_ptr(), to.as_ptr(), size) };
        // SAFETY: `meta`'s bullet: the header is intact (as for `size`);
        // from now on it is only a forwarding record.
        unsafe { obj.meta() }.set(to.as_ptr() as usize | FORWARDED);
        if let Some(newly) = &mut self.buffers.newly {
            newly.push(obj);
        }
        // SAFETY: `from_addr`'s bullet: `to` now starts a byte-for-byte
        // copy of the object, header included.
        unsafe { ObjectRef::from_addr(to.as_ptr() as usize) }
    }
}

// SAFETY: `is_live` asks the forwarding word of a from-space object (its
// header is intact until the old half is discarded: the trait's objects
// are at their addresses before the collection) or the mark of a large
// one; `mark_from` copies the slots' targets and rewrites the slots, then
// scans to-space from where the last scan stopped (and the gray large
// objects) to the end, recording every object it copies or marks by its
// old address, and hands each to `newly`.
unsafe impl EphemeronMarker for Cheney<'_> {
    fn is_live(&self, obj: ObjectRef) -> bool {
        if self.from.contains(obj.addr()) {
            // SAFETY: `forwarding_address`'s bullet: a from-space object
            // that was live when the collection started.
            unsafe { forwarding_address(obj) }.is_some()
        } else {
            self.large.is_marked(obj)
        }
    }

    fn mark_from(&mut self, slots: &[NonNull<Slot>], newly: &mut dyn FnMut(ObjectRef)) {
        self.buffers.newly = Some(Vec::new());
        for slot in slots {
            // SAFETY: `as_ref`: the trait's caller lends slots valid for
            // the call (values of a weak-map entry).
            self.update(unsafe { slot.as_ref() });
        }
        // The ephemeron phase scans with no planted flaw (seeded bugs
        // plant theirs in the main copy).
        self.scan::<{ flaw::NONE }>();
        for obj in self.buffers.newly.take().unwrap_or_default() {
            newly(obj);
        }
    }
}

/// The new address of `obj` if this collection copied it, else `None`.
///
/// # Safety
/// - `obj` has an intact header: a from-space object that was live when the
///   collection started, or any object outside from-space.
pub(crate) unsafe fn forwarding_address(obj: ObjectRef) -> Option<ObjectRef> {
    // SAFETY: `meta`'s bullet: the header is intact (this function's bullet).
    let meta = unsafe { obj.meta() }.get();
    // SAFETY: `from_addr`'s bullet: a tagged meta word holds the address of
    // the object's copy, which starts with the original's header.
    (meta & FORWARDED != 0).then(|| unsafe { ObjectRef::from_addr(meta & !FORWARDED) })
}

/// The seeded bugs the Cheney collection can plant (`seeded_bug`), as its
/// `FLAW`.
pub(crate) mod flaw {
    /// The real collector.
    pub(crate) const NONE: u8 = 0;
    /// The last root is not rewritten (`StaleLastRoot`).
    pub(crate) const STALE_LAST_ROOT: u8 = 1;
    /// The weak step keeps a moved object's old address (`StaleWeak`).
    pub(crate) const STALE_WEAK: u8 = 2;
    /// The slots an object reports from a buffer it owns are not updated
    /// (`SkipOutOfLine`).
    pub(crate) const SKIP_OUT_OF_LINE: u8 = 3;
    /// The large objects' marks are not cleared before a collection
    /// (`StaleLargeMarks`).
    pub(crate) const KEEP_LARGE_MARKS: u8 = 4;
}
