//! The buffer space: the memory of the object model's containers (the
//! element buffer of a [`GcVec`](crate::model::GcVec), the table of a
//! [`GcMap`](crate::model::GcMap)), which the containers allocate and free
//! themselves, as they would with `malloc`, but from mappings the heap owns.
//!
//! ```text
//!  small: one reservation, carved by a bump pointer, committed a chunk at a time
//!  ┌────┬────────┬────┬──────────────┬────┬──────── ─ ─
//!  │ 32 │  160   │ 32 │     640      │ 48 │ uncarved ...
//!  └────┴────────┴────┴──────────────┴────┴──────── ─ ─
//!  free[class] ──► cell ──► cell ──► 0   (next pointer in a free cell's first word)
//!  large: buffers above MAX_SMALL, one mapping each
//! ```
//!
//! A request takes the smallest size class that fits (16-byte steps to
//! 128 bytes, then four classes per doubling, so at most 25% is lost to
//! rounding); a freed cell goes on its class's free list and serves the next
//! request of that class. The caller passes the layout back on free (the
//! `Allocator` contract), so cells need no header. A heap drops the space
//! after its objects, unmapping every buffer at once.
//!
//! Owning this memory (rather than calling the global allocator) keeps a
//! heap's buffers inside its capacity, lays out a container's buffers in
//! allocation order like its objects, and makes a heap's teardown one
//! `munmap` instead of one `free` per buffer that the C allocator then hands
//! back to the kernel a page at a time (in the `object_model` benchmark,
//! glibc's trimming refaulted every page of the maps' buffers in each run).

use crate::os::Region;
use hashbrown::HashMap;
use std::cell::{Cell, OnceCell, RefCell};
use std::ptr::NonNull;

/// The largest buffer served from size classes; larger ones get a mapping
/// of their own.
pub const MAX_SMALL: usize = 256 << 10;

/// Every buffer is aligned to this (and larger alignments are refused).
pub const BUFFER_ALIGN: usize = 16;

/// Size classes up to [`MAX_SMALL`]: 8 classes of 16-byte steps to 128,
/// then 4 per doubling from 2^7 to 2^18.
const CLASSES: usize = 8 + 4 * 11;

/// Bytes committed at once when the bump pointer passes the committed end.
const COMMIT_CHUNK: usize = 1 << 20;

/// The size class of a request of `size` bytes (`1..=MAX_SMALL`): its index
/// and its cell size.
#[inline]
fn class_of(size: usize) -> (usize, usize) {
    debug_assert!(size > 0 && size <= MAX_SMALL);
    if size <= 128 {
        let index = (size - 1) / 16;
        return (index, (index + 1) * 16);
    }
    // 2^power < size <= 2^(power+1), split into four quarters.
    let power = (usize::BITS - 1 - (size - 1).leading_zeros()) as usize;
    let quarter = 1 << (power - 2);
    let step = (size - 1 - (1 << power)) / quarter;
    (
        8 + (power - 7) * 4 + step,
        (1 << power) + (step + 1) * quarter,
    )
}

/// Size-classed buffers in the heap's own mappings; see the module docs.
pub(crate) struct BufferSpace {
    /// Address space for small buffers, reserved on first use (most heaps
    /// never allocate a container).
    small: OnceCell<Region>,
    /// The bytes of `small` reserved: the heap's capacity.
    reserve: usize,
    /// Offset of the first byte of `small` not yet carved into a cell.
    top: Cell<usize>,
    /// Bytes of `small` committed so far.
    committed: Cell<usize>,
    /// Free-list heads per class (cell addresses; 0 ends a list).
    free: [Cell<usize>; CLASSES],
    /// Buffers above `MAX_SMALL`, by address.
    large: RefCell<HashMap<usize, Region>>,
}

impl BufferSpace {
    /// A space that may carve up to `reserve` bytes of small buffers.
    pub(crate) fn new(reserve: usize) -> BufferSpace {
        BufferSpace {
            small: OnceCell::new(),
            reserve,
            top: Cell::new(0),
            committed: Cell::new(0),
            free: std::array::from_fn(|_| Cell::new(0)),
            large: RefCell::default(),
        }
    }

    /// A buffer of at least `size` bytes aligned to `align`, or `None` if
    /// the alignment is above [`BUFFER_ALIGN`], the reservation is used up
    /// or the system refuses a mapping. Its contents are unspecified.
    pub(crate) fn alloc(&self, size: usize, align: usize) -> Option<NonNull<u8>> {
        if align > BUFFER_ALIGN {
            return None;
        }
        if size > MAX_SMALL {
            return self.alloc_large(size);
        }
        let (class, cell) = class_of(size.max(1));
        let head = self.free[class].get();
        if head != 0 {
            let cell = std::ptr::with_exposed_provenance_mut::<usize>(head);
            // SAFETY: `head` is a free cell of this class (`free` pushed it),
            // at least 16 bytes, 16-aligned, in the committed part of
            // `small`, and holds the next free cell's address.
            self.free[class].set(unsafe { cell.read() });
            return NonNull::new(cell.cast());
        }
        self.carve(cell)
    }

    /// Returns a buffer [`BufferSpace::alloc`] gave for `size` bytes.
    ///
    /// # Safety
    /// - `ptr` came from `alloc` of this space with this `size`, and is not
    ///   used again.
    pub(crate) unsafe fn free(&self, ptr: NonNull<u8>, size: usize) {
        if size > MAX_SMALL {
            let region = self.large.borrow_mut().remove(&ptr.as_ptr().addr());
            debug_assert!(region.is_some(), "freed a large buffer twice");
            return;
        }
        let (class, cell) = class_of(size.max(1));
        if cfg!(debug_assertions) {
            // SAFETY: the caller gives the cell back, so nothing reads it
            // again; it is `cell` bytes of committed memory.
            unsafe { ptr.as_ptr().write_bytes(crate::os::POISON, cell) };
        }
        // SAFETY: as above; a cell is at least 16 bytes and 16-aligned, so
        // its first word can hold the link.
        unsafe { ptr.cast::<usize>().as_ptr().write(self.free[class].get()) };
        self.free[class].set(ptr.as_ptr().addr());
    }

    /// `true` if a buffer of `old` bytes can stand for one of `new` bytes
    /// in place (both take the same size class).
    pub(crate) fn fits_in_place(old: usize, new: usize) -> bool {
        old <= MAX_SMALL && new <= MAX_SMALL && class_of(old.max(1)).1 == class_of(new.max(1)).1
    }

    /// Cuts a fresh cell of `cell` bytes from the top of `small`.
    fn carve(&self, cell: usize) -> Option<NonNull<u8>> {
        let region = match self.small.get() {
            Some(region) => region,
            None => {
                let region = Region::reserve(self.reserve).ok()?;
                region.prefer_huge_pages();
                self.small.get_or_init(|| region)
            }
        };
        let start = self.top.get();
        let end = start.checked_add(cell).filter(|&end| end <= region.len())?;
        if end > self.committed.get() {
            let committed = self.committed.get();
            let grow = (end - committed).next_multiple_of(COMMIT_CHUNK);
            region.commit(committed, grow);
            self.committed.set((committed + grow).min(region.len()));
        }
        self.top.set(end);
        // SAFETY: `start < end <= region.len()`, so the cell lies inside the
        // reservation.
        Some(unsafe { region.start().add(start) })
    }

    fn alloc_large(&self, size: usize) -> Option<NonNull<u8>> {
        let region = Region::reserve(size).ok()?;
        // A large buffer is a growing vector's or map's next storage, about
        // to be filled (copied into, or its control bytes all written):
        // commit it in one call, in huge pages where it spans them.
        region.prefer_huge_pages();
        region.commit(0, size);
        let start = region.start();
        self.large
            .borrow_mut()
            .insert(start.as_ptr().addr(), region);
        Some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_fit_their_requests_with_at_most_a_quarter_lost() {
        let mut last = class_of(1);
        assert_eq!(last, (0, 16));
        for size in 1..=MAX_SMALL {
            let (class, cell) = class_of(size);
            assert!(class < CLASSES, "size {size}: class {class}");
            assert!(cell >= size && cell.is_multiple_of(BUFFER_ALIGN));
            if size > 128 {
                assert!(
                    cell - size < size / 4 + 1,
                    "size {size} in a cell of {cell}"
                );
            }
            // Classes grow with the size, one cell size per class.
            assert!(class >= last.0 && (class != last.0 || cell == last.1));
            last = (class, cell);
        }
        assert_eq!(last, (CLASSES - 1, MAX_SMALL));
    }

    #[test]
    fn a_freed_cell_serves_the_next_request_of_its_class() {
        let space = BufferSpace::new(1 << 20);
        let a = space.alloc(100, 8).unwrap();
        let b = space.alloc(100, 8).unwrap();
        assert_ne!(a, b);
        assert!(a.as_ptr().addr().is_multiple_of(BUFFER_ALIGN));
        // SAFETY: `a` came from `alloc(100)` and is not used again.
        unsafe { space.free(a, 100) };
        assert_eq!(space.alloc(110, 16), Some(a), "100 and 110 share a class");
        assert_ne!(space.alloc(100, 8), Some(a));
    }

    #[test]
    fn large_buffers_have_their_own_mapping() {
        let space = BufferSpace::new(1 << 20);
        let big = space.alloc(4 << 20, 16).unwrap();
        // SAFETY: a fresh mapping of 4 MiB.
        unsafe { big.as_ptr().add((4 << 20) - 1).write(7) };
        assert_eq!(space.large.borrow().len(), 1);
        // SAFETY: `big` came from `alloc(4 MiB)` and is not used again.
        unsafe { space.free(big, 4 << 20) };
        assert!(space.large.borrow().is_empty());
    }

    #[test]
    fn the_reservation_bounds_small_buffers_and_alignment_is_checked() {
        let space = BufferSpace::new(64 << 10);
        let cells = (0..).map_while(|_| space.alloc(1024, 8)).count();
        assert_eq!(cells, 64);
        assert_eq!(space.alloc(16, 32), None);
    }
}
