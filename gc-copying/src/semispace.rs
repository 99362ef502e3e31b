//! A semispace: one half of the copying heap, filled by a bump pointer.
//!
//! ```text
//!  start                            free              limit        end
//!  ├─ obj ─┼─── obj ───┼─ obj ─┼─ ... ┼──── unused ─────┼── LOS share ──┤
//!  objects lie back to back: walking from `start` by object sizes visits each
//! ```
//!
//! Invariants: `start <= free <= soft <= limit <= end`, all 16-aligned
//! but `soft`; `start..free`
//! holds `objects` contiguous objects with initialised headers. `end - limit`
//! is the share of the semispace that large objects take (see
//! [`Copying`](crate::Copying)); during a collection the to-space has no
//! such share (`limit == end`).
//!
//! Pages are committed as the bump pointer reaches them, a chunk at a time
//! (`COMMIT_CHUNK`, 1 MiB): `soft`, the end of the committed chunks (or `limit`,
//! if nearer), is where the fast path stops, and the slow path commits the
//! next chunk. So resident memory follows the bytes allocated and copied,
//! whatever the capacity and the growth settings.

use gc_core::object::{ObjectRef, OBJECT_ALIGN};
use gc_core::os::{page_size, Region};
use gc_core::GcError;
use std::ptr::NonNull;

/// Bytes committed at once when the bump pointer passes the committed end.
const COMMIT_CHUNK: usize = 1 << 20;

/// One half of the heap, reserved once.
pub(crate) struct Semispace {
    region: Region,
    start: usize,
    /// Next free byte.
    free: usize,
    /// The fast path of [`Semispace::bump`] stops here: the end of the
    /// committed pages, or `limit` if nearer.
    soft: usize,
    /// Allocation stops here.
    limit: usize,
    end: usize,
    /// Objects in `start..free`.
    objects: usize,
    /// Bytes from `start` whose pages are committed (see
    /// [`Semispace::commit`]); a hint for speed only.
    committed: usize,
}

impl Semispace {
    /// Reserves a semispace of `len` bytes (a page multiple, so that
    /// [`Semispace::discard`] can release whole pages).
    pub(crate) fn new(len: usize) -> Result<Semispace, GcError> {
        let region = Region::reserve(len)?;
        // A collection copies into to-space pages it has not touched since
        // the last discard: one fault per 2 MiB instead of per 4 KiB (the
        // `object_model` build phase's copying took 9 ms instead of 3.6).
        region.prefer_huge_pages();
        let start = region.start().as_ptr() as usize;
        Ok(Semispace {
            region,
            start,
            free: start,
            soft: start,
            limit: start + len,
            end: start + len,
            objects: 0,
            committed: 0,
        })
    }

    /// Commits the first `len` bytes now (see [`Region::commit`]), unless
    /// they already are.
    fn commit(&mut self, len: usize) {
        if len > self.committed {
            self.region.commit(self.committed, len - self.committed);
            self.committed = len;
        }
        self.refresh_soft();
    }

    /// Puts `soft` at the committed end or the limit, whichever is nearer
    /// (never below `free`).
    fn refresh_soft(&mut self) {
        self.soft = self.limit.min(self.start + self.committed).max(self.free);
    }

    /// Takes `size` bytes (a multiple of [`OBJECT_ALIGN`]) off the free end,
    /// or returns `None` if they would pass the limit.
    #[inline(always)]
    pub(crate) fn bump(&mut self, size: usize) -> Option<NonNull<u8>> {
        debug_assert!(
            size & (OBJECT_ALIGN - 1) == 0,
            "object size {size} is not 16-aligned"
        );
        debug_assert!(
            self.free <= self.limit,
            "free {:#x} is past limit {:#x}",
            self.free,
            self.limit
        );
        if size > self.soft - self.free {
            return self.bump_slow(size);
        }
        let start = self.free;
        self.free += size;
        self.objects += 1;
        // SAFETY: `start` lies inside the mapped region, which is never at address 0.
        Some(unsafe { NonNull::new_unchecked(start as *mut u8) })
    }

    /// [`Semispace::bump`] past the committed pages: commits the chunks
    /// the object reaches into, or returns `None` past the limit.
    #[cold]
    #[inline(never)]
    fn bump_slow(&mut self, size: usize) -> Option<NonNull<u8>> {
        if size > self.limit - self.free {
            return None;
        }
        let reach = self.free + size - self.start;
        self.commit(reach.next_multiple_of(COMMIT_CHUNK).min(self.len()));
        debug_assert!(size <= self.soft - self.free);
        self.bump(size)
    }

    /// Keeps the last `reserved` bytes out of reach of [`Semispace::bump`]
    /// (the large objects' share).
    pub(crate) fn set_limit(&mut self, reserved: usize) {
        self.limit = self.end - reserved;
        self.refresh_soft();
        debug_assert!(
            self.free <= self.limit,
            "{reserved} reserved bytes overlap the {} used",
            self.used()
        );
    }

    /// Empties the space and lifts the limit, before it receives copies.
    pub(crate) fn clear(&mut self) {
        self.free = self.start;
        self.limit = self.end;
        self.objects = 0;
        self.refresh_soft();
    }

    /// Makes the old contents unusable after a flip: debug builds fill them
    /// with [`POISON`](gc_core::os::POISON) (a stale pointer then reads a
    /// `0xdbdb...` type descriptor and faults); release builds give the pages
    /// past the first `keep` bytes back to the kernel instead (they read as
    /// zero: a null descriptor). The first `keep` bytes stay committed, so
    /// the next collections copy and allocate into them without faulting
    /// pages in again. Doing both would wipe the poison.
    ///
    /// # Safety
    /// - No live object lies in the space, and no slot or Rust reference points into it.
    pub(crate) unsafe fn discard(&mut self, keep: usize) {
        let used = self.used();
        if cfg!(debug_assertions) {
            // SAFETY: `poison`'s bullet is this function's: nothing live or
            // borrowed is in the space, so in `0..used`.
            unsafe { self.region.poison(0, used) }
        } else {
            let from = keep.next_multiple_of(page_size()).min(self.len());
            let to = used.next_multiple_of(page_size());
            // SAFETY: `release`'s bullet: no live object is in the space
            // (this function's bullet), so in the range; both ends are page
            // multiples inside the semispace (a page multiple itself).
            unsafe { self.region.release(from, to.saturating_sub(from)) }
            self.committed = self.committed.min(from);
            self.refresh_soft();
        }
    }

    /// `true` if `addr` lies in the used part, `start..free`.
    #[inline(always)]
    pub(crate) fn contains(&self, addr: usize) -> bool {
        addr >= self.start && addr < self.free
    }

    /// Every object, in address order.
    pub(crate) fn objects(&self) -> impl Iterator<Item = ObjectRef> + '_ {
        // SAFETY: `contiguous`'s bullet: objects lie back to back from
        // `start` to `free`, with initialised headers and lengths (the
        // semispace invariant), and `&self` keeps them in place.
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

    /// Bytes the semispace spans.
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// Number of objects.
    pub(crate) fn object_count(&self) -> usize {
        self.objects
    }
}
