//! [`Gc`]: a `Copy` pointer to a heap object, valid inside one mutation region.

use crate::handle::Brand;
use crate::object::{Header, ObjectRef};
use crate::trace::{Rebrand, Trace, Tracer};
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;

/// A pointer to a `T` on the heap, branded with the mutation region `'gc`
/// that can see it.
///
/// `Gc` is `Copy` and never null (use `Option<Gc<'gc, T>>`, the same size,
/// for a nullable field). It dereferences to `&T` at no cost: inside a
/// region nothing collects, frees or moves, and a `Gc<'gc, _>` cannot leave
/// its region (the brand is invariant and fresh per region), so the object
/// it points to is alive and where the pointer says for as long as the
/// pointer can be used. To keep an object across regions, root it
/// ([`Mutation::root`](crate::model::Mutation::root)) or store it in an
/// object that is rooted.
///
/// ```
/// use gc_core::model::Gc;
/// use gc_core::{Heap, HeapConfig, Trace};
///
/// #[derive(Trace, Clone, Copy)]
/// struct Pair<'gc> { left: Option<Gc<'gc, Pair<'gc>>>, value: u32 }
///
/// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let sum = s.mutate(|m| {
///         let leaf = m.alloc(Pair { left: None, value: 1 });
///         let top = m.alloc(Pair { left: Some(leaf), value: 2 });
///         top.value + top.left.unwrap().value // plain reads, no roots
///     });
///     assert_eq!(sum, 3);
/// });
/// ```
#[repr(transparent)]
pub struct Gc<'gc, T> {
    ptr: NonNull<Header>,
    _marker: PhantomData<(Brand<'gc>, *const T)>,
}

impl<'gc, T: 'gc> Gc<'gc, T> {
    /// Wraps an object of `T`.
    ///
    /// # Safety
    /// - `obj` is a live object whose payload is an initialised `T` (up to
    ///   brand), on a heap with a region `'gc` open now.
    #[inline(always)]
    pub(crate) unsafe fn from_object(obj: ObjectRef) -> Gc<'gc, T> {
        Gc {
            ptr: obj.start().cast(),
            _marker: PhantomData,
        }
    }

    /// The object, for the heap's own bookkeeping.
    #[inline(always)]
    pub(crate) fn object(self) -> ObjectRef {
        // SAFETY: `ptr` came from an `ObjectRef` (`from_object`) or was
        // rewritten by a collector with another object's start.
        unsafe { ObjectRef::from_addr(self.ptr.as_ptr().addr()) }
    }

    /// Borrows the object for the whole region: the reference cannot
    /// outlive the pointer's brand.
    #[inline(always)]
    #[allow(clippy::should_implement_trait)] // an associated fn, like `Rc::as_ptr`: no clash with `AsRef`
    pub fn as_ref(this: Gc<'gc, T>) -> &'gc T {
        // SAFETY: the object is live and unmoved for all of `'gc` (nothing
        // collects inside a region, and a `Gc<'gc, _>` exists only inside
        // its region), and its payload is a `T`.
        unsafe { this.object().payload().cast::<T>().as_ref() }
    }

    /// `true` if both point to the same object. Identity survives moves:
    /// every pointer to an object is rewritten when it moves.
    #[inline(always)]
    pub fn ptr_eq(a: Gc<'gc, T>, b: Gc<'gc, T>) -> bool {
        a.ptr == b.ptr
    }
}

impl<T> Clone for Gc<'_, T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Gc<'_, T> {}

impl<'gc, T: 'gc> Deref for Gc<'gc, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        Gc::as_ref(*self)
    }
}

impl<T> fmt::Debug for Gc<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gc<{}>({:p})", std::any::type_name::<T>(), self.ptr)
    }
}

// SAFETY: reports its own slot, the only reference it holds (rules 1, 2);
// hands out no `&mut` to it (rule 4). A `Gc` inside a heap object is
// rewritten by moving collectors through the slot `report_model` records.
unsafe impl<T> Trace for Gc<'_, T> {
    const NEEDS_TRACE: bool = true;
    const MODEL_POINTERS: bool = true;
    #[inline(always)]
    fn trace(&self, tracer: &mut Tracer) {
        tracer.report_model((self as *const Self).cast());
    }
}

// SAFETY: the same pointer with its brand and its target's replaced.
unsafe impl<'a, T: Rebrand<'a>> Rebrand<'a> for Gc<'_, T> {
    type Output = Gc<'a, T::Output>;
}
