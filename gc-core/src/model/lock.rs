//! Interior mutability for heap objects, behind the write barrier:
//! [`Lock`] (a `Cell`), [`RefLock`] (a `RefCell`) and [`Write`], the proof
//! that an object went through [`Mutation::write`](super::Mutation::write).

use crate::trace::{Rebrand, Trace, Tracer};
use std::cell::{Cell, Ref, RefCell, RefMut};
use std::fmt;
use std::mem::size_of;
use std::ops::Deref;

/// A `T` inside an object that has been opened for writing in this region
/// ([`Mutation::write`](super::Mutation::write)): its locks can be changed.
///
/// Only the barrier makes a `&Write<T>`, so a `Lock` or `RefLock` can be
/// changed only after its object was logged.
#[repr(transparent)]
pub struct Write<T: ?Sized>(T);

impl<T: ?Sized> Write<T> {
    /// Views `value` as writable.
    ///
    /// # Safety
    /// - `value` is (part of) an object the write barrier logged in the
    ///   current region, and the reference lives at most as long as the region.
    #[inline(always)]
    pub(crate) unsafe fn new(value: &T) -> &Write<T> {
        // SAFETY: `Write<T>` is a transparent wrapper of `T` (the same
        // metadata for an unsized `T`).
        unsafe { &*(value as *const T as *const Write<T>) }
    }
}

impl<T> Write<T> {
    /// The writable part of this object that `field` picks, such as one of
    /// its fields: `m.write(table).project(|t| &t.hash).borrow_mut()`.
    ///
    /// # Panics
    /// If `field` returns something that does not lie inside this object
    /// (two comparisons; it would otherwise let a write skip the barrier).
    #[inline(always)]
    pub fn project<U>(&self, field: impl for<'a> FnOnce(&'a T) -> &'a U) -> &Write<U> {
        let part = field(&self.0);
        let start = (&self.0 as *const T).addr();
        let at = (part as *const U).addr();
        assert!(
            at >= start && at + size_of::<U>() <= start + size_of::<T>(),
            "Write::project: the projection must return a part of the object itself"
        );
        // SAFETY: `part` lies inside this object, which the barrier logged,
        // and borrows no longer than `self`.
        unsafe { Write::new(part) }
    }
}

impl<T> Write<[T]> {
    /// The writable element at `index`, or `None` past the end: each
    /// element of a slice object the barrier opened can be changed.
    ///
    /// ```
    /// use gc_core::model::Lock;
    /// use gc_core::{Heap, HeapConfig};
    ///
    /// let mut heap = Heap::<gc_refcount::RefCount>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| s.mutate(|m| {
    ///     let cells = m.alloc_from_iter([Lock::new(1u32), Lock::new(2)]);
    ///     let open = m.write(cells);
    ///     open.get(1).unwrap().set(20);
    ///     open[0].set(10); // or by index (panics past the end)
    ///     assert!(open.get(2).is_none());
    ///     assert_eq!(cells.iter().map(Lock::get).collect::<Vec<_>>(), [10, 20]);
    /// }));
    /// ```
    #[inline(always)]
    pub fn get(&self, index: usize) -> Option<&Write<T>> {
        // SAFETY: an element of a slice the barrier logged, borrowed no
        // longer than `self`.
        self.0
            .get(index)
            .map(|element| unsafe { Write::new(element) })
    }

    /// The writable elements, first to last.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = &Write<T>> + '_ {
        // SAFETY: `Write::new`'s bullet: each element belongs to a slice
        // the barrier logged, and the `&Write` lives no longer than `self`.
        self.0.iter().map(|element| unsafe { Write::new(element) })
    }
}

impl<T> std::ops::Index<usize> for Write<[T]> {
    type Output = Write<T>;
    /// # Panics
    /// If `index` is past the end.
    #[inline(always)]
    fn index(&self, index: usize) -> &Write<T> {
        // SAFETY: `Write::new`'s bullet: an element of a slice the barrier
        // logged, borrowed no longer than `self`.
        unsafe { Write::new(&self.0[index]) }
    }
}

impl<T: ?Sized> Deref for Write<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A `Copy` value in an object that can be replaced, like a `Cell`: read it
/// with [`Lock::get`] anywhere, set it through the barrier with
/// [`Write::set`] (or [`Gc::set`](super::Gc::set) for an object that is a lock).
///
/// A field of a value enum that changes variant (`Nil` to `Table`) is a
/// `Lock<Value<'gc>>`: one store, no boxing.
#[derive(Default)]
pub struct Lock<T>(Cell<T>);

impl<T: Copy> Lock<T> {
    /// A lock holding `value`.
    pub const fn new(value: T) -> Lock<T> {
        Lock(Cell::new(value))
    }

    /// The value.
    #[inline(always)]
    pub fn get(&self) -> T {
        self.0.get()
    }
}

impl<T: Copy> Write<Lock<T>> {
    /// Replaces the value.
    #[inline(always)]
    pub fn set(&self, value: T) {
        self.0 .0.set(value)
    }
}

impl<T: Copy + fmt::Debug> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Lock").field(&self.get()).finish()
    }
}

// SAFETY: traces the value (rules 1, 2). Its pointers are written only
// through `Write::set`, after the barrier (rule 4 for the object model),
// and a collection runs only between regions, when no `&Write` exists.
unsafe impl<T: Trace> Trace for Lock<T> {
    crate::trace::same_constants_as!(T);
    #[inline]
    fn trace(&self, tracer: &mut Tracer) {
        // SAFETY: no `&mut` to the value exists (a `Cell` hands none out),
        // and nothing sets it while the collector traces.
        unsafe { &*self.0.as_ptr() }.trace(tracer)
    }
    fn describe(&self, edges: &mut crate::edges::Edges) {
        // SAFETY: no `&mut` to the value exists (a `Cell` hands none out);
        // describing runs outside regions, when no `&Write` exists, so
        // nothing sets the value while it is read.
        unsafe { &*self.0.as_ptr() }.describe(edges)
    }
}

// SAFETY: the same lock of the rebranded value.
unsafe impl<'a, T: Rebrand<'a>> Rebrand<'a> for Lock<T> {
    type Output = Lock<T::Output>;
}

/// A value in an object that can be borrowed mutably, like a `RefCell`:
/// [`RefLock::borrow`] anywhere, [`Write::borrow_mut`] through the barrier.
/// A whole vector or map behind one `RefLock` can then be changed at will
/// (`push`, `retain`, `sort`) for the cost of one barrier per region.
#[derive(Default)]
pub struct RefLock<T>(RefCell<T>);

impl<T> RefLock<T> {
    /// A lock holding `value`.
    pub const fn new(value: T) -> RefLock<T> {
        RefLock(RefCell::new(value))
    }

    /// Borrows the value.
    ///
    /// # Panics
    /// If it is borrowed mutably.
    #[inline(always)]
    pub fn borrow(&self) -> Ref<'_, T> {
        self.0.borrow()
    }
}

impl<T> Write<RefLock<T>> {
    /// Borrows the value mutably.
    ///
    /// # Panics
    /// If it is borrowed.
    #[inline(always)]
    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        self.0 .0.borrow_mut()
    }
}

impl<T: fmt::Debug> fmt::Debug for RefLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RefLock").field(&self.0).finish()
    }
}

impl<T> RefLock<T> {
    /// The value, for a trace: checked against the borrow flag, unless the
    /// tracer is a collector's ([`Tracer::for_collection`]), for which no
    /// guard can be in use, so that a `RefMut` leaked with `mem::forget`,
    /// `Box::leak` or `ManuallyDrop` (whose flag stays set) cannot stop a
    /// collection.
    ///
    /// # Panics
    /// If safe code traces or describes the lock while a `RefMut` of it is
    /// alive (inside a region).
    #[inline]
    fn for_trace(&self, trusted: bool) -> &T {
        // SAFETY: `try_borrow_unguarded` succeeds only while no `RefMut`
        // exists; the reference lives while `&self` does, and tracing does
        // not call `borrow_mut` (it has no `Write`).
        match unsafe { self.0.try_borrow_unguarded() } {
            Ok(value) => value,
            // SAFETY: a trusted tracer's contract (`Tracer::for_collection`):
            // no `RefMut` of this lock can be used while it traces, so the
            // value is not being changed.
            Err(_) if trusted => unsafe { &*self.0.as_ptr() },
            Err(_) => panic!("a RefLock was traced while a RefMut of it is alive"),
        }
    }
}

// SAFETY: traces the value (rules 1, 2); the value is changed only after
// the barrier (rule 4). A collection runs only between regions, and every
// `Ref` or `RefMut` borrows a region's `&Write` or `&RefLock`, so none can
// be used while a collector's tracer (`Tracer::for_collection`) traces,
// even one leaked with `mem::forget` or `Box::leak`, whose flag stays set:
// such a tracer reads past the flag and cannot panic (rule 3). (Such a
// lock then stays borrowed, as a `RefCell` does: later borrows panic.)
unsafe impl<T: Trace> Trace for RefLock<T> {
    crate::trace::same_constants_as!(T);
    #[inline]
    fn trace(&self, tracer: &mut Tracer) {
        self.for_trace(tracer.trusted()).trace(tracer)
    }
    fn describe(&self, edges: &mut crate::edges::Edges) {
        self.for_trace(edges.trusted()).describe(edges)
    }
}

// SAFETY: the same lock of the rebranded value.
unsafe impl<'a, T: Rebrand<'a>> Rebrand<'a> for RefLock<T> {
    type Output = RefLock<T::Output>;
}

// SAFETY: a `Cell` of a `T`.
unsafe impl<T: crate::HeapSend> crate::HeapSend for Lock<T> {}

// SAFETY: a `RefCell` of a `T`.
unsafe impl<T: crate::HeapSend> crate::HeapSend for RefLock<T> {}
