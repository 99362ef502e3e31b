//! The compacted space: one reservation of the heap's whole capacity,
//! filled by a bump pointer, its objects back to back from the start.
//!
//! ```text
//!  start                               free              limit        end
//!  ├─ obj ─┼─ dead ─┼─ obj ─┼── obj ──┼─── unused ───────┼─ LOS share ─┤
//!  after a collection the dead objects are gone: the live ones lie back to
//!  back from `start`, and `free` is the end of the last one
//! ```
//!
//! Invariants: `start <= free <= limit <= end`, all 16-aligned; `start..free`
//! holds `objects` contiguous objects with initialised headers (live or,
//! between collections, dead ones not yet slid over). `end - limit` is the
//! share of the capacity the large objects take. Pages are committed by the
//! kernel on first touch, so resident memory follows `free`; a collection
//! hands the pages it vacates back (`Space::truncate`).

use gc_core::object::{ObjectRef, OBJECT_ALIGN};
use gc_core::os::{page_size, Region};
use gc_core::GcError;
use std::ptr::NonNull;

/// The heap's one object space.
pub(crate) struct Space {
    region: Region,
    start: usize,
    /// Next free byte: objects lie in `start..free`.
    free: usize,
    /// Allocation stops here (below it: the large objects' share).
    limit: usize,
    end: usize,
    /// Objects in `start..free`.
    objects: usize,
}

impl Space {
    /// Reserves `len` bytes of address space (pages commit on first touch).
    pub(crate) fn new(len: usize) -> Result<Space, GcError> {
        let region = Region::reserve(len)?;
        // Marking and updating reach objects all over the space: one TLB
        // entry per 2 MiB instead of per 4 KiB (without it, marking
        // binary-trees took four times mark-sweep's time).
        region.prefer_huge_pages();
        let start = region.start().as_ptr() as usize;
        Ok(Space {
            region,
            start,
            free: start,
            limit: start + len,
            end: start + len,
            objects: 0,
        })
    }

    /// Takes `size` bytes (a multiple of [`OBJECT_ALIGN`]) off the free
    /// end, or returns `None` if they would pass the limit.
    #[inline(always)]
    pub(crate) fn bump(&mut self, size: usize) -> Option<NonNull<u8>> {
        debug_assert!(size.is_multiple_of(OBJECT_ALIGN), "object size {size}");
        if size > self.limit - self.free {
            return None;
        }
        let at = self.free;
        self.free += size;
        self.objects += 1;
        // SAFETY: `at` lies inside the mapped region, never at address 0.
        Some(unsafe { NonNull::new_unchecked(at as *mut u8) })
    }

    /// Keeps the last `reserved` bytes out of reach of [`Space::bump`]
    /// (the large objects' share of the capacity).
    pub(crate) fn set_limit(&mut self, reserved: usize) {
        self.limit = self.end - reserved;
        debug_assert!(self.free <= self.limit, "{reserved} bytes overlap objects");
    }

    /// Ends the space at `free` with `objects` objects, after a slide
    /// moved the survivors below it; the bytes from there to the old end
    /// hold only stale copies, and are [vacated](Space::vacate) after
    /// `keep` more bytes.
    ///
    /// # Safety
    /// - `start..free` holds exactly `objects` contiguous objects, and no
    ///   slot or Rust reference points at or past `free`.
    pub(crate) unsafe fn truncate(&mut self, free: usize, objects: usize, keep: usize) {
        let old = self.free;
        debug_assert!(self.start <= free && free <= old);
        self.free = free;
        self.objects = objects;
        // SAFETY: `vacate`'s bullet is this function's second one.
        unsafe { self.vacate(free, old, keep) };
    }

    /// Makes the stale bytes `from..to` unusable: debug builds fill them
    /// with [`POISON`](gc_core::os::POISON), so a stale pointer reads a
    /// `0xdbdb...` type descriptor; release builds give their whole pages
    /// past `from + keep` back to the kernel (the next allocations would
    /// fault in the ones kept anyway).
    ///
    /// # Safety
    /// - No live object lies in `from..to`, and no slot or Rust reference
    ///   points into it.
    unsafe fn vacate(&self, from: usize, to: usize, keep: usize) {
        let offset = from - self.start;
        if cfg!(debug_assertions) {
            // SAFETY: `poison`'s bullet is this function's.
            unsafe { self.region.poison(offset, to - from) }
        } else {
            let first = (offset + keep).next_multiple_of(page_size());
            let last = (to - self.start).next_multiple_of(page_size());
            // SAFETY: `release`'s bullet: nothing live lies past `from`
            // (this function's bullet), so in `first..last`; both ends are
            // page multiples inside the region (its length is one too).
            unsafe { self.region.release(first, last.saturating_sub(first)) }
        }
    }

    /// `true` if `addr` lies in the used part, `start..free`.
    #[inline(always)]
    pub(crate) fn contains(&self, addr: usize) -> bool {
        addr >= self.start && addr < self.free
    }

    /// Every object, in address order, each read as the walk reaches it
    /// (so the walk's caller may finalise an object it is given).
    pub(crate) fn objects(&self) -> impl Iterator<Item = ObjectRef> + '_ {
        // SAFETY: `contiguous`'s bullet: objects lie back to back from
        // `start` to `free`, with initialised headers and lengths (the
        // space's invariant); finalising an object leaves both in place,
        // and the walks that move objects (step 4) use `survivors` instead.
        unsafe { gc_core::object::contiguous(self.start, self.free) }
    }

    /// The first byte.
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// The next free byte.
    pub(crate) fn free(&self) -> usize {
        self.free
    }

    /// Bytes of objects.
    pub(crate) fn used(&self) -> usize {
        self.free - self.start
    }

    /// Bytes of the capacity not yet used by objects or large objects.
    pub(crate) fn room(&self) -> usize {
        self.limit - self.free
    }

    /// Number of objects.
    pub(crate) fn object_count(&self) -> usize {
        self.objects
    }
}
