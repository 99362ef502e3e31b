//! Memory that objects own outside their cell: the buffers of
//! [`GcVec`](super::GcVec) and [`GcMap`](super::GcMap) and whatever an
//! embedder [charges](super::Mutation::charge). It counts toward the
//! collection trigger (the heap's budget) and the capacity, and the stats
//! report it.

use crate::error::GcError;
use crate::handle::Brand;
use crate::heap::Shared;
use crate::space::buffer::BufferSpace;
use allocator_api2::alloc::{AllocError, Allocator, Layout};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The allocator of the object model's containers: the heap's buffer
/// space (size-classed cells in mappings the heap owns), with every byte charged to the
/// heap (so the capacity bounds it and the trigger sees it). Its mappings'
/// provenance is exposed (`os::Region`), so a moving collector may rewrite
/// the pointers inside a buffer (see `Tracer::report_model`).
///
/// It refuses an allocation that would take the heap past its capacity; the
/// containers check that with `try_reserve` first and turn it into
/// [`OutOfMemory`](crate::GcErrorKind::OutOfMemory).
pub struct HeapAlloc<'gc> {
    shared: NonNull<Shared>,
    _brand: PhantomData<Brand<'gc>>,
}

impl<'gc> HeapAlloc<'gc> {
    /// An allocator charging the heap whose shared box is `shared`.
    ///
    /// # Safety
    /// - `shared` is a heap's shared box (`Heap::shared`), which outlives
    ///   every object of that heap (the heap frees it after its objects);
    ///   the brand `'gc` keeps the allocator inside that heap's objects and
    ///   regions.
    pub(crate) unsafe fn new(shared: NonNull<Shared>) -> HeapAlloc<'gc> {
        HeapAlloc {
            shared,
            _brand: PhantomData,
        }
    }

    fn shared(&self) -> &Shared {
        // SAFETY: the box outlives every object and region of its heap
        // (`HeapAlloc::new`), and every allocator lives in one of them.
        unsafe { self.shared.as_ref() }
    }

    /// Collections so far that may have moved objects (`Shared::moves`).
    #[inline(always)]
    pub(crate) fn moves(&self) -> u64 {
        self.shared().moves()
    }

    /// The error for a container that could not grow by `bytes`: the
    /// system's refusal if the buffer space met one
    /// ([`SystemMemory`](crate::GcErrorKind::SystemMemory)), else the
    /// capacity's.
    pub(crate) fn out_of_memory(&self, bytes: usize) -> GcError {
        match self.shared().buffers.take_refusal() {
            Some((requested, reason)) => {
                crate::GcErrorKind::SystemMemory { requested, reason }.into()
            }
            None => self.shared().budget.out_of_memory(bytes),
        }
    }

    /// A fresh buffer for `layout`, charged; nothing is charged on failure.
    /// A buffer no larger than twice the container memory already held (a
    /// container growing: a vector copies into it, a map rehashes into it)
    /// is committed in one call; a larger one (a reservation ahead of use)
    /// is committed page by page as it is written.
    fn buffer(&self, layout: Layout) -> Result<NonNull<u8>, AllocError> {
        let Shared {
            budget, buffers, ..
        } = self.shared();
        let held = budget.external();
        budget.charge(layout.size()).map_err(|_| AllocError)?;
        let block = buffers
            .alloc(layout.size(), layout.align())
            .ok_or_else(|| budget.uncharge(layout.size()))
            .map_err(|()| AllocError)?;
        if layout.size() <= held.saturating_mul(2) {
            buffers.prefault(block, layout.size());
        }
        Ok(block)
    }

    /// Moves the block at `ptr` (layout `old`) to a fresh one for `new`,
    /// keeping the first `min(old, new)` bytes.
    ///
    /// # Safety
    /// - `ptr` is a live block of this allocator with layout `old`; it is
    ///   not used again if this succeeds.
    unsafe fn relocate(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let fresh = self.buffer(new)?;
        let filled = old.size().min(new.size());
        // SAFETY: both blocks are live, distinct, and at least
        // `min(old, new)` bytes long.
        unsafe { ptr.copy_to_nonoverlapping(fresh, filled) };
        // SAFETY: forwarded from the caller.
        unsafe { self.deallocate(ptr, old) };
        Ok(NonNull::slice_from_raw_parts(fresh, new.size()))
    }
}

impl Clone for HeapAlloc<'_> {
    fn clone(&self) -> Self {
        HeapAlloc {
            shared: self.shared,
            _brand: PhantomData,
        }
    }
}

// SAFETY: blocks come from the heap's buffer space, which hands out each
// cell to one owner at a time, aligned as asked (or refuses), and keeps its
// memory mapped until the heap, and so every container, is gone. `grow` and
// `shrink` keep the block in place only when the new size takes the same
// size class, so the block is as large as its layout says; otherwise they
// copy the contents to a fresh block and free the old one. A refused charge
// returns `AllocError` before anything is allocated.
unsafe impl Allocator for HeapAlloc<'_> {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let block = self.buffer(layout)?;
        Ok(NonNull::slice_from_raw_parts(block, layout.size()))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller passes a block this allocator returned, which
        // came from the buffer space for `layout.size()` bytes (grow and
        // shrink in place keep the size class, so any size the block was
        // resized to names the same cell).
        unsafe { self.shared().buffers.free(ptr, layout.size()) };
        self.shared().budget.uncharge(layout.size());
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        if new.align() <= old.align() && BufferSpace::fits_in_place(old.size(), new.size()) {
            self.shared()
                .budget
                .charge(new.size() - old.size())
                .map_err(|_| AllocError)?;
            return Ok(NonNull::slice_from_raw_parts(ptr, new.size()));
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.relocate(ptr, old, new) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        if new.align() <= old.align() && BufferSpace::fits_in_place(old.size(), new.size()) {
            self.shared().budget.uncharge(old.size() - new.size());
            return Ok(NonNull::slice_from_raw_parts(ptr, new.size()));
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.relocate(ptr, old, new) }
    }
}

/// External memory charged to the heap by an embedder, for as long as this
/// value lives (keep it in the object that owns the memory: when the object
/// is collected, the charge is given back). V8's
/// `AdjustAmountOfExternalAllocatedMemory` and .NET's `AddMemoryPressure`,
/// made a value so that it is given back exactly once, when it is dropped.
///
/// Like any Rust value, a charge can be leaked (`std::mem::forget`,
/// `Box::leak`, a cycle of `Rc`s): its bytes then stay charged until the
/// heap is dropped, as a leaked `Box` keeps its memory until the process
/// ends. That wastes capacity (the trigger and the cap still count them),
/// never soundness; the heap has no way to tell a leaked charge from a
/// live one without tracing every object, which reference counting never
/// does.
///
/// ```
/// use gc_core::model::{Charge, Gc};
/// use gc_core::{Heap, HeapConfig, Trace};
///
/// #[derive(Trace)]
/// struct Image<'gc> { pixels: Charge<'gc>, width: u32 }
///
/// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     s.mutate(|m| {
///         // A 4 MiB native buffer this object owns: the trigger and the cap see it.
///         let image = m.alloc(Image { pixels: m.charge(4 << 20).unwrap(), width: 1024 });
///         assert_eq!(image.pixels.bytes(), 4 << 20);
///     });
///     assert!(s.stats().external_bytes >= 4 << 20);
///     s.collect(); // the image is garbage: its charge is given back
///     assert_eq!(s.stats().external_bytes, 0);
///
///     // A leaked charge is never given back: it counts until the heap is dropped.
///     s.mutate(|m| std::mem::forget(m.charge(1 << 20).unwrap()));
///     s.collect();
///     assert_eq!(s.stats().external_bytes, 1 << 20);
/// });
/// ```
pub struct Charge<'gc> {
    alloc: HeapAlloc<'gc>,
    bytes: usize,
}

impl<'gc> Charge<'gc> {
    pub(crate) fn new(alloc: HeapAlloc<'gc>, bytes: usize) -> Result<Charge<'gc>, GcError> {
        alloc.shared().budget.charge(bytes)?;
        Ok(Charge { alloc, bytes })
    }

    /// The bytes charged.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for Charge<'_> {
    fn drop(&mut self) {
        self.alloc.shared().budget.uncharge(self.bytes);
    }
}

impl std::fmt::Debug for Charge<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Charge({} bytes)", self.bytes)
    }
}

// SAFETY: a charge holds no reference to a heap object.
unsafe impl crate::Trace for Charge<'_> {
    const NEEDS_TRACE: bool = false;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, _: &mut crate::Tracer) {}
}

// SAFETY: the same charge with its brand replaced.
unsafe impl<'a> crate::Rebrand<'a> for Charge<'_> {
    type Output = Charge<'a>;
}

// SAFETY: a byte count and a pointer to the heap's shared box, which
// moves with the heap (see `GcVec`).
unsafe impl crate::HeapSend for Charge<'_> {}
