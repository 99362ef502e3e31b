//! The one door to the operating system: every `mmap`, `munmap` and
//! `madvise` the collectors make goes through [`Region`].

use crate::error::{GcError, GcErrorKind};
use memmap2::{Advice, MmapMut, MmapOptions, UncheckedAdvice};
use std::ptr::NonNull;

/// Byte written over freed memory in debug builds, so a stale pointer reads
/// garbage that fails loudly (a type descriptor at `0xdbdb..` faults).
pub const POISON: u8 = 0xdb;

/// A range of anonymous memory reserved with one `mmap`. The kernel commits
/// pages on first touch; [`Region::release`] gives them back.
pub struct Region {
    map: MmapMut,
}

impl Region {
    /// Reserves `len` bytes (rounded up to the page size) of zeroed memory.
    pub fn reserve(len: usize) -> Result<Region, GcError> {
        Region::map(len, MmapOptions::new().len(len.max(1)))
    }

    /// Reserves `len` bytes (rounded up to the page size) of address space
    /// that the system does not count as memory until its pages are
    /// written (`MAP_NORESERVE`): for reservations larger than the memory
    /// they will hold, such as the buffer space's arena. Where the system
    /// commits every page it maps (Linux's strict overcommit mode), it
    /// still refuses more than it can back.
    ///
    /// ```
    /// use gc_core::os::Region;
    /// let arena = Region::reserve_address_space(64 << 30)?; // 64 GiB of addresses
    /// assert_eq!(arena.len(), 64 << 30);
    /// # Ok::<(), gc_core::GcError>(())
    /// ```
    pub fn reserve_address_space(len: usize) -> Result<Region, GcError> {
        Region::map(len, MmapOptions::new().len(len.max(1)).no_reserve_swap())
    }

    fn map(len: usize, options: &MmapOptions) -> Result<Region, GcError> {
        options
            .map_anon()
            .map(|map| {
                // Object-model pointers are traced by address and written
                // through this mapping's provenance (`Tracer::report_model`).
                let _ = map.as_ptr().expose_provenance();
                Region { map }
            })
            .map_err(|e| {
                GcError::from(GcErrorKind::InvalidConfig(format!(
                    "could not reserve {len} bytes of address space: {e}"
                )))
            })
    }

    /// The first byte (page-aligned).
    pub fn start(&self) -> NonNull<u8> {
        NonNull::new(self.map.as_ptr() as *mut u8).expect("mmap never returns null")
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Always `false`: a region has at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// `true` if `addr` lies inside the region.
    #[inline(always)]
    pub fn contains(&self, addr: usize) -> bool {
        let start = self.map.as_ptr() as usize;
        addr >= start && addr < start + self.map.len()
    }

    /// Commits the pages of `offset..offset + len` now, in one system call,
    /// instead of one page fault per page on first touch. A hint: where the
    /// kernel cannot (Linux before 5.14, other systems) the pages fault in
    /// as usual.
    ///
    /// ```
    /// use gc_core::os::Region;
    /// let region = Region::reserve(1 << 20)?;
    /// region.commit(0, 64 << 10); // the first 64 KiB, about to be written
    /// # Ok::<(), gc_core::GcError>(())
    /// ```
    pub fn commit(&self, offset: usize, len: usize) {
        let len = len.min(self.map.len().saturating_sub(offset));
        if len > 0 {
            #[cfg(target_os = "linux")]
            let _ = self.map.advise_range(Advice::PopulateWrite, offset, len);
        }
    }

    /// Asks for transparent huge pages (2 MiB on x86-64) for the whole
    /// region: one fault, one page-table entry and one page to free per
    /// 2 MiB instead of 512. For large regions filled densely: every
    /// object space and the buffer space use it. A hint (ignored where the
    /// kernel does not offer them); releasing part of a huge page splits it.
    ///
    /// ```
    /// use gc_core::os::Region;
    /// let region = Region::reserve(64 << 20)?;
    /// region.prefer_huge_pages();
    /// # Ok::<(), gc_core::GcError>(())
    /// ```
    pub fn prefer_huge_pages(&self) {
        #[cfg(target_os = "linux")]
        let _ = self.map.advise(Advice::HugePage);
    }

    /// Returns the pages of `offset..offset + len` to the kernel; they read as
    /// zero afterwards. `offset` and `len` must be page multiples (else the
    /// call is skipped, which is always safe).
    ///
    /// # Safety
    /// - No live object lies in the range.
    pub unsafe fn release(&self, offset: usize, len: usize) {
        debug_assert!(offset + len <= self.map.len());
        if len == 0 || !offset.is_multiple_of(page_size()) || !len.is_multiple_of(page_size()) {
            return;
        }
        // SAFETY: the caller guarantees nothing live is in the range, and
        // MADV_DONTNEED on private anonymous memory only zeroes it.
        let result = unsafe {
            self.map
                .unchecked_advise_range(UncheckedAdvice::DontNeed, offset, len)
        };
        debug_assert!(result.is_ok(), "madvise failed: {result:?}");
    }

    /// Fills `offset..offset + len` with [`POISON`].
    ///
    /// # Safety
    /// - No live object lies in the range, and nothing holds a Rust reference into it.
    pub unsafe fn poison(&self, offset: usize, len: usize) {
        assert!(offset + len <= self.map.len());
        // SAFETY: in bounds (checked), and the caller guarantees the bytes are dead.
        unsafe { self.start().as_ptr().add(offset).write_bytes(POISON, len) }
    }
}

/// The system page size.
pub fn page_size() -> usize {
    4096
}
