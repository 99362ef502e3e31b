//! A side bitmap with one bit per 16-byte granule of a region.

use crate::object::OBJECT_ALIGN;

/// One bit per [`OBJECT_ALIGN`] granule of `base..base + len`.
pub(crate) struct Bitmap {
    base: usize,
    words: Vec<u64>,
}

impl Bitmap {
    pub(crate) fn new(base: usize, len: usize) -> Bitmap {
        let bits = len / OBJECT_ALIGN;
        Bitmap {
            base,
            words: vec![0; bits.div_ceil(64)],
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
        self.words[word] & mask != 0
    }

    /// Sets the bit; returns `true` if it was clear.
    #[inline(always)]
    pub(crate) fn set(&mut self, addr: usize) -> bool {
        let (word, mask) = self.index(addr);
        let old = self.words[word];
        self.words[word] = old | mask;
        old & mask == 0
    }

    #[inline(always)]
    pub(crate) fn clear(&mut self, addr: usize) {
        let (word, mask) = self.index(addr);
        self.words[word] &= !mask;
    }

    /// Clears every bit of `addr..addr + len` (granule-aligned, whole words).
    pub(crate) fn clear_range(&mut self, addr: usize, len: usize) {
        let (first, _) = self.index(addr);
        let words = len / OBJECT_ALIGN / 64;
        self.words[first..first + words].fill(0);
    }
}
