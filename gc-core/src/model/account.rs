//! Memory that objects own outside their cell: the buffers of
//! [`GcVec`](super::GcVec) and [`GcMap`](super::GcMap) and whatever an
//! embedder [charges](super::Mutation::charge). It counts toward the
//! collection trigger (the heap's budget) and the capacity, and the stats
//! report it.

use crate::error::GcError;
use crate::handle::Brand;
use allocator_api2::alloc::{AllocError, Allocator, Global, Layout};
use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The heap's allocation budget and its external bytes, in a box of its own
/// so that allocators and charges stored in objects can point at it while
/// the `Heap` value itself moves between calls.
pub(crate) struct Accounting {
    /// Bytes (objects and external) the program may allocate before the
    /// next collection is due.
    pub(crate) budget: Cell<usize>,
    /// External bytes held now.
    pub(crate) external: Cell<usize>,
    /// Object bytes the backend held after the last collection.
    pub(crate) objects_at_collection: Cell<usize>,
    /// A collection is due (the budget ran out inside a mutation region,
    /// where nothing may collect): the region's end runs it.
    pub(crate) due: Cell<bool>,
    /// The heap's capacity (`HeapConfig::capacity`).
    pub(crate) capacity: usize,
}

impl Accounting {
    pub(crate) fn new(capacity: usize) -> Accounting {
        Accounting {
            budget: Cell::new(0),
            external: Cell::new(0),
            objects_at_collection: Cell::new(0),
            due: Cell::new(false),
            capacity,
        }
    }

    /// Charges `bytes` of external memory, or fails if objects (as of the
    /// last collection) and external memory would pass the capacity.
    pub(crate) fn charge(&self, bytes: usize) -> Result<(), GcError> {
        let in_use = self.objects_at_collection.get() + self.external.get();
        if in_use.saturating_add(bytes) > self.capacity {
            return Err(self.out_of_memory(bytes));
        }
        self.external.set(self.external.get() + bytes);
        let budget = self.budget.get();
        if bytes >= budget {
            self.due.set(true);
        }
        self.budget.set(budget.saturating_sub(bytes));
        Ok(())
    }

    /// Gives back `bytes` charged earlier.
    pub(crate) fn uncharge(&self, bytes: usize) {
        debug_assert!(bytes <= self.external.get(), "uncharged more than charged");
        self.external.set(self.external.get().saturating_sub(bytes));
    }

    /// The error for a request of `requested` bytes that does not fit.
    pub(crate) fn out_of_memory(&self, requested: usize) -> GcError {
        GcError::OutOfMemory {
            requested,
            limit: self.capacity,
            in_use: self.objects_at_collection.get() + self.external.get(),
        }
    }
}

/// The allocator of the object model's containers: the global allocator,
/// with every byte charged to the heap (so the capacity bounds it and the
/// trigger sees it), and every buffer's provenance exposed (so a moving
/// collector may rewrite the pointers inside it; see `Tracer::report_model`).
///
/// It refuses an allocation that would take the heap past its capacity; the
/// containers check that with `try_reserve` first and turn it into
/// [`GcError::OutOfMemory`].
pub struct HeapAlloc<'gc> {
    account: NonNull<Accounting>,
    _brand: PhantomData<Brand<'gc>>,
}

impl<'gc> HeapAlloc<'gc> {
    /// An allocator charging `account`.
    ///
    /// # Safety
    /// - `account` is a heap's accounting box, which outlives every object
    ///   of that heap (the heap frees it after its objects); the brand
    ///   `'gc` keeps the allocator inside that heap's objects and regions.
    pub(crate) unsafe fn new(account: NonNull<Accounting>) -> HeapAlloc<'gc> {
        HeapAlloc {
            account,
            _brand: PhantomData,
        }
    }

    fn account(&self) -> &Accounting {
        // SAFETY: the box outlives every object and region of its heap
        // (`HeapAlloc::new`), and every allocator lives in one of them.
        unsafe { self.account.as_ref() }
    }

    /// The error for a container that could not grow by `bytes`.
    pub(crate) fn out_of_memory(&self, bytes: usize) -> GcError {
        self.account().out_of_memory(bytes)
    }
}

impl Clone for HeapAlloc<'_> {
    fn clone(&self) -> Self {
        HeapAlloc {
            account: self.account,
            _brand: PhantomData,
        }
    }
}

/// Exposes a fresh buffer's provenance (see `Tracer::report_model`).
fn exposed(block: NonNull<[u8]>) -> NonNull<[u8]> {
    let _ = block.cast::<u8>().as_ptr().expose_provenance();
    block
}

// SAFETY: every method forwards to `Global`, which upholds the `Allocator`
// contract; the accounting around it neither touches the memory nor
// changes the layout, and a refused charge returns `AllocError` before
// anything is allocated.
unsafe impl Allocator for HeapAlloc<'_> {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        self.account()
            .charge(layout.size())
            .map_err(|_| AllocError)?;
        match Global.allocate(layout) {
            Ok(block) => Ok(exposed(block)),
            Err(error) => {
                self.account().uncharge(layout.size());
                Err(error)
            }
        }
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller passes a block this allocator returned (all of
        // which came from `Global`) with its layout.
        unsafe { Global.deallocate(ptr, layout) };
        self.account().uncharge(layout.size());
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let extra = new.size() - old.size();
        self.account().charge(extra).map_err(|_| AllocError)?;
        // SAFETY: forwarded from the caller: `ptr` is a block of this
        // allocator (hence of `Global`) with layout `old`, and `new` is at
        // least as large.
        match unsafe { Global.grow(ptr, old, new) } {
            Ok(block) => Ok(exposed(block)),
            Err(error) => {
                self.account().uncharge(extra);
                Err(error)
            }
        }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller, as in `grow`, with `new` at
        // most as large as `old`.
        let block = unsafe { Global.shrink(ptr, old, new) }?;
        self.account().uncharge(old.size() - new.size());
        Ok(exposed(block))
    }
}

/// External memory charged to the heap by an embedder, for as long as this
/// value lives (keep it in the object that owns the memory: when the object
/// is collected, the charge is given back). V8's
/// `AdjustAmountOfExternalAllocatedMemory` and .NET's `AddMemoryPressure`,
/// made a value so it cannot be given back twice or forgotten.
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
/// });
/// ```
pub struct Charge<'gc> {
    alloc: HeapAlloc<'gc>,
    bytes: usize,
}

impl<'gc> Charge<'gc> {
    pub(crate) fn new(alloc: HeapAlloc<'gc>, bytes: usize) -> Result<Charge<'gc>, GcError> {
        alloc.account().charge(bytes)?;
        Ok(Charge { alloc, bytes })
    }

    /// The bytes charged.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for Charge<'_> {
    fn drop(&mut self) {
        self.alloc.account().uncharge(self.bytes);
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
    fn trace(&self, _: &mut crate::Tracer) {}
}

// SAFETY: the same charge with its brand replaced.
unsafe impl<'a> crate::Rebrand<'a> for Charge<'_> {
    type Output = Charge<'a>;
}
