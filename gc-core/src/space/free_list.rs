//! The free-list space of the non-moving backends (mark-sweep and reference
//! counting): small objects in size-class blocks, large ones in a
//! [`LargeObjectSpace`].
//!
//! ```text
//!  region (reserved once, `capacity` bytes)
//!  ┌──────────────┬──────────────┬──────────────┬─────────── ─ ─
//!  │ block 0      │ block 1      │ block 2      │ fresh ...
//!  │ class 32 B   │ class 128 B  │ (empty pool) │
//!  │[c][c][c][c]..│[ c ][ c ]... │              │
//!  └──────────────┴──────────────┴──────────────┴─────────── ─ ─
//!  alloc bitmap, mark bitmap: one bit per 16-byte granule of the region
//!  free[class] ──► cell ──► cell ──► 0   (next pointer in a free cell's first word)
//! ```
//!
//! A block holds cells of one size class. A cell is *allocated* when its bit
//! in the alloc bitmap is set; otherwise it is on its class's free list.
//!
//! ## Lazy sweeping
//!
//! After marking, [`FreeListSpace::sweep_lazily`] only recounts the live
//! objects of each block from its mark bits and queues the block as
//! *unswept* for its class; the free lists start empty. An allocation whose
//! class has no free cell sweeps the class's next unswept block (finalising
//! its dead objects and threading its free cells) before it takes an empty
//! or fresh block. [`FreeListSpace::sweep`] does the same for every block at
//! once (an eager sweep). Until a block is swept its dead objects keep their
//! alloc bits (so [`FreeListSpace::for_each_object`] and
//! [`FreeListSpace::is_object`] still see them, and teardown finalises
//! them), but [`FreeListSpace::bytes`] and [`FreeListSpace::objects`]
//! already leave them out: they count the marked objects of unswept blocks
//! plus everything allocated since. [`FreeListSpace::clear_marks`] finishes
//! sweeping every queued block before it clears the marks, so no block is
//! ever swept with another cycle's marks.
//!
//! ## Black allocation
//!
//! While an incremental collector marks, what is allocated must count as
//! marked. [`FreeListSpace::allocate_black`] parks every free list; from
//! then on a class's allocation finds its free list empty after each batch
//! of cells, and the refill (off the fast path) hands out the next batch
//! from the parked list with their mark bits set first. So the fast path
//! is the same in both modes, and a marked cell may be free: the sweep and
//! the counters look at cells both allocated and marked. The next
//! [`FreeListSpace::sweep_lazily`] ends black allocation.

use crate::config::{Growth, HeapConfig};
use crate::error::GcError;
use crate::finalize::Finalizer;
use crate::object::{ObjectRef, TypeInfo, OBJECT_ALIGN};
use crate::os::Region;
use crate::space::bitmap::Bitmap;
use crate::space::fragmentation::Fragmentation;
use crate::space::large::{LargeObjectSpace, LARGE_OBJECT_THRESHOLD};
use std::ptr::NonNull;

/// Bytes per block.
pub const BLOCK_SIZE: usize = 64 << 10;

/// Cell sizes, in bytes; objects up to [`LARGE_OBJECT_THRESHOLD`] take the
/// smallest class that fits (at most 25% internal fragmentation above
/// 128 B). Four classes per doubling, and one for each power-of-two payload
/// of 128 B to 4 KiB with its 16-byte header (`2^k + 16`): such objects
/// are common (`[u8; 1024]`, a table of 256 words) and would otherwise lose
/// up to 23% (a 1,040-byte object in a 1,280-byte cell).
pub const SIZE_CLASSES: [usize; 38] = [
    16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 272, 320, 384, 448, 512, 528, 640,
    768, 896, 1024, 1040, 1280, 1536, 1792, 2048, 2064, 2560, 3072, 3584, 4096, 4112, 5120, 6144,
    7168, 8192,
];

const GRANULES: usize = LARGE_OBJECT_THRESHOLD / OBJECT_ALIGN;
const UNUSED: u8 = u8::MAX;

/// Cells a refill hands out at once during black allocation (each
/// marked first): the fast path takes the refill once per batch.
const BLACK_BATCH: usize = 128;

/// Alloc/mark bitmap words per block.
const BLOCK_WORDS: usize = BLOCK_SIZE / OBJECT_ALIGN / 64;

/// For each class and each bitmap word of a block, the bits of the granules
/// where one of the block's cells starts (a sweep works a word at a time).
static CELL_STARTS: [[u64; BLOCK_WORDS]; SIZE_CLASSES.len()] = {
    let mut table = [[0u64; BLOCK_WORDS]; SIZE_CLASSES.len()];
    let mut class = 0;
    while class < SIZE_CLASSES.len() {
        let cell = SIZE_CLASSES[class];
        let mut i = 0;
        while i < BLOCK_SIZE / cell {
            let bit = i * cell / OBJECT_ALIGN;
            table[class][bit / 64] |= 1 << (bit % 64);
            i += 1;
        }
        class += 1;
    }
    table
};

/// Size class for each object size in granules. A `const`, not a
/// `static`: an object of a size known at compile time gets its class and
/// cell size folded in, and a lookup by a size known only at run time is a
/// load the compiler knows no store changes.
const CLASS_OF: [u8; GRANULES + 1] = {
    let mut table = [0u8; GRANULES + 1];
    let mut granules = 0;
    let mut class = 0;
    while granules <= GRANULES {
        while SIZE_CLASSES[class] < granules * OBJECT_ALIGN {
            class += 1;
        }
        table[granules] = class as u8;
        granules += 1;
    }
    table
};

/// Size-class blocks with free lists, side bitmaps, and a large-object space.
pub struct FreeListSpace {
    region: Region,
    base: usize,
    /// Size class of each block touched so far (`UNUSED` when in the empty pool).
    block_class: Vec<u8>,
    /// Per block: some object allocated in it since it was last empty has
    /// drop glue. A sweep finalises the dead objects of such blocks only
    /// (finalising one without drop glue does nothing but read its header).
    may_drop: Vec<bool>,
    /// Blocks swept empty, ready for any class, their pages still committed.
    empty: Vec<usize>,
    /// Blocks swept empty whose pages went back to the kernel (they fault
    /// in again on reuse); taken only when `empty` runs out.
    released: Vec<usize>,
    /// The heap's growth policy: empty blocks worth its headroom stay
    /// committed after a sweep (see `FreeListSpace::trim_empty`).
    growth: Growth,
    /// Blocks holding a class.
    blocks_in_use: usize,
    /// Free-list heads per class; 0 is the end of a list.
    free: [usize; SIZE_CLASSES.len()],
    /// Blocks per class marked but not yet swept (see the module docs).
    unswept: [Vec<usize>; SIZE_CLASSES.len()],
    /// Allocation is black (see the module docs): cells are marked before
    /// they are handed out, a batch at a time.
    black: bool,
    /// While allocation is black: per class, the free cells not handed out
    /// yet (a list threaded as `free` is); `free` holds one batch.
    parked: [usize; SIZE_CLASSES.len()],
    alloc_bits: Bitmap,
    mark_bits: Bitmap,
    large: LargeObjectSpace,
    capacity: usize,
    small_bytes: usize,
    small_objects: usize,
    /// Runs dead objects' destructors; keeps a destructor's panic until the
    /// space is consistent again (see [`FreeListSpace::finalizer`]).
    finalizer: Finalizer,
    /// `HeapConfig::poison_freed`: fill each freed small cell with
    /// [`POISON`] once its object is finalised.
    poison_freed: bool,
}

/// The byte `HeapConfig::poison_freed` fills freed cells with (as the
/// copying collector's debug builds fill a discarded semispace): a stale
/// reference then reads `0xdbdb...` words.
pub const POISON: u8 = 0xdb;

impl FreeListSpace {
    /// Reserves `capacity` bytes of address space, for a heap with the
    /// default growth policy.
    pub fn new(capacity: usize) -> Result<FreeListSpace, GcError> {
        FreeListSpace::for_heap(&HeapConfig {
            capacity,
            ..HeapConfig::default()
        })
    }

    /// The space of a heap built with `config`: its capacity, and empty
    /// blocks retained for what its growth policy lets the program allocate
    /// between collections.
    pub fn for_heap(config: &HeapConfig) -> Result<FreeListSpace, GcError> {
        let capacity = config.capacity;
        let region = Region::reserve(capacity.next_multiple_of(BLOCK_SIZE))?;
        // Blocks are taken in address order and filled densely; releasing
        // an empty block splits its huge page, which is correct, only slower.
        // A heap that marks incrementally, for short pauses, asks for none:
        // the first touch of a huge page may wait for the kernel to compact
        // memory (with `defrag` at `madvise`), a pause of milliseconds in
        // whichever allocation takes a fresh block (the latency example:
        // 27 ms of CPU in one push with them, under 2 ms without); its
        // 4 KiB pages are committed a block (16 pages) at a time.
        if !config.marking.is_incremental() {
            region.prefer_huge_pages();
        }
        let base = region.start().as_ptr() as usize;
        Ok(FreeListSpace {
            alloc_bits: Bitmap::new(base, region.len())?,
            mark_bits: Bitmap::new(base, region.len())?,
            region,
            base,
            block_class: Vec::new(),
            may_drop: Vec::new(),
            empty: Vec::new(),
            released: Vec::new(),
            growth: config.growth(),
            blocks_in_use: 0,
            free: [0; SIZE_CLASSES.len()],
            unswept: std::array::from_fn(|_| Vec::new()),
            black: false,
            parked: [0; SIZE_CLASSES.len()],
            large: LargeObjectSpace::default(),
            capacity,
            small_bytes: 0,
            small_objects: 0,
            finalizer: Finalizer::new(),
            poison_freed: config.poison_freed,
        })
    }

    /// The bytes an object of `size` bytes takes here, as
    /// [`FreeListSpace::usage`] counts them: its size class's cell, or
    /// `size` itself for a large object.
    ///
    /// ```
    /// use gc_core::space::FreeListSpace;
    /// assert_eq!(FreeListSpace::footprint(32), 32);
    /// assert_eq!(FreeListSpace::footprint(1040), 1040); // a 1 KiB payload
    /// assert_eq!(FreeListSpace::footprint(1056), 1280);
    /// assert_eq!(FreeListSpace::footprint(1 << 20), 1 << 20);
    /// ```
    #[inline(always)]
    pub fn footprint(size: usize) -> usize {
        if size > LARGE_OBJECT_THRESHOLD {
            return size;
        }
        SIZE_CLASSES[CLASS_OF[size / OBJECT_ALIGN] as usize]
    }

    /// Allocates an object of type `info`, `size` bytes, with backend word
    /// `meta`, or returns `None` when the space is full.
    ///
    /// # Panics
    /// With the first panic of a destructor that a lazy sweep ran to make
    /// room (see the module docs); the space is consistent by then, and
    /// nothing was allocated.
    ///
    /// # Safety
    /// - `size` is the object's size, as for
    ///   [`Collector::alloc`](crate::Collector::alloc).
    /// - The caller initialises the payload with a valid value of `info`'s
    ///   type before it calls any other method of the space.
    #[inline(always)]
    pub unsafe fn alloc(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
        meta: usize,
    ) -> Option<ObjectRef> {
        if size > LARGE_OBJECT_THRESHOLD {
            // SAFETY: forwarded to the caller.
            return unsafe { self.alloc_large(info, size, meta) };
        }
        let class = CLASS_OF[size / OBJECT_ALIGN] as usize;
        let mut cell = self.free[class];
        if cell == 0 {
            cell = self.refill(class)?;
        }
        // SAFETY: `cell` is on a free list, so its first word holds the next
        // free cell of the class.
        self.free[class] = unsafe { *(cell as *const usize) };
        self.alloc_bits.set(cell);
        if info.drop.is_some() {
            self.may_drop[(cell - self.base) / BLOCK_SIZE] = true;
        }
        self.small_bytes += SIZE_CLASSES[class];
        self.small_objects += 1;
        // SAFETY: a free cell of at least `size` bytes, 16-aligned, unused.
        Some(unsafe { ObjectRef::init(NonNull::new_unchecked(cell as *mut u8), info, meta) })
    }

    /// # Safety
    /// - As [`FreeListSpace::alloc`].
    #[cold]
    unsafe fn alloc_large(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
        meta: usize,
    ) -> Option<ObjectRef> {
        let limit = self.capacity - self.blocks_in_use * BLOCK_SIZE;
        // SAFETY: forwarded to the caller.
        if let Some(obj) = unsafe { self.large.alloc(info, size, meta, limit) } {
            if self.black {
                self.large.mark(obj);
            }
            return Some(obj);
        }
        // Blocks still unswept may hold nothing live: sweep them and retry.
        let swept = self.finish_sweep();
        // The sweep is done: a destructor's panic reaches this allocation.
        self.finalizer.resume();
        if !swept {
            return None;
        }
        let limit = self.capacity - self.blocks_in_use * BLOCK_SIZE;
        // SAFETY: forwarded to the caller.
        let obj = unsafe { self.large.alloc(info, size, meta, limit) }?;
        if self.black {
            self.large.mark(obj);
        }
        Some(obj)
    }

    /// Refills `class`'s free list and returns its first free cell (see
    /// [`FreeListSpace::sweep_or_take_block`]). A destructor's panic from
    /// the sweeping resumes here, once the free list is threaded (the cell
    /// stays on it).
    #[cold]
    #[inline(never)]
    fn refill(&mut self, class: usize) -> Option<usize> {
        let cell = match self.black {
            false => self.sweep_or_take_block(class),
            true => self.black_batch(class),
        };
        self.finalizer.resume();
        cell
    }

    /// While allocation is black: moves the next batch of the class's
    /// parked cells (taking a block first if none is parked) onto its free
    /// list, each marked, and returns the first.
    fn black_batch(&mut self, class: usize) -> Option<usize> {
        if self.parked[class] == 0 {
            self.sweep_or_take_block(class)?;
            self.parked[class] = std::mem::take(&mut self.free[class]);
        }
        let first = self.parked[class];
        let mut cell = first;
        for _ in 1..BLACK_BATCH {
            self.mark_bits.set(cell);
            // SAFETY: a parked cell is free, its first word the next one.
            let next = unsafe { *(cell as *const usize) };
            if next == 0 {
                break;
            }
            cell = next;
        }
        self.mark_bits.set(cell);
        // SAFETY: as above; the batch ends at `cell`, the rest stays parked.
        self.parked[class] = unsafe { std::mem::replace(&mut *(cell as *mut usize), 0) };
        self.free[class] = first;
        Some(first)
    }

    /// Makes allocation black until the next [`FreeListSpace::sweep_lazily`]
    /// (or [`FreeListSpace::sweep`]): every object allocated from now on is
    /// marked, for a collector that marks while the program allocates. It
    /// costs the allocation fast path nothing (see the module docs).
    ///
    /// ```
    /// use gc_core::object::TypeInfo;
    /// use gc_core::space::FreeListSpace;
    ///
    /// let mut space = FreeListSpace::new(gc_core::MIN_CAPACITY)?;
    /// space.clear_marks();
    /// space.allocate_black();
    /// let info = TypeInfo::of::<u64>();
    /// // SAFETY: the payload is written before the space is used again.
    /// let obj = unsafe { space.alloc(info, info.object_size(), 0) }.unwrap();
    /// unsafe { obj.payload().cast::<u64>().as_ptr().write(7) };
    /// assert!(space.is_marked(obj));
    /// # Ok::<(), gc_core::GcError>(())
    /// ```
    pub fn allocate_black(&mut self) {
        if self.black {
            return;
        }
        self.black = true;
        self.parked = std::mem::replace(&mut self.free, [0; SIZE_CLASSES.len()]);
    }

    /// Sweeps the class's unswept blocks until one has a free cell, else
    /// gives the class a block (from the empty pool or fresh, after
    /// sweeping every other class's unswept blocks if there is none), and
    /// returns the first free cell. Returns `None` if the capacity is used up.
    fn sweep_or_take_block(&mut self, class: usize) -> Option<usize> {
        while let Some(block) = self.unswept[class].pop() {
            self.sweep_block(block, class, true);
            if self.free[class] != 0 {
                return Some(self.free[class]);
            }
        }
        let block = match self.take_block() {
            Some(block) => block,
            None if self.finish_sweep() => self.take_block()?,
            None => return None,
        };
        self.block_class[block] = class as u8;
        self.blocks_in_use += 1;
        let cell = SIZE_CLASSES[class];
        let start = self.block_start(block);
        for i in (0..BLOCK_SIZE / cell).rev() {
            // SAFETY: the block is ours and unused; its cells are in bounds.
            unsafe { self.push_free(class, start + i * cell) };
        }
        Some(self.free[class])
    }

    /// An empty or fresh block, or `None` if the capacity is used up.
    fn take_block(&mut self) -> Option<usize> {
        if (self.blocks_in_use + 1) * BLOCK_SIZE + self.large.bytes() > self.capacity {
            return None;
        }
        if let Some(block) = self.empty.pop() {
            return Some(block);
        }
        // A released or fresh block: its pages are about to be written
        // (threading the free list), so commit them in one call.
        let block = match self.released.pop() {
            Some(block) => block,
            None if self.block_class.len() * BLOCK_SIZE < self.region.len() => {
                self.block_class.push(UNUSED);
                self.may_drop.push(false);
                self.block_class.len() - 1
            }
            None => return None,
        };
        self.region.commit(block * BLOCK_SIZE, BLOCK_SIZE);
        Some(block)
    }

    /// # Safety
    /// - `cell` is an unallocated cell of a block of class `class`.
    #[inline(always)]
    unsafe fn push_free(&mut self, class: usize, cell: usize) {
        // SAFETY: the cell is free memory inside the region, at least 16 bytes.
        unsafe { *(cell as *mut usize) = self.free[class] };
        self.free[class] = cell;
    }

    fn block_start(&self, block: usize) -> usize {
        self.base + block * BLOCK_SIZE
    }

    /// Finalises `obj` and returns its memory to the free lists (reference
    /// counting frees objects one at a time). A destructor's panic is kept
    /// in the space's [`finalizer`](FreeListSpace::finalizer): the caller
    /// resumes it once its own bookkeeping is consistent.
    ///
    /// # Safety
    /// - `obj` is an unreachable object of this space, not yet finalised.
    #[inline(always)]
    pub unsafe fn free(&mut self, obj: ObjectRef) {
        if !self.region.contains(obj.addr()) {
            // SAFETY: an unreachable large object not yet finalised (caller).
            unsafe { self.large.free(obj, &mut self.finalizer) };
            return;
        }
        let class = self.class_of_cell(obj.addr());
        self.release_cell(obj.addr(), class);
        // SAFETY: live, unreachable and not yet finalised (caller); its cell
        // is off the books first, so nothing finalises it again.
        unsafe { self.finalizer.finalize(obj) };
        self.poison(obj.addr(), class);
        // SAFETY: the cell is now unallocated and of class `class`.
        unsafe { self.push_free(class, obj.addr()) };
    }

    fn class_of_cell(&self, addr: usize) -> usize {
        self.block_class[(addr - self.base) / BLOCK_SIZE] as usize
    }

    fn release_cell(&mut self, addr: usize, class: usize) {
        self.alloc_bits.clear(addr);
        self.small_bytes -= SIZE_CLASSES[class];
        self.small_objects -= 1;
    }

    /// Clears every mark, before a marking phase. Sweeps the blocks a lazy
    /// sweep left unswept first, while their marks are still those of the
    /// collection that queued them (destructor panics are kept in the
    /// [`finalizer`](FreeListSpace::finalizer)).
    pub fn clear_marks(&mut self) {
        self.finish_sweep();
        let used = self.block_class.len() * BLOCK_SIZE;
        self.mark_bits.clear_range(self.base, used);
        self.large.clear_marks();
    }

    /// Marks `obj`; returns `true` if it was unmarked.
    #[inline(always)]
    pub fn mark(&mut self, obj: ObjectRef) -> bool {
        if self.region.contains(obj.addr()) {
            self.mark_bits.set(obj.addr())
        } else {
            self.large.mark(obj)
        }
    }

    /// A view of the marks that several threads can set at once, for
    /// parallel marking (while it lives, the space cannot allocate or sweep).
    pub fn shared_marks(&self) -> SharedMarks<'_> {
        SharedMarks {
            region: self.base..self.base + self.region.len(),
            bits: &self.mark_bits,
            large: &self.large,
        }
    }

    /// `true` if `obj` is marked.
    pub fn is_marked(&self, obj: ObjectRef) -> bool {
        if self.region.contains(obj.addr()) {
            self.mark_bits.get(obj.addr())
        } else {
            self.large.is_marked(obj)
        }
    }

    /// Finalises and frees every allocated, unmarked object; rebuilds the
    /// free lists; returns emptied blocks to the pool (an eager sweep: every
    /// destructor has run when it returns). Returns the number of objects
    /// freed. Destructor panics are kept in the space's
    /// [`finalizer`](FreeListSpace::finalizer) for the caller to resume.
    ///
    /// # Safety
    /// - Since the last [`FreeListSpace::clear_marks`], every object still
    ///   reachable has been marked, and only allocated objects have.
    pub unsafe fn sweep(&mut self) -> usize {
        // SAFETY: forwarded to the caller.
        let freed = unsafe { self.sweep_lazily() };
        self.finish_sweep();
        freed
    }

    /// Starts a lazy sweep after marking (see the module docs): sweeps the
    /// large objects, recounts the small ones from the mark bits, and queues
    /// every block in use as unswept. Returns the number of objects freed
    /// (small ones are finalised later, as their blocks are swept).
    ///
    /// # Safety
    /// - As [`FreeListSpace::sweep`].
    pub unsafe fn sweep_lazily(&mut self) -> usize {
        // The parked cells are free: the sweep threads them again.
        self.black = false;
        self.parked = [0; SIZE_CLASSES.len()];
        self.free = [0; SIZE_CLASSES.len()];
        let before = self.small_objects;
        self.small_bytes = 0;
        self.small_objects = 0;
        for block in (0..self.block_class.len()).rev() {
            let class = self.block_class[block];
            if class == UNUSED {
                continue;
            }
            // A free cell may be marked (black allocation).
            let live =
                self.mark_bits
                    .count_both(&self.alloc_bits, self.block_start(block), BLOCK_SIZE);
            self.small_bytes += live * SIZE_CLASSES[class as usize];
            self.small_objects += live;
            self.unswept[class as usize].push(block);
        }
        self.trim_empty();
        // SAFETY: every reachable large object is marked (caller).
        before - self.small_objects + unsafe { self.large.sweep(&mut self.finalizer) }
    }

    /// Sweeps at most `blocks` of the blocks still queued by
    /// [`FreeListSpace::sweep_lazily`] (a bounded step of an incremental
    /// collector, before it clears the marks); returns `true` once none is
    /// left. Destructor panics are kept in the
    /// [`finalizer`](FreeListSpace::finalizer) for the caller to resume.
    pub fn sweep_some(&mut self, mut blocks: usize) -> bool {
        for class in 0..SIZE_CLASSES.len() {
            while blocks > 0 {
                let Some(block) = self.unswept[class].pop() else {
                    break;
                };
                self.sweep_block(block, class, false);
                blocks -= 1;
            }
        }
        let done = self.unswept.iter().all(Vec::is_empty);
        if done {
            self.trim_empty();
        }
        done
    }

    /// Sweeps every block still queued by [`FreeListSpace::sweep_lazily`];
    /// returns `true` if there was one.
    fn finish_sweep(&mut self) -> bool {
        let mut swept = false;
        for class in 0..SIZE_CLASSES.len() {
            while let Some(block) = self.unswept[class].pop() {
                self.sweep_block(block, class, false);
                swept = true;
            }
        }
        if swept {
            self.trim_empty();
        }
        swept
    }

    /// Sweeps an unswept block of `class`: finalises its allocated,
    /// unmarked objects and threads its free cells onto the class's free
    /// list in address order. A block left with no object goes back to the
    /// empty pool unless `keep_empty` (a lazy sweep about to allocate in it).
    /// The counters already leave the dead objects out (`sweep_lazily`).
    fn sweep_block(&mut self, block: usize, class: usize, keep_empty: bool) {
        let start = self.block_start(block);
        let head = self.free[class];
        let may_drop = self.may_drop[block];
        let mut live = 0;
        // A word of bitmap (64 granules) at a time, last word and highest
        // cell first, so the free list comes out in address order.
        for (word, &starts) in CELL_STARTS[class].iter().enumerate().rev() {
            let addr = start + word * 64 * OBJECT_ALIGN;
            let alloc = self.alloc_bits.word(addr);
            let kept = alloc & self.mark_bits.word(addr);
            live += kept.count_ones() as usize;
            if alloc != kept {
                if may_drop {
                    self.finalize_dead(addr, alloc & !kept);
                } else {
                    // No dead object here has drop glue: off the books at once.
                    self.alloc_bits.set_word(addr, kept);
                }
                self.poison_dead(addr, alloc & !kept, class);
            }
            let mut free = starts & !kept;
            while free != 0 {
                let bit = 63 - free.leading_zeros() as usize;
                free &= !(1 << bit);
                // SAFETY: an unallocated cell of this class's block (its
                // object, if it held a dead one, finalised above).
                unsafe { self.push_free(class, addr + bit * OBJECT_ALIGN) };
            }
        }
        if live == 0 {
            self.may_drop[block] = false;
            if !keep_empty {
                self.free[class] = head;
                self.block_class[block] = UNUSED;
                self.blocks_in_use -= 1;
                self.empty.push(block);
            }
        }
    }

    /// With `poison_freed`, fills the cell at `cell` (of class `class`,
    /// unallocated, its object finalised) with [`POISON`].
    #[inline(always)]
    fn poison(&mut self, cell: usize, class: usize) {
        if self.poison_freed {
            let ptr = std::ptr::with_exposed_provenance_mut::<u8>(cell);
            // SAFETY: the cell lies in the region, committed (its block is
            // in use), `SIZE_CLASSES[class]` bytes long; it holds no object
            // (off the books, finalised), so nothing reads it as one.
            unsafe { std::ptr::write_bytes(ptr, POISON, SIZE_CLASSES[class]) };
        }
    }

    /// [`FreeListSpace::poison`] for the cells whose bits are set in `dead`
    /// (the alloc bitmap word at `addr`, before the sweep took them off).
    fn poison_dead(&mut self, addr: usize, mut dead: u64, class: usize) {
        while self.poison_freed && dead != 0 {
            let bit = dead.trailing_zeros() as usize;
            dead &= dead - 1;
            self.poison(addr + bit * OBJECT_ALIGN, class);
        }
    }

    /// Takes the dead objects whose bits are set in `dead` (the alloc
    /// bitmap word at `addr`) off the books and finalises them, one at a
    /// time; a destructor's panic is kept for later and the rest still run.
    fn finalize_dead(&mut self, addr: usize, mut dead: u64) {
        while dead != 0 {
            let bit = dead.trailing_zeros() as usize;
            dead &= dead - 1;
            let cell = addr + bit * OBJECT_ALIGN;
            self.alloc_bits.clear(cell);
            // SAFETY: allocated and unmarked after a marking that marked
            // everything reachable (`sweep_lazily`'s contract): a live,
            // unreachable object, taken off the books just now, so it is
            // finalised exactly once.
            unsafe { self.finalizer.finalize(ObjectRef::from_addr(cell)) };
        }
    }

    /// Returns the pages of the empty blocks beyond the heap's headroom (what
    /// the program allocates before the next collection, [`Growth::headroom`])
    /// to the kernel: the steady state faults no page in again, while a heap
    /// that shrank still returns its memory.
    fn trim_empty(&mut self) {
        let keep = self.growth.headroom(self.bytes()).div_ceil(BLOCK_SIZE);
        let excess = self.empty.len().saturating_sub(keep);
        for block in self.empty.drain(..excess) {
            // SAFETY: an empty block holds no object.
            unsafe { self.region.release(block * BLOCK_SIZE, BLOCK_SIZE) };
            self.released.push(block);
        }
    }

    /// Bytes of the capacity no size class or large object holds: the
    /// room any allocation can take without a sweep or
    /// [`FreeListSpace::release_empty_blocks`] (free cells of a class's
    /// blocks serve that class only, and are not counted).
    pub fn unheld_bytes(&self) -> usize {
        self.capacity
            .saturating_sub(self.blocks_in_use * BLOCK_SIZE + self.large.bytes())
    }

    /// Returns every small-object block that holds no object to the empty
    /// pool and rebuilds the free lists from the others; returns the number
    /// of blocks released. A sweep does this as it goes; reference counting
    /// frees cells one at a time ([`FreeListSpace::free`]), so it calls this
    /// when it needs whole blocks back for another size class or a large
    /// object. Costs one pass over the alloc bits of every block in use.
    /// Finishes a lazy sweep first (destructor panics are kept in the
    /// [`finalizer`](FreeListSpace::finalizer)).
    pub fn release_empty_blocks(&mut self) -> usize {
        debug_assert!(!self.black, "the free lists are rebuilt unmarked");
        self.finish_sweep();
        self.free = [0; SIZE_CLASSES.len()];
        let mut released = 0;
        for block in 0..self.block_class.len() {
            let class = self.block_class[block];
            if class == UNUSED {
                continue;
            }
            let (start, cell) = (self.block_start(block), SIZE_CLASSES[class as usize]);
            let live = (0..BLOCK_SIZE / cell)
                .filter(|i| self.alloc_bits.get(start + i * cell))
                .count();
            released += usize::from(self.finish_block(block, class as usize, live));
        }
        self.trim_empty();
        released
    }

    /// Ends a pass over a block of `class` holding `live` objects: an empty
    /// block goes back to the pool (returns `true`), otherwise its free
    /// cells are threaded onto the class's free list in address order.
    fn finish_block(&mut self, block: usize, class: usize, live: usize) -> bool {
        let (start, cell) = (self.block_start(block), SIZE_CLASSES[class]);
        if live == 0 {
            self.block_class[block] = UNUSED;
            self.may_drop[block] = false;
            self.blocks_in_use -= 1;
            self.empty.push(block);
            return true;
        }
        for addr in (0..BLOCK_SIZE / cell).rev().map(|i| start + i * cell) {
            if !self.alloc_bits.get(addr) {
                // SAFETY: an unallocated cell of this class's block.
                unsafe { self.push_free(class, addr) };
            }
        }
        false
    }

    /// `true` if `addr` is the start of an allocated object of this space.
    /// Any address may be asked about (0, misaligned, another mapping's).
    ///
    /// ```
    /// use gc_core::space::FreeListSpace;
    /// let space = FreeListSpace::new(gc_core::MIN_CAPACITY)?;
    /// assert!(!space.is_object(0));
    /// assert!(!space.is_object(usize::MAX));
    /// # Ok::<(), gc_core::GcError>(())
    /// ```
    pub fn is_object(&self, addr: usize) -> bool {
        if !self.region.contains(addr) {
            return self.large.contains_addr(addr);
        }
        let block = (addr - self.base) / BLOCK_SIZE;
        let Some(&class) = self.block_class.get(block) else {
            return false;
        };
        class != UNUSED
            && (addr - self.block_start(block)).is_multiple_of(SIZE_CLASSES[class as usize])
            && self.alloc_bits.get(addr)
    }

    /// The finalizer that runs this space's destructors. Operations that
    /// finalise objects ([`FreeListSpace::free`], [`FreeListSpace::sweep`],
    /// [`FreeListSpace::clear_marks`], ...) keep a destructor's panic in it;
    /// the owner calls [`Finalizer::resume`] once its own bookkeeping is
    /// consistent (a backend: at the end of a collection). Allocation and
    /// teardown resume on their own.
    pub fn finalizer(&mut self) -> &mut Finalizer {
        &mut self.finalizer
    }

    /// Calls `f` on every allocated object.
    pub fn for_each_object(&self, mut f: impl FnMut(ObjectRef)) {
        for (block, &class) in self.block_class.iter().enumerate() {
            if class == UNUSED {
                continue;
            }
            let (start, cell) = (self.block_start(block), SIZE_CLASSES[class as usize]);
            for addr in (0..BLOCK_SIZE / cell).map(|i| start + i * cell) {
                if self.alloc_bits.get(addr) {
                    // SAFETY: an allocated cell holds an object.
                    f(unsafe { ObjectRef::from_addr(addr) });
                }
            }
        }
        self.large.objects().for_each(f);
    }

    /// Bytes held: small cells (by their class size) plus large objects.
    pub fn bytes(&self) -> usize {
        self.small_bytes + self.large.bytes()
    }

    /// Bytes and objects held, as a backend reports them.
    pub fn usage(&self) -> crate::HeapUsage {
        crate::HeapUsage {
            bytes: self.bytes(),
            objects: self.objects(),
        }
    }

    /// Objects held.
    pub fn objects(&self) -> usize {
        self.small_objects + self.large.len()
    }

    /// Where the free cells lie among the live ones (see [`Fragmentation`]):
    /// the blocks holding objects, their free bytes and the longest run of
    /// adjacent free cells in one block. A dead object of a block that a
    /// lazy sweep has not reached yet counts as free, as the counters do.
    /// Reads every block's bitmaps: a diagnostic, not for hot paths.
    /// Backends report it through [`Collector::fragmentation`](crate::Collector::fragmentation):
    ///
    /// ```
    /// use gc_core::{Collector, Heap, HeapConfig};
    /// use gc_mark_sweep::MarkSweep;
    ///
    /// let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| {
    ///     for i in 0..1_000u64 {
    ///         s.alloc(i); // kept
    ///         s.scope("garbage", |t| { t.alloc(i); }); // dies beside it
    ///     }
    ///     s.collect();
    ///     let holes = s.collector().fragmentation().unwrap();
    ///     assert!(holes.free_bytes > 0, "every other cell is free");
    ///     assert!(holes.largest_free_run < holes.span_bytes);
    /// });
    /// ```
    pub fn fragmentation(&self) -> Fragmentation {
        let mut unswept = vec![false; self.block_class.len()];
        for block in self.unswept.iter().flatten() {
            unswept[*block] = true;
        }
        let mut result = Fragmentation::default();
        for (block, &class) in self.block_class.iter().enumerate() {
            if class == UNUSED {
                continue;
            }
            let (start, cell) = (self.block_start(block), SIZE_CLASSES[class as usize]);
            let held =
                |addr| self.alloc_bits.get(addr) && (!unswept[block] || self.mark_bits.get(addr));
            let (mut free, mut run, mut longest) = (0, 0, 0);
            for addr in (0..BLOCK_SIZE / cell).map(|i| start + i * cell) {
                if held(addr) {
                    run = 0;
                } else {
                    free += cell;
                    run += cell;
                    longest = longest.max(run);
                }
            }
            if free < BLOCK_SIZE / cell * cell {
                result.span_bytes += BLOCK_SIZE;
                result.free_bytes += free;
                result.largest_free_run = result.largest_free_run.max(longest);
            }
        }
        result
    }
}

/// The mark bits of a [`FreeListSpace`], shared by parallel markers: `Sync`,
/// and every mark is an atomic read-modify-write.
pub struct SharedMarks<'a> {
    region: std::ops::Range<usize>,
    bits: &'a Bitmap,
    large: &'a LargeObjectSpace,
}

impl SharedMarks<'_> {
    /// Marks `obj`, an object of the space; returns `true` if this call
    /// marked it (exactly one of several racing calls does).
    #[inline(always)]
    pub fn mark(&self, obj: ObjectRef) -> bool {
        if self.region.contains(&obj.addr()) {
            self.bits.set_shared(obj.addr())
        } else {
            self.large.mark_shared(obj)
        }
    }
}

impl Drop for FreeListSpace {
    /// Teardown: finalises every object, small and large, then resumes the
    /// first destructor panic (if any).
    fn drop(&mut self) {
        // Finalised in place: a list of the objects would cost a word per
        // object just when the program is done with the heap.
        let mut finalizer = std::mem::take(&mut self.finalizer);
        self.for_each_object(|obj| {
            if self.region.contains(obj.addr()) {
                // SAFETY: teardown: every allocated small object is live and
                // is visited once; nothing uses it again.
                unsafe { finalizer.finalize(obj) };
            }
        });
        // SAFETY: teardown: nothing uses the large objects again.
        unsafe { self.large.free_all(&mut finalizer) };
        finalizer.resume();
    }
}

#[cfg(test)]
mod poison_tests {
    use super::{FreeListSpace, POISON};
    use crate::object::TypeInfo;
    use crate::HeapConfig;

    /// With `poison_freed`, a freed object's payload reads as the poison;
    /// without, it keeps its old value (what a use after free would read).
    #[test]
    fn poison_freed_clobbers_a_freed_cell() {
        for poison_freed in [false, true] {
            let config = HeapConfig {
                poison_freed,
                ..HeapConfig::default()
            };
            let mut space = FreeListSpace::for_heap(&config).unwrap();
            let info = TypeInfo::of::<u64>();
            // SAFETY: `alloc`'s bullets: the size of a `u64` object, and
            // the payload is written before any other call.
            let obj = unsafe { space.alloc(info, info.fixed_object_size, 0) }.unwrap();
            let payload = obj.payload().cast::<u64>();
            // SAFETY: the payload of the object just allocated, a `u64`.
            unsafe { payload.write(0x1234) };
            // SAFETY: `free`'s bullet: an unreachable object (nothing
            // refers to it), not yet finalised.
            unsafe { space.free(obj) };
            // SAFETY: the cell stays mapped and initialised memory of the
            // space (it is free, not unmapped); this test reads it the way a
            // stale reference would.
            let word = unsafe { payload.read() };
            let poisoned = u64::from_ne_bytes([POISON; 8]);
            assert_eq!(word == poisoned, poison_freed, "{word:#x}");
            assert_eq!(word == 0x1234, !poison_freed, "{word:#x}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Allocates `n` `u64`s; returns them.
    fn alloc_n(space: &mut FreeListSpace, n: u64) -> Vec<ObjectRef> {
        let info = TypeInfo::of::<u64>();
        (0..n)
            .map(|i| {
                // SAFETY: the payload is written at once, before the space
                // is used again.
                let obj = unsafe { space.alloc(info, info.object_size(), 0) }.expect("room");
                // SAFETY: a fresh object of `u64`'s size.
                unsafe { obj.payload().cast::<u64>().as_ptr().write(i) };
                obj
            })
            .collect()
    }

    /// Classes ascend in granules, lose at most a quarter above 128 B, and
    /// fit a power-of-two payload with its header exactly.
    #[test]
    fn size_classes_waste_little_and_nothing_on_power_of_two_payloads() {
        assert!(SIZE_CLASSES.windows(2).all(|w| w[0] < w[1]));
        assert!(SIZE_CLASSES.iter().all(|c| c.is_multiple_of(OBJECT_ALIGN)));
        assert_eq!(SIZE_CLASSES.last(), Some(&LARGE_OBJECT_THRESHOLD));
        for size in (OBJECT_ALIGN..=LARGE_OBJECT_THRESHOLD).step_by(OBJECT_ALIGN) {
            let cell = FreeListSpace::footprint(size);
            assert!(cell >= size);
            assert!(size <= 128 || (cell - size) * 4 < size, "{size} in {cell}");
        }
        for payload in (7..=12).map(|k| 1usize << k) {
            let size = crate::object::object_size_for(payload);
            assert_eq!(
                FreeListSpace::footprint(size),
                size,
                "a {payload}-byte payload"
            );
        }
    }

    /// Cells of three batches and a fresh block later, every object
    /// allocated black is marked and none before is; the sweep keeps the
    /// marked ones only, counts no free cell that black allocation marked,
    /// and allocation is white again after it.
    #[test]
    fn black_allocation_marks_what_it_hands_out_until_the_sweep() {
        let mut space = FreeListSpace::new(crate::MIN_CAPACITY).expect("space");
        let cell = FreeListSpace::footprint(TypeInfo::of::<u64>().object_size());
        let white = alloc_n(&mut space, 1_000);
        space.clear_marks();
        space.allocate_black();
        let per_block = (BLOCK_SIZE / cell) as u64;
        let black = alloc_n(&mut space, per_block + 3 * BLACK_BATCH as u64);
        assert!(white.iter().all(|&obj| !space.is_marked(obj)));
        assert!(black.iter().all(|&obj| space.is_marked(obj)));
        // SAFETY: nothing is reachable but what is marked (no roots here).
        unsafe { space.sweep() };
        assert_eq!(space.objects(), black.len());
        assert_eq!(space.bytes(), black.len() * cell);
        space.clear_marks();
        let after = alloc_n(&mut space, 2 * BLACK_BATCH as u64);
        assert!(after.iter().all(|&obj| !space.is_marked(obj)));
        assert_eq!(space.objects(), black.len() + after.len());
    }
}
