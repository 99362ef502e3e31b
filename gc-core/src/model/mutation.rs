//! [`Mutation`]: a region of the program in which nothing collects, so heap
//! pointers are plain `Copy` values ([`Gc`]).

use super::account::{Charge, HeapAlloc};
use super::lock::Write;
use super::{Gc, Identity};
use crate::collector::Collector;
use crate::error::GcError;
use crate::handle::{Brand, Root};
use crate::heap::Heap;
use crate::heap::Scope;
use crate::object::TypeInfo;
use crate::threads::{Admits, Local, Threads};
use crate::trace::{Rebrand, Trace};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The handle of a mutation region: allocates, roots, reads roots and
/// writes objects through the barrier.
///
/// `'s` is the brand of the [`Scope`] the region runs in (roots made here
/// belong to it); `'gc` is the region's own brand, fresh for every region
/// and invariant, carried by every [`Gc`] it hands out. A region never
/// collects: an allocation that finds the region's budget spent marks a
/// collection due, which runs when the region ends ([`Scope::mutate`]
/// returns), and overdraws meanwhile into the reserve the trigger keeps
/// under the capacity. So a long computation leaves its region now and
/// then ([`Mutation::collection_due`]), with its state in roots, to let the
/// collector run; the hard cap ([`HeapConfig::capacity`](crate::HeapConfig))
/// still holds inside a region and fails an allocation with
/// [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) (`collected: false`),
/// after which the region's end collects fully (see the
/// [module docs](super#running-out-of-memory-in-a-region)).
///
/// `Mutation` is neither `Send` nor `Sync`, on any heap. `Th` is the
/// heap's [`Threads`] kind.
pub struct Mutation<'s, 'gc, C: Collector, Th: Threads = Local> {
    /// The heap, borrowed mutably by [`Scope::mutate`] for the region.
    heap: NonNull<Heap<C, Th>>,
    _brands: PhantomData<(Brand<'s>, Brand<'gc>, *const ())>,
}

impl<'s, C: Collector, Th: Threads> Scope<'s, C, Th> {
    /// Runs `f` in a mutation region: inside it, heap pointers are `Copy`
    /// [`Gc`]s read at no cost, and objects are allocated and changed
    /// through `m`. Nothing collects until `f` returns; then, if the budget
    /// ran out meanwhile, the heap collects once.
    ///
    /// ```
    /// use gc_core::model::{Gc, RefLock, GcVec};
    /// use gc_core::{Collector, Heap, HeapConfig, Trace, Root};
    ///
    /// #[derive(Trace)]
    /// struct Stack<'gc> { items: RefLock<GcVec<'gc, f64>> }
    ///
    /// fn run<C: Collector>(heap: &mut Heap<C>) -> f64 {
    ///     heap.scope("main", |s| {
    ///         // A root carries the stack from one region to the next.
    ///         let stack: Root<'_, Stack<'static>> = s.mutate(|m| {
    ///             let stack = m.alloc(Stack { items: RefLock::new(GcVec::new(m)) });
    ///             m.root(stack)
    ///         });
    ///         for i in 0..100 {
    ///             s.mutate(|m| {
    ///                 let stack = m.get(stack);
    ///                 m.write(stack).project(|s| &s.items).borrow_mut().push(i as f64);
    ///             });
    ///         }
    ///         s.collect(); // may move the stack; the root follows
    ///         s.mutate(|m| m.get(stack).items.borrow().iter().sum())
    ///     })
    /// }
    ///
    /// let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    /// assert_eq!(run(&mut heap), 4950.0);
    /// ```
    pub fn mutate<R>(&mut self, f: impl for<'gc> FnOnce(&Mutation<'s, 'gc, C, Th>) -> R) -> R {
        let heap = self.heap_mut();
        heap.check_usable();
        let mutation = Mutation {
            heap: NonNull::from(&mut *heap),
            _brands: PhantomData,
        };
        let result = f(&mutation);
        heap.end_region();
        self.run_cleanups();
        result
    }
}

impl<'s, C: Collector, Th: Threads> Scope<'s, C, Th> {
    /// Runs `f` in a region, and once more in a new region if it ran out of
    /// memory there ([`OutOfMemory`](crate::GcErrorKind::OutOfMemory) with
    /// `collected: false`): the first region's end ran a full collection,
    /// so the second attempt fails only if what it needs does not fit
    /// beside the live data. The way for code whose regions can run again
    /// (an interpreter step that only allocates, say) to get the promise
    /// the handle API makes: out of memory only after everything
    /// collectable was collected. What the first attempt changed before it
    /// failed stays changed.
    ///
    /// ```
    /// use gc_core::model::{GcVec, RefLock};
    /// use gc_core::{Heap, HeapConfig, MIN_CAPACITY};
    ///
    /// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig {
    ///     capacity: MIN_CAPACITY,
    ///     ..HeapConfig::default()
    /// })
    /// .unwrap();
    /// heap.scope("main", |s| {
    ///     let total = s.mutate_retrying(|m| {
    ///         let mut numbers = GcVec::new(m);
    ///         for i in 0..1_000u64 {
    ///             numbers.try_push(i)?;
    ///         }
    ///         Ok(numbers.iter().sum::<u64>())
    ///     });
    ///     assert_eq!(total.unwrap(), 499_500);
    /// });
    /// ```
    pub fn mutate_retrying<R>(
        &mut self,
        mut f: impl for<'gc> FnMut(&Mutation<'s, 'gc, C, Th>) -> Result<R, GcError>,
    ) -> Result<R, GcError> {
        match self.mutate(&mut f) {
            Err(error) if ran_out_uncollected(&error) => self.mutate(f),
            other => other,
        }
    }
}

/// `true` for a region's out-of-memory error, raised without a collection.
fn ran_out_uncollected(error: &GcError) -> bool {
    matches!(
        error.kind(),
        crate::GcErrorKind::OutOfMemory {
            collected: false,
            ..
        }
    )
}

impl<'s, 'gc, C: Collector, Th: Threads> Mutation<'s, 'gc, C, Th> {
    /// The heap, for one short step that calls no user code that could
    /// reach this `Mutation` (an allocation may run dead objects'
    /// destructors in a lazy sweep, but a destructor has no way to the heap).
    ///
    /// # Safety
    /// - The returned reference is the only one to the heap while it is
    ///   alive: the caller drops it before calling anything that could
    ///   reach this `Mutation` again (user code, another method).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn heap(&self) -> &mut Heap<C, Th> {
        // SAFETY: `Scope::mutate` holds the heap's `&mut` for the whole
        // region and uses it only after `f` returned; exclusivity within
        // the region is the caller's.
        unsafe { &mut *self.heap.as_ptr() }
    }

    /// Allocates `value` and returns a pointer to it, valid in this region.
    /// `value` may hold pointers of this region (to build structures
    /// children first at no extra cost). Never collects.
    ///
    /// # Panics
    /// With the [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) message when the heap is at its
    /// capacity, or the [`AlignmentTooLarge`](crate::GcErrorKind::AlignmentTooLarge) one;
    /// [`Mutation::try_alloc`] returns the error instead.
    #[inline]
    pub fn alloc<T>(&self, value: T) -> Gc<'gc, T>
    where
        T: Trace + Rebrand<'static> + 'gc,
        T::Output: Trace + 'static,
        Th: Admits<T>,
    {
        match self.try_alloc(value) {
            Ok(gc) => gc,
            Err(error) => panic!("{error}"),
        }
    }

    /// [`Mutation::alloc`], or [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) (with `value`
    /// dropped) when the heap is at its capacity, or
    /// [`AlignmentTooLarge`](crate::GcErrorKind::AlignmentTooLarge) if the type is aligned to more
    /// than [`OBJECT_ALIGN`](crate::object::OBJECT_ALIGN).
    #[inline]
    pub fn try_alloc<T>(&self, value: T) -> Result<Gc<'gc, T>, GcError>
    where
        T: Trace + Rebrand<'static> + 'gc,
        T::Output: Trace + 'static,
        Th: Admits<T>,
    {
        const { assert!(size_of::<T>() == size_of::<T::Output>()) };
        // `T::Output` is `T` with its brand replaced: the same layout and
        // trace, and a descriptor that can be `'static`.
        let info = TypeInfo::of::<T::Output>();
        // SAFETY: this step calls no user code.
        let obj = unsafe { self.heap() }.alloc_in_region::<T>(info, info.object_size())?;
        // SAFETY: a fresh object of `T`'s size and alignment that nothing
        // has read; writing it initialises it.
        unsafe { obj.payload().cast::<T>().as_ptr().write(value) };
        if C::CAPABILITIES.logs_writes && T::NEEDS_TRACE {
            // SAFETY: `obj` is live and its payload initialised just now;
            // the step calls no user code.
            unsafe { self.heap().collector.born(obj) };
        }
        // SAFETY: a live object of `T`, in this region's heap.
        Ok(unsafe { Gc::from_object(obj) })
    }

    /// Roots `gc` in the region's scope: the root outlives the region and
    /// follows the object if it moves.
    #[inline]
    pub fn root<T>(&self, gc: Gc<'gc, T>) -> Root<'s, T::Output>
    where
        T: Rebrand<'static> + 'gc,
    {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        Root::new(heap.roots.push(gc.object()), heap.id)
    }

    /// The object `root` refers to, as a pointer of this region.
    ///
    /// # Panics
    /// If `root` belongs to another heap.
    #[inline]
    pub fn get<T>(&self, root: Root<'_, T>) -> Gc<'gc, T::Output>
    where
        T: Rebrand<'gc>,
        T::Output: 'gc,
    {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        heap.check_root(root.heap);
        // SAFETY: a root of this heap refers to a live object of `T` (up to
        // brand), and the region keeps it alive and in place.
        unsafe { Gc::from_object(heap.roots.get(root.index)) }
    }

    /// Re-points `root` (which may belong to an enclosing scope) at `gc`.
    ///
    /// # Panics
    /// If `root` belongs to another heap.
    #[inline]
    pub fn assign<T>(&self, root: Root<'_, T::Output>, gc: Gc<'gc, T>)
    where
        T: Rebrand<'static> + 'gc,
    {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        heap.check_root(root.heap);
        heap.roots.set(root.index, gc.object());
    }

    /// Opens `gc`'s object for writing for the rest of the region: the one
    /// write barrier of every backend. The first time an object is written
    /// after a collection, a logging backend (reference counting) records
    /// its outgoing references; later writes cost a bit test, and a
    /// tracing backend's barrier is empty. Through the returned
    /// [`Write`], the object's [`Lock`](super::Lock)s can be set and its
    /// [`RefLock`](super::RefLock)s borrowed mutably, any number of times.
    #[inline(always)]
    pub fn write<T: ?Sized + 'gc>(&self, gc: Gc<'gc, T>) -> &'gc Write<T> {
        if C::CAPABILITIES.logs_writes {
            // SAFETY: `gc` is a live object of this heap; logging traces it
            // (derived or `unsafe` trace code, which may not touch the heap)
            // and calls nothing else.
            unsafe { self.heap().collector.log_write(gc.object()) };
        }
        // SAFETY: the object is now logged for the rest of the region (the
        // log is cleared only by a collection, after the region).
        unsafe { Write::new(Gc::as_ref(gc)) }
    }

    /// The object's identity: equal for two pointers exactly when they
    /// point to the same object, the same before and after the object
    /// moves, and unique among live objects (a dead object's identity may
    /// be given to a new one). For hashing objects by identity
    /// ([`GcMap`](super::GcMap) keys do it through [`GcHash`](super::GcHash)).
    #[inline]
    pub fn identity<T: ?Sized + 'gc>(&self, gc: Gc<'gc, T>) -> Identity {
        // SAFETY: `gc` is live; the step calls no user code.
        Identity(unsafe { self.heap().collector.identity(gc.object()) })
    }

    /// `true` once an allocation in this region has spent the budget: the
    /// region's end will collect. A long computation in bounded steps (an
    /// interpreter's loop) checks it to end its region early, so garbage
    /// does not pile up past the trigger, and a small heap is not filled
    /// before the collector gets to run.
    ///
    /// ```
    /// use gc_core::{Heap, HeapConfig};
    ///
    /// let config = HeapConfig { stress: true, ..HeapConfig::default() };
    /// let mut heap = Heap::<gc_copying::Copying>::new(config).unwrap();
    /// heap.scope("main", |s| {
    ///     s.mutate(|m| {
    ///         assert!(!m.collection_due());
    ///         m.alloc(1u64); // stress mode: any allocation spends the budget
    ///         assert!(m.collection_due());
    ///     });
    ///     s.mutate(|m| assert!(!m.collection_due())); // the first region's end collected
    /// });
    /// ```
    #[inline]
    pub fn collection_due(&self) -> bool {
        // SAFETY: this step calls no user code.
        unsafe { self.heap() }.collection_due()
    }

    /// Charges `bytes` of memory an object owns outside the heap: see
    /// [`Charge`].
    pub fn charge(&self, bytes: usize) -> Result<Charge<'gc>, GcError> {
        Charge::new(self.allocator(), bytes)
    }

    /// Panics unless `heap` is this region's heap id.
    pub(crate) fn check_heap(&self, heap: u32) {
        // SAFETY: this step calls no user code.
        unsafe { self.heap() }.check_root(heap)
    }

    /// Adds a persistent root for `obj`.
    pub(crate) fn add_persistent(
        &self,
        obj: crate::object::ObjectRef,
    ) -> (std::sync::Arc<crate::heap::PersistentSlot>, u32) {
        // SAFETY: this step calls no user code.
        unsafe { self.heap() }.add_persistent(obj)
    }

    /// The allocator of the model's containers, charging this heap.
    pub(crate) fn allocator(&self) -> HeapAlloc<'gc> {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        // SAFETY: `Heap::shared` is the box of the heap this region is in,
        // which outlives its objects (`HeapAlloc::new`).
        unsafe { HeapAlloc::new(heap.shared()) }
    }
}
