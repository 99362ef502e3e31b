//! [`GcElements`]: the containers of handle-API pointers that an object
//! owns and [`Scope::set_at`](crate::Scope::set_at) stores into in O(1).

use crate::handle::Gc;

mod sealed {
    pub trait Sealed {}
}

/// A container of [`Gc`]s that owns its elements: `Vec<Gc<U>>` and
/// `Box<[Gc<U>]>`. When such a container is a field of an object (inside
/// its payload, not behind another box), its elements belong to the
/// object, so [`Scope::set_at`](crate::Scope::set_at), [`Scope::clear_at`](crate::Scope::clear_at)
/// and [`Scope::load_at`](crate::Scope::load_at) check a store with two
/// comparisons and a bounds check, whatever the length, where
/// [`Scope::set`](crate::Scope::set) with a projection into the vector
/// traces the whole object to find the slot.
///
/// Sealed: an implementation must hand out only elements its value owns
/// (a slice borrowed from elsewhere would let a store write a pointer
/// where no collector looks).
///
/// ```
/// use gc_core::{Gc, Heap, HeapConfig, Trace};
///
/// #[derive(Trace)]
/// struct Array { items: Vec<Gc<u64>> }
///
/// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let items = (0..100_000).map(|_| Gc::null()).collect();
///     let array = s.alloc(Array { items });
///     let seven = s.alloc(7u64);
///     s.set_at(array, |a| &a.items, 99_999, seven); // O(1) at any length
///     let loaded = s.load_at(array, |a| &a.items, 99_999).unwrap();
///     assert_eq!(*s.get(loaded), 7);
///     s.clear_at(array, |a| &a.items, 99_999);
///     assert!(s.load_at(array, |a| &a.items, 99_999).is_none());
/// });
/// ```
pub trait GcElements<U>: sealed::Sealed {
    /// The elements.
    fn elements(&self) -> &[Gc<U>];
}

impl<U> sealed::Sealed for Vec<Gc<U>> {}

impl<U> GcElements<U> for Vec<Gc<U>> {
    #[inline(always)]
    fn elements(&self) -> &[Gc<U>] {
        self
    }
}

impl<U> sealed::Sealed for Box<[Gc<U>]> {}

impl<U> GcElements<U> for Box<[Gc<U>]> {
    #[inline(always)]
    fn elements(&self) -> &[Gc<U>] {
        self
    }
}
