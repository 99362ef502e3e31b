//! A side bitmap with one bit per 16-byte granule of a region.
//!
//! The words are atomics so that parallel marking can set bits from several
//! threads ([`Bitmap::set_shared`], a `fetch_or`); everything else runs on
//! one thread and uses plain loads and stores (relaxed atomic loads and
//! stores, or `get_mut`, compile to ordinary moves).

use crate::object::OBJECT_ALIGN;
use std::sync::atomic::{AtomicU64, Ordering};

/// One bit per [`OBJECT_ALIGN`] granule of `base..base + len`.
pub(crate) struct Bitmap {
    base: usize,
    words: Box<[AtomicU64]>,
}

impl Bitmap {
    pub(crate) fn new(base: usize, len: usize) -> Bitmap {
        let bits = len / OBJECT_ALIGN;
        Bitmap {
            base,
            words: (0..bits.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    #[inline(always)]
    fn index(&self, addr: usize) -> (usize, u64) {
        let bit = (addr - self.base) / OBJECT_ALIGN;
        (bit / 64, 1 << (bit % 64))
    }

    #[inline(always)]
    pub(crate) fn get(&self, addr: usize) -> bool {
        let (word, mask) = self.index(addr);
        self.words[word].load(Ordering::Relaxed) & mask != 0
    }

    /// Sets the bit; returns `true` if it was clear.
    #[inline(always)]
    pub(crate) fn set(&mut self, addr: usize) -> bool {
        let (word, mask) = self.index(addr);
        let word = self.words[word].get_mut();
        let old = *word;
        *word = old | mask;
        old & mask == 0
    }

    /// Sets the bit from any thread; returns `true` if this call set it
    /// (exactly one of several racing calls does).
    #[inline(always)]
    pub(crate) fn set_shared(&self, addr: usize) -> bool {
        let (word, mask) = self.index(addr);
        let word = &self.words[word];
        // Already set: skip the read-modify-write (most edges of a dense graph).
        word.load(Ordering::Relaxed) & mask == 0
            && word.fetch_or(mask, Ordering::Relaxed) & mask == 0
    }

    #[inline(always)]
    pub(crate) fn clear(&mut self, addr: usize) {
        let (word, mask) = self.index(addr);
        *self.words[word].get_mut() &= !mask;
    }

    /// The 64 bits from `addr`, which starts a word (a multiple of 64
    /// granules from the base).
    #[inline(always)]
    pub(crate) fn word(&self, addr: usize) -> u64 {
        let (word, _) = self.index(addr);
        self.words[word].load(Ordering::Relaxed)
    }

    /// Counts the set bits of `addr..addr + len` (granule-aligned, whole words).
    pub(crate) fn count_range(&self, addr: usize, len: usize) -> usize {
        let (first, _) = self.index(addr);
        let words = len / OBJECT_ALIGN / 64;
        self.words[first..first + words]
            .iter()
            .map(|word| word.load(Ordering::Relaxed).count_ones() as usize)
            .sum()
    }

    /// Clears every bit of `addr..addr + len` (granule-aligned, whole words).
    pub(crate) fn clear_range(&mut self, addr: usize, len: usize) {
        let (first, _) = self.index(addr);
        let words = len / OBJECT_ALIGN / 64;
        for word in &mut self.words[first..first + words] {
            *word.get_mut() = 0;
        }
    }
}
