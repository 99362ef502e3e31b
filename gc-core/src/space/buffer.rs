//! The buffer space: the memory of the object model's containers (the
//! element buffer of a [`GcVec`](crate::model::GcVec), the table of a
//! [`GcMap`](crate::model::GcMap)), which the containers allocate and free
//! themselves, as they would with `malloc`, but from mappings the heap owns.
//!
//! ```text
//!  arena: address space reserved once (not committed), handed out in pages
//!  ┌──────────────┬─────────┬──────────────┬───────────┬──────── ─ ─
//!  │ slab (64 KiB)│ run     │ free run     │ slab      │ never used ...
//!  │ class 32 B   │ 12 KiB  │ (coalesced)  │ class 2 KiB│
//!  └──────────────┴─────────┴──────────────┴───────────┴──────── ─ ─
//!  cells up to 8 KiB: slabs of one size class, each with its own free list
//!  runs of pages: buffers from 8 KiB to 256 KiB
//!  above 256 KiB: one mapping each, unmapped when freed
//! ```
//!
//! A request up to [`MAX_CELL`] takes the smallest size class that fits
//! (16-byte steps to 128 bytes, then four classes per doubling, so at most
//! 25% is lost to rounding) and a cell of a slab of that class; a slab whose
//! last cell is freed goes back to the arena's pages. A request up to
//! [`MAX_RUN`] takes a run of whole pages (best fit); a freed run merges
//! with the free runs beside it. So memory freed by buffers of one size
//! serves buffers of any size. The caller passes the size back on free (the
//! `Allocator` contract), so cells need no header; a page table says which
//! slab a cell belongs to.
//!
//! Resident memory follows use: pages are committed a megabyte at a time
//! as the arena's never-used end is handed out (not ahead of use: an empty
//! reservation commits nothing), and free pages beyond [`RETAIN`] go back
//! to the kernel. A request the arena cannot place (it is twice the
//! capacity, but holes can be too small) and every buffer above
//! [`MAX_RUN`] get a mapping of their own, which the system may refuse (more
//! than the machine can back): the container then reports
//! [`SystemMemory`](crate::GcErrorKind::SystemMemory), with the system's
//! reason ([`BufferSpace::take_refusal`]). A heap drops the space after its
//! objects, unmapping every buffer at once.
//!
//! Owning this memory (rather than calling the global allocator) keeps a
//! heap's buffers inside its capacity, lays out a container's buffers in
//! allocation order like its objects, and makes a heap's teardown one
//! `munmap` instead of one `free` per buffer that the C allocator then hands
//! back to the kernel a page at a time (in the `object_model` benchmark,
//! glibc's trimming refaulted every page of the maps' buffers in each run).

use crate::os::{page_size, Region};
use hashbrown::HashMap;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ptr::NonNull;

/// The largest buffer served as a cell of a slab.
pub const MAX_CELL: usize = 8 << 10;

/// The largest buffer served as a run of the arena's pages; larger ones
/// get a mapping of their own.
pub const MAX_RUN: usize = 256 << 10;

/// Every buffer is aligned to this (and larger alignments are refused).
pub const BUFFER_ALIGN: usize = 16;

/// Bytes of free pages the arena keeps committed (for the next buffers)
/// before it gives them back to the kernel.
pub const RETAIN: usize = 4 << 20;

/// The unit the arena hands out.
const PAGE: usize = 4096;

/// Pages per slab.
const SLAB_PAGES: usize = 16;

/// Never-used pages committed at once when the arena's top passes the
/// committed ones (1 MiB: one system call instead of a fault per page).
const COMMIT_PAGES: usize = 256;

/// Size classes up to [`MAX_CELL`]: 8 classes of 16-byte steps to 128,
/// then 4 per doubling from 2^7 to 2^13.
const CLASSES: usize = 8 + 4 * 6;

/// The end of a slab list.
const NIL: u32 = u32::MAX;

/// The size class of a request of `size` bytes (`1..=MAX_CELL`): its index
/// and its cell size.
#[inline]
fn class_of(size: usize) -> (usize, usize) {
    debug_assert!(size > 0 && size <= MAX_CELL);
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

/// Where a buffer of some size lives, and how much it takes there.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Footprint {
    /// A cell of a slab: its class and cell size.
    Cell(usize, usize),
    /// A run of this many pages.
    Run(usize),
    /// A mapping of its own of this many pages.
    Own(usize),
}

impl Footprint {
    fn of(size: usize) -> Footprint {
        let size = size.max(1);
        if size <= MAX_CELL {
            let (class, cell) = class_of(size);
            Footprint::Cell(class, cell)
        } else if size <= MAX_RUN {
            Footprint::Run(size.div_ceil(PAGE))
        } else {
            Footprint::Own(size.div_ceil(PAGE))
        }
    }

    /// Bytes it takes.
    fn bytes(self) -> usize {
        match self {
            Footprint::Cell(_, cell) => cell,
            Footprint::Run(pages) | Footprint::Own(pages) => pages * PAGE,
        }
    }
}

/// A slab: [`SLAB_PAGES`] pages of cells of one class.
struct Slab {
    /// First page (index in the arena).
    start: usize,
    /// Cell size.
    cell: usize,
    /// Cells handed out and not freed.
    live: usize,
    /// Cells cut from the front so far (the rest was never touched).
    carved: usize,
    /// The first free cell (its first word links the next), 0 for none.
    free: usize,
    /// Neighbours in its class's list of slabs with room.
    prev: u32,
    next: u32,
    /// In that list.
    listed: bool,
}

impl Slab {
    fn cells(&self) -> usize {
        SLAB_PAGES * PAGE / self.cell
    }

    fn is_full(&self) -> bool {
        self.free == 0 && self.carved == self.cells()
    }
}

/// The pages of the reserved address space: free runs (coalesced, best
/// fit) and slabs.
struct Arena {
    region: Region,
    base: usize,
    /// Pages handed out from the start at least once; those past it were
    /// never touched.
    top: usize,
    /// Pages from the start committed when `top` reached them (a hint).
    committed: usize,
    /// Free runs: first page -> (pages, pages that may be committed).
    runs: BTreeMap<usize, (usize, usize)>,
    /// The same runs by (pages, first page), for best fit.
    by_size: BTreeSet<(usize, usize)>,
    /// Pages of free runs that may be committed (the second numbers of `runs`).
    dirty: usize,
    /// Per page below `top`: its slab's index plus one, or 0.
    owner: Vec<u32>,
    slabs: Vec<Slab>,
    /// Indexes of `slabs` whose slab went back to the pages.
    spare: Vec<u32>,
    /// Per class, the first slab with room ([`NIL`] for none).
    partial: [u32; CLASSES],
}

impl Arena {
    fn new(region: Region) -> Arena {
        Arena {
            base: region.start().as_ptr().addr(),
            region,
            top: 0,
            committed: 0,
            runs: BTreeMap::new(),
            by_size: BTreeSet::new(),
            dirty: 0,
            owner: Vec::new(),
            slabs: Vec::new(),
            spare: Vec::new(),
            partial: [NIL; CLASSES],
        }
    }

    fn pages(&self) -> usize {
        self.region.len() / PAGE
    }

    fn insert_run(&mut self, start: usize, pages: usize, dirty: usize) {
        self.runs.insert(start, (pages, dirty));
        self.by_size.insert((pages, start));
        self.dirty += dirty;
    }

    fn remove_run(&mut self, start: usize) -> (usize, usize) {
        let (pages, dirty) = self.runs.remove(&start).expect("a free run");
        self.by_size.remove(&(pages, start));
        self.dirty -= dirty;
        (pages, dirty)
    }

    /// The first of `pages` free pages (the smallest free run that holds
    /// them, else never used ones), or `None` if the arena has no room.
    fn take_pages(&mut self, pages: usize) -> Option<usize> {
        if let Some(&(_, start)) = self.by_size.range((pages, 0)..).next() {
            let (len, dirty) = self.remove_run(start);
            if len > pages {
                self.insert_run(start + pages, len - pages, dirty.min(len - pages));
            }
            return Some(start);
        }
        let start = self.top;
        if pages > self.pages() - start {
            return None;
        }
        self.top += pages;
        self.owner.resize(self.top, 0);
        if self.top > self.committed {
            // About to be written (a slab's first cells, a buffer copied
            // into): commit the next megabyte in one call.
            let grow = (self.top - self.committed).next_multiple_of(COMMIT_PAGES);
            self.region.commit(self.committed * PAGE, grow * PAGE);
            self.committed += grow;
        }
        Some(start)
    }

    /// Gives back `pages` pages from `start`, merged with the free runs
    /// beside them; past [`RETAIN`] bytes of free committed pages, returns
    /// them all to the kernel.
    fn free_pages(&mut self, mut start: usize, mut pages: usize) {
        let mut dirty = pages;
        if let Some((&before, &(len, _))) = self.runs.range(..start).next_back() {
            if before + len == start {
                let (len, was) = self.remove_run(before);
                (start, pages, dirty) = (before, pages + len, dirty + was);
            }
        }
        if self.runs.contains_key(&(start + pages)) {
            let (len, was) = self.remove_run(start + pages);
            (pages, dirty) = (pages + len, dirty + was);
        }
        self.insert_run(start, pages, dirty);
        if self.dirty * PAGE > RETAIN {
            self.trim();
        }
    }

    /// Returns the pages of every free run to the kernel.
    fn trim(&mut self) {
        for (&start, (pages, dirty)) in &mut self.runs {
            if *dirty > 0 {
                // SAFETY: a free run holds no buffer; both ends are page
                // multiples inside the region.
                unsafe { self.region.release(start * PAGE, *pages * PAGE) };
                *dirty = 0;
            }
        }
        self.dirty = 0;
    }

    fn link(&mut self, class: usize, id: u32) {
        let head = self.partial[class];
        let slab = &mut self.slabs[id as usize];
        (slab.prev, slab.next, slab.listed) = (NIL, head, true);
        if head != NIL {
            self.slabs[head as usize].prev = id;
        }
        self.partial[class] = id;
    }

    fn unlink(&mut self, class: usize, id: u32) {
        let slab = &mut self.slabs[id as usize];
        let (prev, next) = (slab.prev, slab.next);
        slab.listed = false;
        match prev {
            NIL => self.partial[class] = next,
            prev => self.slabs[prev as usize].next = next,
        }
        if next != NIL {
            self.slabs[next as usize].prev = prev;
        }
    }

    /// A cell of `class` (cells of `cell` bytes), or `None` if the arena
    /// has no room for a new slab.
    fn alloc_cell(&mut self, class: usize, cell: usize) -> Option<usize> {
        let mut id = self.partial[class];
        if id == NIL {
            id = self.new_slab(class, cell)?;
        }
        let base = self.base;
        let slab = &mut self.slabs[id as usize];
        let addr = if slab.free != 0 {
            let addr = slab.free;
            // SAFETY: a free cell of this slab, committed memory that holds
            // the next free cell's address in its first word.
            slab.free = unsafe { std::ptr::with_exposed_provenance::<usize>(addr).read() };
            addr
        } else {
            slab.carved += 1;
            base + slab.start * PAGE + (slab.carved - 1) * cell
        };
        slab.live += 1;
        if slab.is_full() {
            self.unlink(class, id);
        }
        Some(addr)
    }

    /// A slab of `class` with every cell free, listed; its index.
    fn new_slab(&mut self, class: usize, cell: usize) -> Option<u32> {
        let start = self.take_pages(SLAB_PAGES)?;
        let slab = Slab {
            start,
            cell,
            live: 0,
            carved: 0,
            free: 0,
            prev: NIL,
            next: NIL,
            listed: false,
        };
        let id = match self.spare.pop() {
            Some(id) => {
                self.slabs[id as usize] = slab;
                id
            }
            None => {
                self.slabs.push(slab);
                (self.slabs.len() - 1) as u32
            }
        };
        self.owner[start..start + SLAB_PAGES].fill(id + 1);
        self.link(class, id);
        Some(id)
    }

    /// Takes back the cell at `addr` of class `class` (`cell` bytes).
    ///
    /// # Safety
    /// - `addr` is a cell of this arena handed out for `class` and not
    ///   freed since.
    unsafe fn free_cell(&mut self, addr: usize, class: usize, cell: usize) {
        let page = (addr - self.base) / PAGE;
        let id = self.owner[page] - 1;
        let slab = &mut self.slabs[id as usize];
        debug_assert_eq!(slab.cell, cell, "a cell of another class");
        // SAFETY: the caller gives the cell back, so nothing reads it again;
        // it is at least 16 bytes and 16-aligned, committed memory.
        unsafe { std::ptr::with_exposed_provenance_mut::<usize>(addr).write(slab.free) };
        slab.free = addr;
        slab.live -= 1;
        let (live, listed, start) = (slab.live, slab.listed, slab.start);
        // The only slab of its class with room stays, empty or not, so that
        // a class whose last cell comes and goes does not take pages and
        // give them back each time (at most one empty slab per class).
        let sole = listed && slab.next == NIL && self.partial[class] == id;
        if live == 0 && !sole {
            if listed {
                self.unlink(class, id);
            }
            self.owner[start..start + SLAB_PAGES].fill(0);
            self.spare.push(id);
            self.free_pages(start, SLAB_PAGES);
        } else if !listed {
            self.link(class, id);
        }
    }
}

/// Buffers in the heap's own mappings; see the module docs.
pub(crate) struct BufferSpace {
    /// The arena for cells and runs, reserved on first use (most heaps
    /// never allocate a container).
    arena: RefCell<Option<Arena>>,
    /// Bytes of address space the arena reserves.
    reserve: usize,
    /// Buffers in a mapping of their own, by address.
    own: RefCell<HashMap<usize, Region>>,
    /// Why the system last refused a mapping, until the container that
    /// asked reports it.
    refusal: RefCell<Option<(usize, String)>>,
}

impl BufferSpace {
    /// A space for a heap of `capacity` bytes.
    pub(crate) fn new(capacity: usize) -> BufferSpace {
        BufferSpace {
            arena: RefCell::new(None),
            // Twice the capacity (address space only), so that holes left
            // by long-lived buffers rarely push a request out of the arena.
            reserve: capacity
                .saturating_mul(2)
                .next_multiple_of(SLAB_PAGES * PAGE),
            own: RefCell::default(),
            refusal: RefCell::new(None),
        }
    }

    /// A buffer of at least `size` bytes aligned to `align`, or `None` if
    /// the alignment is above [`BUFFER_ALIGN`] or the system refused a
    /// mapping (its reason is kept for [`BufferSpace::take_refusal`]). Its
    /// contents are unspecified.
    pub(crate) fn alloc(&self, size: usize, align: usize) -> Option<NonNull<u8>> {
        debug_assert_eq!(PAGE, page_size());
        if align > BUFFER_ALIGN {
            return None;
        }
        let footprint = Footprint::of(size);
        let placed = match footprint {
            Footprint::Cell(class, cell) => self.with_arena(|a| a.alloc_cell(class, cell)),
            Footprint::Run(pages) => self.with_arena(|a| {
                let start = a.take_pages(pages)?;
                Some(a.base + start * PAGE)
            }),
            Footprint::Own(_) => None,
        };
        match placed {
            Some(addr) => NonNull::new(std::ptr::with_exposed_provenance_mut(addr)),
            None => self.alloc_own(footprint.bytes()),
        }
    }

    /// Runs `f` on the arena, reserving it first; `None` if it cannot be.
    fn with_arena(&self, f: impl FnOnce(&mut Arena) -> Option<usize>) -> Option<usize> {
        let mut arena = self.arena.borrow_mut();
        if arena.is_none() {
            let region = Region::reserve_address_space(self.reserve).ok()?;
            region.prefer_huge_pages();
            *arena = Some(Arena::new(region));
        }
        f(arena.as_mut()?)
    }

    /// A mapping of `bytes` of its own, committed as it is written.
    fn alloc_own(&self, bytes: usize) -> Option<NonNull<u8>> {
        let region = match Region::reserve(bytes) {
            Ok(region) => region,
            Err(error) => {
                *self.refusal.borrow_mut() = Some((bytes, error.to_string()));
                return None;
            }
        };
        if bytes >= 2 << 20 {
            region.prefer_huge_pages();
        }
        let start = region.start();
        self.own.borrow_mut().insert(start.as_ptr().addr(), region);
        Some(start)
    }

    /// Commits the first `len` bytes of the buffer at `ptr` in one call
    /// (see [`Region::commit`]) when they are many (64 KiB or more): the
    /// caller is about to write them (a buffer's contents copied into its
    /// larger successor), so this spares a page fault per page. A hint.
    pub(crate) fn prefault(&self, ptr: NonNull<u8>, len: usize) {
        if len < SLAB_PAGES * PAGE {
            return;
        }
        let addr = ptr.as_ptr().addr();
        if let Some(arena) = self.arena.borrow().as_ref() {
            if arena.region.contains(addr) {
                arena.region.commit(addr - arena.base, len);
                return;
            }
        }
        if let Some(region) = self.own.borrow().get(&addr) {
            region.commit(0, len);
        }
    }

    /// The bytes the system refused and its reason, if the last failed
    /// [`BufferSpace::alloc`] failed that way (cleared by the call).
    pub(crate) fn take_refusal(&self) -> Option<(usize, String)> {
        self.refusal.borrow_mut().take()
    }

    /// Returns a buffer [`BufferSpace::alloc`] gave for `size` bytes.
    ///
    /// # Safety
    /// - `ptr` came from `alloc` of this space for a size with the same
    ///   footprint as `size` ([`BufferSpace::fits_in_place`]), and is not
    ///   used again.
    pub(crate) unsafe fn free(&self, ptr: NonNull<u8>, size: usize) {
        let addr = ptr.as_ptr().addr();
        let mut arena = self.arena.borrow_mut();
        let Some(arena) = arena.as_mut().filter(|a| a.region.contains(addr)) else {
            let region = self.own.borrow_mut().remove(&addr);
            debug_assert!(region.is_some(), "freed a buffer twice");
            return;
        };
        match Footprint::of(size) {
            Footprint::Cell(class, cell) => {
                if cfg!(debug_assertions) {
                    // SAFETY: the caller gives the cell back, so nothing
                    // reads it again; it is `cell` bytes of committed memory.
                    unsafe { ptr.as_ptr().write_bytes(crate::os::POISON, cell) };
                }
                // SAFETY: a cell of the arena for this class (caller).
                unsafe { arena.free_cell(addr, class, cell) };
            }
            Footprint::Run(pages) => arena.free_pages((addr - arena.base) / PAGE, pages),
            Footprint::Own(_) => unreachable!("a buffer above MAX_RUN in the arena"),
        }
    }

    /// `true` if a buffer of `old` bytes can stand for one of `new` bytes
    /// in place (both take the same cell class, or the same pages).
    pub(crate) fn fits_in_place(old: usize, new: usize) -> bool {
        Footprint::of(old) == Footprint::of(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_fit_their_requests_with_at_most_a_quarter_lost() {
        let mut last = class_of(1);
        assert_eq!(last, (0, 16));
        for size in 1..=MAX_CELL {
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
        assert_eq!(last, (CLASSES - 1, MAX_CELL));
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
        assert_eq!(space.own.borrow().len(), 1);
        // SAFETY: `big` came from `alloc(4 MiB)` and is not used again.
        unsafe { space.free(big, 4 << 20) };
        assert!(space.own.borrow().is_empty());
    }

    #[test]
    fn alignment_is_checked() {
        let space = BufferSpace::new(64 << 10);
        assert_eq!(space.alloc(16, 32), None);
        assert_eq!(space.take_refusal(), None, "not the system's refusal");
    }

    /// Every cell of every slab, freed, makes the pages whole again: a run
    /// as large as all of them (but the one slab a class keeps) takes their
    /// place.
    #[test]
    fn freed_slabs_coalesce_into_runs_of_any_size() {
        let space = BufferSpace::new(1 << 20);
        let cells: Vec<_> = (0..4 * 4096)
            .map(|_| space.alloc(16, 16).unwrap())
            .collect();
        let first = cells.iter().map(|c| c.as_ptr().addr()).min().unwrap();
        for cell in cells {
            // SAFETY: from `alloc(16)`, not used again.
            unsafe { space.free(cell, 16) };
        }
        // The first slab stays for its class (the only one with room); the
        // other three went back to the pages, merged into one run.
        let slab = SLAB_PAGES * PAGE;
        let run = space.alloc(3 * slab, 16).unwrap();
        assert_eq!(
            run.as_ptr().addr(),
            first + slab,
            "the freed slabs' pages, merged"
        );
        let cell = space.alloc(16, 16).unwrap().as_ptr().addr();
        assert!(
            (first..first + slab).contains(&cell),
            "a cell of the kept slab"
        );
        assert!(space.own.borrow().is_empty());
    }

    /// A request the arena cannot place gets a mapping of its own; one the
    /// system refuses leaves its reason.
    #[test]
    fn requests_beyond_the_arena_or_the_machine() {
        let space = BufferSpace::new(1 << 20);
        let runs: Vec<_> = (0..8).map(|_| space.alloc(MAX_RUN, 16).unwrap()).collect();
        assert_eq!(
            space.own.borrow().len(),
            0,
            "2 MiB of arena: 8 runs of 256 KiB"
        );
        let beyond = space.alloc(MAX_RUN, 16).unwrap();
        assert_eq!(space.own.borrow().len(), 1, "the ninth in its own mapping");
        // SAFETY: from `alloc(MAX_RUN)`, not used again.
        unsafe { space.free(beyond, MAX_RUN) };
        for run in runs {
            // SAFETY: from `alloc(MAX_RUN)`, not used again.
            unsafe { space.free(run, MAX_RUN) };
        }
        assert_eq!(space.alloc(1 << 62, 16), None, "no machine backs 4 EiB");
        let (bytes, reason) = space.take_refusal().expect("the system's reason");
        assert_eq!(bytes, 1 << 62);
        assert!(!reason.is_empty());
    }

    /// Freed pages past [`RETAIN`] go back to the kernel.
    #[test]
    fn free_pages_past_the_retained_amount_are_released() {
        let space = BufferSpace::new(64 << 20);
        let runs: Vec<_> = (0..64).map(|_| space.alloc(MAX_RUN, 16).unwrap()).collect();
        for run in runs {
            // SAFETY: fresh, writable, `MAX_RUN` bytes; then freed, not used again.
            unsafe {
                run.as_ptr().write_bytes(1, MAX_RUN);
                space.free(run, MAX_RUN);
            }
        }
        let arena = space.arena.borrow();
        let arena = arena.as_ref().unwrap();
        assert!(arena.dirty * PAGE <= RETAIN, "{} dirty pages", arena.dirty);
        assert_eq!(arena.runs.len(), 1, "one run: {:?}", arena.runs);
    }
}
