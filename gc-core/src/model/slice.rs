//! Objects sized at allocation: [`Gc<'gc, [T]>`](Gc) and
//! [`Gc<'gc, str>`](Gc), a length word and the elements inline
//! ([`TypeInfo::of_slice`]).

use super::{Gc, Mutation};
use crate::collector::Collector;
use crate::error::{GcError, GcErrorKind};
use crate::object::TypeInfo;
use crate::threads::{Admits, Threads};
use crate::trace::{Rebrand, Trace};
use std::mem::{align_of, size_of};

impl<'s, 'gc, C: Collector, Th: Threads> Mutation<'s, 'gc, C, Th> {
    /// Allocates a slice object holding a copy of `items`: its length is
    /// fixed, its elements inline after the length. Elements that hold
    /// pointers are traced; elements that are [`Lock`](super::Lock)s can be
    /// changed through [`Mutation::write`] (`m.write(slice)[i].set(v)`).
    /// Never collects. For elements that are not `Copy`, see
    /// [`Mutation::alloc_from_iter`].
    ///
    /// ```
    /// use gc_core::model::Gc;
    /// use gc_core::{Heap, HeapConfig, Trace};
    ///
    /// #[derive(Trace)]
    /// struct Blob<'gc> { bytes: Gc<'gc, [u8]> }
    ///
    /// let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| {
    ///     let blob = s.mutate(|m| {
    ///         let bytes = m.alloc_slice(b"\x00\x01\x02");
    ///         m.root(m.alloc(Blob { bytes }))
    ///     });
    ///     s.collect(); // moves both objects
    ///     s.mutate(|m| assert_eq!(&*m.get(blob).bytes, &[0, 1, 2]));
    /// });
    /// ```
    ///
    /// # Panics
    /// With the message of the error [`Mutation::try_alloc_slice`] returns.
    #[inline]
    pub fn alloc_slice<T>(&self, items: &[T]) -> Gc<'gc, [T]>
    where
        T: Copy + Trace + Rebrand<'static> + 'gc,
        T::Output: Trace + 'static,
        Th: Admits<[T]>,
    {
        self.try_alloc_slice(items)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`Mutation::alloc_slice`], or [`GcErrorKind::OutOfMemory`] when the
    /// heap is at its capacity, [`GcErrorKind::TooLarge`] when the object
    /// would exceed `isize::MAX` bytes, or [`GcErrorKind::AlignmentTooLarge`].
    #[inline]
    pub fn try_alloc_slice<T>(&self, items: &[T]) -> Result<Gc<'gc, [T]>, GcError>
    where
        T: Copy + Trace + Rebrand<'static> + 'gc,
        T::Output: Trace + 'static,
        Th: Admits<[T]>,
    {
        // SAFETY: `items` is readable for its length; `T: Copy`, so the
        // copies need no forgetting.
        unsafe { self.alloc_slice_from::<T, [T]>(items.as_ptr(), items.len()) }
    }

    /// Allocates a string object holding a copy of `text`.
    ///
    /// ```
    /// use gc_core::{Heap, HeapConfig};
    ///
    /// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| s.mutate(|m| {
    ///     let name = m.alloc_str("λ-calculus");
    ///     assert_eq!((&*name, name.len()), ("λ-calculus", 11));
    /// }));
    /// ```
    ///
    /// # Panics
    /// With the message of the error [`Mutation::try_alloc_str`] returns.
    #[inline]
    pub fn alloc_str(&self, text: &str) -> Gc<'gc, str>
    where
        Th: Admits<str>,
    {
        self.try_alloc_str(text)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`Mutation::alloc_str`], or the errors of [`Mutation::try_alloc_slice`].
    #[inline]
    pub fn try_alloc_str(&self, text: &str) -> Result<Gc<'gc, str>, GcError>
    where
        Th: Admits<str>,
    {
        // SAFETY: `text` is readable for its length; bytes need no forgetting.
        let bytes = unsafe { self.alloc_slice_from::<u8, str>(text.as_ptr(), text.len()) }?;
        // SAFETY: the bytes were copied from a `str`.
        Ok(unsafe { Gc::from_utf8_unchecked(bytes) })
    }

    /// Allocates a slice object of the items `items` yields (any `T`, such
    /// as a type with a destructor, or `items.iter().cloned()`). The items
    /// are collected first, then moved into the object: user code (the
    /// iterator, `clone`) never runs while the object is half filled.
    ///
    /// ```
    /// use gc_core::{Heap, HeapConfig};
    ///
    /// let mut heap = Heap::<gc_refcount::RefCount>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| s.mutate(|m| {
    ///     let words = m.alloc_from_iter("to be or not".split(' ').map(String::from));
    ///     assert_eq!(words.len(), 4);
    ///     assert_eq!(words[3], "not");
    /// }));
    /// ```
    ///
    /// # Panics
    /// With the message of the error [`Mutation::try_alloc_from_iter`]
    /// returns, or the iterator's panic.
    #[inline]
    pub fn alloc_from_iter<T, I>(&self, items: I) -> Gc<'gc, [T]>
    where
        I: IntoIterator<Item = T>,
        T: Trace + Rebrand<'static> + 'gc,
        T::Output: Trace + 'static,
        Th: Admits<[T]>,
    {
        self.try_alloc_from_iter(items)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`Mutation::alloc_from_iter`], or the errors of
    /// [`Mutation::try_alloc_slice`] (with the items dropped). An iterator
    /// whose lower size bound already makes the object too large or larger
    /// than the heap's capacity fails before it is run.
    pub fn try_alloc_from_iter<T, I>(&self, items: I) -> Result<Gc<'gc, [T]>, GcError>
    where
        I: IntoIterator<Item = T>,
        T: Trace + Rebrand<'static> + 'gc,
        T::Output: Trace + 'static,
        Th: Admits<[T]>,
    {
        let items = items.into_iter();
        let at_least = items.size_hint().0;
        self.check_slice_size::<T>(at_least)?;
        let mut buffer = Vec::new();
        buffer
            .try_reserve_exact(at_least)
            .map_err(|_| self.out_of_memory(usize::MAX))?;
        buffer.extend(items);
        let mut items = buffer;
        // SAFETY: `items` is readable for its length; on success its
        // elements were moved into the object and are forgotten here.
        let slice = unsafe { self.alloc_slice_from::<T, [T]>(items.as_ptr(), items.len()) }?;
        // SAFETY: the elements now belong to the object (moved above).
        unsafe { items.set_len(0) };
        Ok(slice)
    }

    /// Allocates a slice object and moves `len` elements from `items` into
    /// it; `A` is what the heap must admit (`[T]`, or `str` for bytes).
    ///
    /// # Safety
    /// - `items` is valid for reading `len` `T`s; on `Ok` they were moved
    ///   (the caller does not drop them), on `Err` they were not read.
    unsafe fn alloc_slice_from<T, A: ?Sized>(
        &self,
        items: *const T,
        len: usize,
    ) -> Result<Gc<'gc, [T]>, GcError>
    where
        T: Trace + Rebrand<'static> + 'gc,
        T::Output: Trace + 'static,
        Th: Admits<A>,
    {
        const {
            assert!(size_of::<T>() == size_of::<T::Output>());
            assert!(align_of::<T>() == align_of::<T::Output>());
        };
        let (info, size) = self.check_slice_size::<T>(len)?;
        // SAFETY: this step calls no user code.
        let obj = unsafe { self.heap() }.alloc_in_region::<A>(info, size)?;
        // SAFETY: a fresh object of `size` bytes, room for the length word
        // and `len` elements at `value_offset` (`object_size_with`), aligned
        // for `T` (`info.align`); `items` does not overlap it. Nothing runs
        // between the allocation and these writes.
        unsafe {
            obj.payload().cast::<usize>().write(len);
            let first = obj.payload().add(info.value_offset).cast::<T>();
            std::ptr::copy_nonoverlapping(items, first.as_ptr(), len);
        }
        if C::CAPABILITIES.logs_writes && T::NEEDS_TRACE {
            // SAFETY: `obj` is live and its payload initialised just now;
            // the step calls no user code.
            unsafe { self.heap().collector.born(obj) };
        }
        // SAFETY: a live slice object of `T`s with its length written.
        Ok(unsafe { Gc::from_slice_object(obj) })
    }

    /// The descriptor and size of a slice object of `len` `T`s, or
    /// [`GcErrorKind::TooLarge`] past `isize::MAX` bytes, or
    /// [`GcErrorKind::OutOfMemory`] past the heap's capacity.
    fn check_slice_size<T>(&self, len: usize) -> Result<(&'static TypeInfo, usize), GcError>
    where
        T: Rebrand<'static>,
        T::Output: Trace + 'static,
    {
        // `T::Output` is `T` with its brand replaced: the same layout and
        // trace, and a descriptor that can be `'static`.
        let info = TypeInfo::of_slice::<T::Output>();
        let size = info.object_size_with(len).ok_or_else(|| {
            GcError::from(GcErrorKind::TooLarge {
                type_name: std::any::type_name::<T>(),
                len,
            })
        })?;
        // SAFETY: this step calls no user code.
        if size > unsafe { self.heap() }.config().capacity {
            return Err(self.out_of_memory(size));
        }
        Ok((info, size))
    }

    /// The error for an allocation of `requested` bytes that cannot fit.
    fn out_of_memory(&self, requested: usize) -> GcError {
        // SAFETY: this step calls no user code.
        unsafe { self.heap() }.region_out_of_memory(requested)
    }
}
