//! [`GcVec`]: a growable vector whose elements may hold heap pointers.

use super::account::HeapAlloc;
use super::Mutation;
use crate::collector::Collector;
use crate::error::GcError;
use crate::threads::Threads;
use crate::trace::{Rebrand, Trace, Tracer};
use allocator_api2::vec::Vec;
use std::fmt;
use std::ops::{Deref, DerefMut};

/// A growable vector for heap objects: its elements may hold [`Gc`](super::Gc)
/// pointers (traced, and rewritten when their objects move), and its buffer
/// is charged to the heap, so the capacity bounds it and the collection
/// trigger sees it grow.
///
/// Keep it in an object behind a [`RefLock`](super::RefLock): after one
/// barrier per region, `push`, indexed stores, `retain` and `sort` are
/// plain vector operations (an indexed store is O(1) whatever the length).
///
/// ```
/// use gc_core::model::{GcVec, Gc, RefLock};
/// use gc_core::{Heap, HeapConfig, Trace};
///
/// #[derive(Trace, Clone, Copy)]
/// enum Value<'gc> { Nil, Num(f64), Pair(Gc<'gc, (Value<'gc>, Value<'gc>)>) }
///
/// let mut heap = Heap::<gc_refcount::RefCount>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     s.mutate(|m| {
///         let array = m.alloc(RefLock::new(GcVec::new(m)));
///         let mut items = m.write(array).borrow_mut();
///         items.push(Value::Num(1.0));
///         items.push(Value::Nil);
///         items[1] = Value::Pair(m.alloc((Value::Num(2.0), Value::Nil))); // Nil -> Pair
///         items.retain(|v| !matches!(v, Value::Num(_)));
///         assert_eq!(items.len(), 1);
///     });
/// });
/// ```
pub struct GcVec<'gc, T>(Vec<T, HeapAlloc<'gc>>);

impl<'gc, T> GcVec<'gc, T> {
    /// An empty vector (allocates nothing until the first push).
    pub fn new<C: Collector, Th: Threads>(m: &Mutation<'_, 'gc, C, Th>) -> GcVec<'gc, T> {
        GcVec(Vec::new_in(m.allocator()))
    }

    /// An empty vector with room for `capacity` elements, or
    /// [`GcError::OutOfMemory`].
    pub fn try_with_capacity<C: Collector, Th: Threads>(
        m: &Mutation<'_, 'gc, C, Th>,
        capacity: usize,
    ) -> Result<GcVec<'gc, T>, GcError> {
        let mut vec = GcVec::new(m);
        vec.try_reserve(capacity)?;
        Ok(vec)
    }

    /// Makes room for `additional` more elements, or returns
    /// [`GcError::OutOfMemory`] with the vector unchanged.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), GcError> {
        self.0.try_reserve(additional).map_err(|_| {
            let bytes = additional.saturating_mul(size_of::<T>());
            self.0.allocator().out_of_memory(bytes)
        })
    }

    /// Appends `value`.
    ///
    /// # Panics
    /// With the [`GcError::OutOfMemory`] message if the buffer cannot grow
    /// within the heap's capacity; [`GcVec::try_push`] returns the error.
    #[inline]
    pub fn push(&mut self, value: T) {
        if let Err(error) = self.try_push(value) {
            panic!("{error}");
        }
    }

    /// Appends `value`, or returns [`GcError::OutOfMemory`] (dropping it).
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), GcError> {
        if self.0.len() == self.0.capacity() {
            self.try_reserve(1)?;
        }
        self.0.push(value);
        Ok(())
    }

    /// Inserts `value` at `index`, shifting the rest up.
    ///
    /// # Panics
    /// If `index > len`, or as [`GcVec::push`].
    pub fn insert(&mut self, index: usize, value: T) {
        if self.0.len() == self.0.capacity() {
            if let Err(error) = self.try_reserve(1) {
                panic!("{error}");
            }
        }
        self.0.insert(index, value);
    }

    /// Removes and returns the last element.
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }

    /// Removes the element at `index`, shifting the rest down.
    ///
    /// # Panics
    /// If `index >= len`.
    pub fn remove(&mut self, index: usize) -> T {
        self.0.remove(index)
    }

    /// Removes the element at `index`, replacing it with the last one.
    ///
    /// # Panics
    /// If `index >= len`.
    pub fn swap_remove(&mut self, index: usize) -> T {
        self.0.swap_remove(index)
    }

    /// Keeps the first `len` elements.
    pub fn truncate(&mut self, len: usize) {
        self.0.truncate(len)
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.0.clear()
    }

    /// Keeps the elements for which `keep` returns `true`.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.0.retain(keep)
    }

    /// Elements the buffer has room for.
    pub fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

impl<T> Deref for GcVec<'_, T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> DerefMut for GcVec<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for GcVec<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

// SAFETY: traces every element once (rules 1, 2). The buffer comes from
// `HeapAlloc`, which exposes its provenance, so a moving collector may
// rewrite the pointers in it (`Tracer::report_model`).
unsafe impl<T: Trace> Trace for GcVec<'_, T> {
    const NEEDS_TRACE: bool = T::NEEDS_TRACE;
    const MODEL_POINTERS: bool = T::MODEL_POINTERS;
    const HANDLE_POINTERS: bool = T::HANDLE_POINTERS;
    const CHECK: () = T::CHECK;
    #[inline]
    fn trace(&self, tracer: &mut Tracer) {
        if T::NEEDS_TRACE {
            self.0.iter().for_each(|value| value.trace(tracer));
        }
    }
}

// SAFETY: the same vector of the rebranded element type.
unsafe impl<'a, T: Rebrand<'a>> Rebrand<'a> for GcVec<'_, T> {
    type Output = GcVec<'a, T::Output>;
}
