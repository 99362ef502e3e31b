//! [`GcVec`]: a growable vector whose elements may hold heap pointers.

use super::account::HeapAlloc;
use super::Mutation;
use crate::collector::Collector;
use crate::error::{GcError, GcErrorKind};
use crate::space::buffer::BUFFER_ALIGN;
use crate::threads::Threads;
use crate::trace::{holds_pointers, Rebrand, Trace, Tracer};
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
/// A vector that has only ever been given values without pointers (numbers,
/// `Nil`) by `push` and `insert` knows it, and collections skip its
/// elements (V8's "double elements" kind, as a flag): tracing it costs
/// nothing, however long it is. Changing elements in place (an indexed
/// store, `iter_mut`, `sort`) may store a pointer, so it ends that until the
/// vector is empty again.
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
pub struct GcVec<'gc, T> {
    items: Vec<T, HeapAlloc<'gc>>,
    /// No element holds a pointer: `true` when empty, kept by `push` and
    /// `insert` of values that hold none, made `false` by any other value
    /// they take and by every `&mut` access to the elements (`DerefMut`).
    /// Removing elements cannot add a pointer, so it keeps it.
    pointer_free: bool,
}

impl<'gc, T> GcVec<'gc, T> {
    /// An empty vector (allocates nothing until the first push).
    pub fn new<C: Collector, Th: Threads>(m: &Mutation<'_, 'gc, C, Th>) -> GcVec<'gc, T> {
        GcVec {
            items: Vec::new_in(m.allocator()),
            pointer_free: true,
        }
    }

    /// An empty vector with room for `capacity` elements, or
    /// [`OutOfMemory`](crate::GcErrorKind::OutOfMemory).
    pub fn try_with_capacity<C: Collector, Th: Threads>(
        m: &Mutation<'_, 'gc, C, Th>,
        capacity: usize,
    ) -> Result<GcVec<'gc, T>, GcError> {
        let mut vec = GcVec::new(m);
        vec.try_reserve(capacity)?;
        Ok(vec)
    }

    /// Makes room for `additional` more elements, or returns
    /// [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) with the vector unchanged
    /// ([`AlignmentTooLarge`](crate::GcErrorKind::AlignmentTooLarge) if `T` is aligned to
    /// more than 16 bytes).
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), GcError> {
        self.items.try_reserve(additional).map_err(|_| {
            let bytes = additional.saturating_mul(size_of::<T>());
            refused::<T>(self.items.allocator(), bytes)
        })
    }

    /// Notes that `value` is about to become an element.
    #[inline(always)]
    fn taking(&mut self, value: &T)
    where
        T: Trace,
    {
        if self.pointer_free && holds_pointers(value) {
            self.pointer_free = false;
        }
    }

    /// Puts the flag back once the vector is empty.
    #[inline(always)]
    fn emptied(&mut self) {
        if self.items.is_empty() {
            self.pointer_free = true;
        }
    }

    /// Removes and returns the last element.
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        let last = self.items.pop();
        self.emptied();
        last
    }

    /// Removes the element at `index`, shifting the rest down.
    ///
    /// # Panics
    /// If `index >= len`.
    pub fn remove(&mut self, index: usize) -> T {
        let removed = self.items.remove(index);
        self.emptied();
        removed
    }

    /// Removes the element at `index`, replacing it with the last one.
    ///
    /// # Panics
    /// If `index >= len`.
    pub fn swap_remove(&mut self, index: usize) -> T {
        let removed = self.items.swap_remove(index);
        self.emptied();
        removed
    }

    /// Keeps the first `len` elements.
    pub fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
        self.emptied();
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.items.clear();
        self.emptied();
    }

    /// Keeps the elements for which `keep` returns `true`.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
        self.emptied();
    }

    /// Elements the buffer has room for.
    pub fn capacity(&self) -> usize {
        self.items.capacity()
    }
}

/// The error for a container buffer of `bytes` for elements of type `T`
/// that `alloc` refused: [`AlignmentTooLarge`](crate::GcErrorKind::AlignmentTooLarge) if the
/// elements are aligned to more than buffers are, else what the allocator
/// says ([`HeapAlloc::out_of_memory`]).
pub(crate) fn refused<T>(alloc: &HeapAlloc<'_>, bytes: usize) -> GcError {
    if align_of::<T>() > BUFFER_ALIGN {
        return GcErrorKind::AlignmentTooLarge {
            type_name: std::any::type_name::<T>(),
            align: align_of::<T>(),
        }
        .into();
    }
    alloc.out_of_memory(bytes)
}

impl<T: Trace> GcVec<'_, T> {
    /// Appends `value`.
    ///
    /// # Panics
    /// With the [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) message if the buffer cannot grow
    /// within the heap's capacity; [`GcVec::try_push`] returns the error.
    #[inline]
    pub fn push(&mut self, value: T) {
        if let Err(error) = self.try_push(value) {
            panic!("{error}");
        }
    }

    /// Appends `value`, or returns [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) (dropping it).
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), GcError> {
        if self.items.len() == self.items.capacity() {
            self.try_reserve(1)?;
        }
        self.taking(&value);
        self.items.push(value);
        Ok(())
    }

    /// Inserts `value` at `index`, shifting the rest up.
    ///
    /// # Panics
    /// If `index > len`, or as [`GcVec::push`].
    pub fn insert(&mut self, index: usize, value: T) {
        if self.items.len() == self.items.capacity() {
            if let Err(error) = self.try_reserve(1) {
                panic!("{error}");
            }
        }
        self.taking(&value);
        self.items.insert(index, value);
    }
}

impl<T> Deref for GcVec<'_, T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T> DerefMut for GcVec<'_, T> {
    /// The elements, to change in place: the vector may hold pointers from
    /// now on (see [`GcVec`]).
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        self.pointer_free = false;
        &mut self.items
    }
}

impl<T: fmt::Debug> fmt::Debug for GcVec<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

// SAFETY: traces every element once (rules 1, 2), but when
// `pointer_free` says no element holds a pointer: every way an element
// can gain one goes through `&mut self` (elements have no interior
// mutability a `&GcVec` could reach: a `Lock` or `RefLock` changes only
// through a `Write`, which `Write::project` makes only for parts of the
// object itself, not of its buffer), and each such way either probes the
// new value (`taking`) or clears the flag (`deref_mut`). The buffer comes
// from `HeapAlloc`, which exposes its provenance, so a moving collector may
// rewrite the pointers in it (`Tracer::report_model`).
unsafe impl<T: Trace> Trace for GcVec<'_, T> {
    crate::trace::same_constants_as!(T);
    #[inline]
    fn trace(&self, tracer: &mut Tracer) {
        if T::NEEDS_TRACE && !self.pointer_free {
            self.items.iter().for_each(|value| value.trace(tracer));
        }
    }
    fn describe(&self, edges: &mut crate::edges::Edges) {
        edges.owned_bytes(self.items.capacity() * std::mem::size_of::<T>());
        crate::trace::describe_elements(self.items.iter(), edges);
    }
}

// SAFETY: the same vector of the rebranded element type.
unsafe impl<'a, T: Rebrand<'a>> Rebrand<'a> for GcVec<'_, T> {
    type Output = GcVec<'a, T::Output>;
}

// SAFETY: owns its `T`s in a buffer from the heap's buffer space; its
// allocator points to the heap's shared box, which moves with the heap
// and is used only by whoever holds the heap (the allocator is branded, so
// it lives only in that heap's objects and regions).
unsafe impl<T: crate::HeapSend> crate::HeapSend for GcVec<'_, T> {}
