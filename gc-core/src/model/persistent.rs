//! [`Persistent`]: a root that outlives every scope.

use super::{Gc, Mutation};
use crate::collector::Collector;
use crate::heap::PersistentSlot;
use crate::threads::{Local, Threads};
use crate::trace::Rebrand;
use crate::weak::GcWeak;
use crate::Cleanup;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A root held outside every scope: an interpreter's globals, a host's
/// handle to a script object kept between calls into the heap. The object
/// stays alive (and is followed when it moves) until the last clone of the
/// handle is dropped.
///
/// ```
/// use gc_core::model::{Lock, Persistent};
/// use gc_core::{Heap, HeapConfig};
///
/// let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
/// // Made in one `heap.scope` call ...
/// let counter: Persistent<Lock<u64>> =
///     heap.scope("init", |s| s.mutate(|m| m.persist(m.alloc(Lock::new(0u64)))));
/// // ... used in later ones, with collections in between.
/// for _ in 0..3 {
///     heap.scope("event", |s| {
///         s.mutate(|m| {
///             let c = m.persistent(&counter);
///             m.write(c).set(c.get() + 1);
///         });
///         s.collect();
///     });
/// }
/// heap.scope("read", |s| assert_eq!(s.mutate(|m| m.persistent(&counter).get()), 3));
/// ```
///
/// `Th` is the heap's [`Threads`] kind: the handle of a
/// [`Sendable`](crate::Sendable) heap is `Send` (it travels with its heap,
/// or on its own), a [`Local`] heap's is not.
pub struct Persistent<T, Th: Threads = Local> {
    pub(crate) slot: Arc<PersistentSlot>,
    pub(crate) heap: u32,
    _type: PhantomData<Typed<T, Th>>,
}

/// What a `Persistent` says about its types: it roots a `T` (but holds
/// none, so `T` does not decide whether it is `Send`) of a `Th` heap (whose
/// marker does).
type Typed<T, Th> = (fn() -> T, <Th as Threads>::Marker);

impl<T, Th: Threads> Clone for Persistent<T, Th> {
    fn clone(&self) -> Self {
        Persistent {
            slot: Arc::clone(&self.slot),
            heap: self.heap,
            _type: PhantomData,
        }
    }
}

impl<T, Th: Threads> fmt::Debug for Persistent<T, Th> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Persistent<{}>(heap {})",
            std::any::type_name::<T>(),
            self.heap
        )
    }
}

impl<'gc, C: Collector, Th: Threads> Mutation<'_, 'gc, C, Th> {
    /// A persistent root for `gc`'s object.
    pub fn persist<T: Rebrand<'static> + 'gc>(&self, gc: Gc<'gc, T>) -> Persistent<T::Output, Th> {
        let (slot, heap) = self.add_persistent(gc.object());
        Persistent {
            slot,
            heap,
            _type: PhantomData,
        }
    }

    /// A weak reference to `gc`'s object ([`weak`](crate::weak)): it does
    /// not keep the object alive, and [`upgrade`](Mutation::upgrade) gives
    /// it back, in this or a later region, while the object lives. `T` is
    /// the type with its brand replaced by `'static`, as for
    /// [`persist`](Mutation::persist).
    ///
    /// ```
    /// use gc_core::model::{Gc, Lock};
    /// use gc_core::{GcWeak, Heap, HeapConfig};
    ///
    /// let mut heap = Heap::<gc_refcount::RefCount>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| {
    ///     let (kept, weak_kept, weak_gone) = s.mutate(|m| {
    ///         let kept = m.alloc(Lock::new(1u64));
    ///         let gone = m.alloc(Lock::new(2u64));
    ///         (m.persist(kept), m.downgrade(kept), m.downgrade(gone))
    ///     });
    ///     s.collect();
    ///     s.mutate(|m| {
    ///         assert_eq!(m.upgrade(&weak_kept).map(|c| c.get()), Some(1));
    ///         assert!(m.upgrade(&weak_gone).is_none());
    ///     });
    ///     drop(kept);
    /// });
    /// ```
    pub fn downgrade<T: Rebrand<'static> + 'gc>(&self, gc: Gc<'gc, T>) -> GcWeak<T::Output> {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        // SAFETY: `WeakTable::downgrade` asks for a live object of this heap
        // of type `T::Output`: `gc` is a pointer of this region (so its
        // object lives until the region ends), a `T`, which is `T::Output`
        // up to its brand.
        unsafe { heap.collector.weak_table_mut().downgrade(gc.object()) }
    }

    /// The object `weak` refers to, as a pointer of this region, or `None`
    /// if a collection found it dead.
    ///
    /// # Panics
    /// If `weak` was made by another heap.
    pub fn upgrade<T: Rebrand<'gc>>(&self, weak: &GcWeak<T>) -> Option<Gc<'gc, T::Output>>
    where
        T::Output: 'gc,
    {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        let obj = heap.collector.weak_table().upgrade(weak)?;
        // SAFETY: `weak_read`'s bullet: the entry refers to a live object
        // (cleared by the collection that found it dead).
        unsafe { heap.collector.weak_read(obj) };
        // SAFETY: the entry refers to a live object of this heap (cleared
        // by the collection that found it dead), of type `T` up to brand
        // (`WeakTable::downgrade`); nothing collects until the region ends.
        Some(unsafe { Gc::from_object(obj) })
    }

    /// Registers `cleanup` to run once, after the collection that finds
    /// `gc`'s object dead, in a scope of its own (as
    /// [`Scope::on_death`](crate::Scope::on_death)): it never sees the object.
    pub fn on_death<T: ?Sized + 'gc>(&self, gc: Gc<'gc, T>, cleanup: impl Cleanup<C, Th>) {
        // SAFETY: this step calls no user code.
        unsafe { self.heap() }.register_cleanup(gc.object(), Box::new(cleanup));
    }

    /// The object a persistent root refers to, as a pointer of this region.
    ///
    /// # Panics
    /// If `root` belongs to another heap, or to a heap that was dropped.
    pub fn persistent<T: Rebrand<'gc>>(&self, root: &Persistent<T, Th>) -> Gc<'gc, T::Output>
    where
        T::Output: 'gc,
    {
        let obj = root
            .slot
            .get()
            .expect("a persistent root was used after its heap was dropped");
        self.check_heap(root.heap);
        // SAFETY: a persistent root of this heap refers to a live object of
        // `T` (up to brand), kept alive by the heap's persistent set.
        unsafe { Gc::from_object(obj) }
    }
}
