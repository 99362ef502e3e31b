//! A side bitmap with one bit per 16-byte granule of a region.
//!
//! The words are atomics so that parallel marking can set bits from several
//! threads ([`Bitmap::set_shared`], a `fetch_or`); everything else runs on
//! one thread and uses plain loads and stores (relaxed atomic loads and
//! stores, or `get_mut`, compile to ordinary moves).
//!
//! The words live in memory mapped for them alone: fresh pages read as zero
//! and are committed only when touched, so a bitmap for a 1 GiB heap (8 MiB)
//! costs nothing until its heap grows. (A zeroed allocation from `malloc`
//! that reuses freed memory is cleared with `memset`: 16 MiB for the two
//! bitmaps of every new heap.)

use crate::error::GcError;
use crate::object::OBJECT_ALIGN;
use crate::os::Region;
use std::sync::atomic::{AtomicU64, Ordering};

/// One bit per [`OBJECT_ALIGN`] granule of `base..base + len`.
pub(crate) struct Bitmap {
    base: usize,
    /// The address of the first word: `len` zero-initialised `AtomicU64`s,
    /// the start of `_region`.
    words: usize,
    len: usize,
    /// Owns the words' memory.
    _region: Region,
}

impl Bitmap {
    pub(crate) fn new(base: usize, len: usize) -> Result<Bitmap, GcError> {
        let len = (len / OBJECT_ALIGN).div_ceil(64);
        let region = Region::reserve(len * size_of::<AtomicU64>())?;
        Ok(Bitmap {
            base,
            words: region.start().as_ptr() as usize,
            len,
            _region: region,
        })
    }

    #[inline(always)]
    fn words(&self) -> &[AtomicU64] {
        // SAFETY: `words` starts the region, which is page-aligned and at
        // least `len` words long, mapped zeroed (a valid `AtomicU64` is any
        // bit pattern) and owned by `self`; atomics allow shared mutation
        // through `&`.
        unsafe { std::slice::from_raw_parts(self.words as *const AtomicU64, self.len) }
    }

    #[inline(always)]
    fn words_mut(&mut self) -> &mut [AtomicU64] {
        // SAFETY: `words` starts the region, page-aligned, at least `len`
        // words long, mapped zeroed (any bit pattern is a valid
        // `AtomicU64`) and owned by `self`; `&mut self` makes this the only access.
        unsafe { std::slice::from_raw_parts_mut(self.words as *mut AtomicU64, self.len) }
    }

    #[inline(always)]
    fn index(&self, addr: usize) -> (usize, u64) {
        let bit = (addr - self.base) / OBJECT_ALIGN;
        (bit / 64, 1 << (bit % 64))
    }

    #[inline(always)]
    pub(crate) fn get(&self, addr: usize) -> bool {
        let (word, mask) = self.index(addr);
        self.words()[word].load(Ordering::Relaxed) & mask != 0
    }

    /// Sets the bit; returns `true` if it was clear.
    #[inline(always)]
    pub(crate) fn set(&mut self, addr: usize) -> bool {
        let (word, mask) = self.index(addr);
        let word = self.words_mut()[word].get_mut();
        let old = *word;
        *word = old | mask;
        old & mask == 0
    }

    /// Sets the bit from any thread; returns `true` if this call set it
    /// (exactly one of several racing calls does).
    #[inline(always)]
    pub(crate) fn set_shared(&self, addr: usize) -> bool {
        let (word, mask) = self.index(addr);
        let word = &self.words()[word];
        // Already set: skip the read-modify-write (most edges of a dense graph).
        word.load(Ordering::Relaxed) & mask == 0
            && word.fetch_or(mask, Ordering::Relaxed) & mask == 0
    }

    #[inline(always)]
    pub(crate) fn clear(&mut self, addr: usize) {
        let (word, mask) = self.index(addr);
        *self.words_mut()[word].get_mut() &= !mask;
    }

    /// The 64 bits from `addr`, which starts a word (a multiple of 64
    /// granules from the base).
    #[inline(always)]
    pub(crate) fn word(&self, addr: usize) -> u64 {
        let (word, _) = self.index(addr);
        self.words()[word].load(Ordering::Relaxed)
    }

    /// Replaces the 64 bits from `addr`, which starts a word.
    #[inline(always)]
    pub(crate) fn set_word(&mut self, addr: usize, bits: u64) {
        let (word, _) = self.index(addr);
        *self.words_mut()[word].get_mut() = bits;
    }

    /// Counts the bits of `addr..addr + len` (granule-aligned, whole
    /// words) set both here and in `other` (a bitmap of the same range).
    pub(crate) fn count_both(&self, other: &Bitmap, addr: usize, len: usize) -> usize {
        let (first, _) = self.index(addr);
        let words = len / OBJECT_ALIGN / 64;
        let (mine, theirs) = (
            &self.words()[first..first + words],
            &other.words()[first..first + words],
        );
        mine.iter()
            .zip(theirs)
            .map(|(a, b)| {
                (a.load(Ordering::Relaxed) & b.load(Ordering::Relaxed)).count_ones() as usize
            })
            .sum()
    }

    /// Clears every bit of `addr..addr + len` (granule-aligned, whole words).
    pub(crate) fn clear_range(&mut self, addr: usize, len: usize) {
        let (first, _) = self.index(addr);
        let words = len / OBJECT_ALIGN / 64;
        for word in &mut self.words_mut()[first..first + words] {
            *word.get_mut() = 0;
        }
    }
}
