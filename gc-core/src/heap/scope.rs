//! [`Scope`]: the mutator's view of a heap, one frame of the shadow stack.
//!
//! The rules that make a moving collector sound in safe code
//! (`DESIGN.md` R1 and R2):
//! - everything that may collect (`alloc`, `collect`, opening a nested
//!   scope) takes `&mut self`;
//! - everything that hands out `&T` (`get`) borrows `&self`, so the borrow
//!   checker rejects a `&T` held across an allocation;
//! - [`Gc`] fields are only read by rooting them (`load`) and only written
//!   from roots (`set`), through a projection the scope checks lies inside
//!   the object; so no unrooted pointer ever sits in a Rust local.

use super::Frame;
use crate::collector::Collector;
use crate::elements::GcElements;
use crate::error::GcError;
use crate::graph::{GraphBuilder, HeapGraph, RetainingPath, RootKind};
use crate::handle::{Brand, Gc, Root};
use crate::heap::Heap;
use crate::object::{ObjectRef, TypeInfo};
use crate::stats::{Cause, GcStats};
use crate::threads::{Admits, Local, Threads};
use crate::trace::{Slot, Trace, Tracer, Unbranded};
use crate::weak::GcWeak;
use std::convert::Infallible;
use std::marker::PhantomData;
use std::mem::size_of;

mod weak_map;

/// A frame of roots on a heap's shadow stack, and the only door to the heap.
///
/// `'s` brands the roots this scope creates: they are valid until the scope
/// closes. Roots of enclosing scopes may be used too.
///
/// ```
/// use gc_core::{Gc, Heap, HeapConfig, Trace};
/// use gc_mark_sweep::MarkSweep;
///
/// #[derive(Trace, Default)]
/// struct Cons { head: i64, tail: Gc<Cons> }
///
/// let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let list = s.alloc(Cons { head: 1, tail: Gc::null() });
///     // A helper scope returns a new value through `scope_escaping`.
///     let longer = s.scope_escaping("push", |inner| {
///         let cell = inner.alloc(Cons { head: 0, tail: Gc::null() });
///         inner.set(cell, |c| &c.tail, list);
///         cell
///     });
///     s.collect();
///     assert_eq!(s.get(longer).head, 0);
///     let tail = s.load(longer, |c| &c.tail).unwrap();
///     assert_eq!(s.get(tail).head, 1);
/// });
/// ```
///
/// `Th` is the heap's [`Threads`] kind. A scope is never `Send`, even on a
/// sendable heap: the heap moves between threads only while no scope is open.
pub struct Scope<'s, C: Collector, Th: Threads = Local> {
    heap: &'s mut Heap<C, Th>,
    /// This scope's frame of the shadow stack.
    frame: Frame<'s>,
    _brand: PhantomData<(Brand<'s>, *const ())>,
}

impl<C: Collector, Th: Threads> Drop for Scope<'_, C, Th> {
    #[inline(always)]
    fn drop(&mut self) {
        self.heap.roots.truncate(self.frame.base);
    }
}

impl<'s, C: Collector, Th: Threads> Scope<'s, C, Th> {
    /// Runs `f` in a new frame named `name` on top of the shadow stack, inside
    /// the scope whose frame is `parent` (`None` for a heap's outermost scope).
    #[inline(always)]
    pub(crate) fn enter<'h, R>(
        heap: &'h mut Heap<C, Th>,
        parent: Option<&'h Frame<'h>>,
        name: &'static str,
        f: impl for<'i> FnOnce(&mut Scope<'i, C, Th>) -> R,
    ) -> R {
        heap.check_usable();
        let base = heap.roots.len();
        let mut scope = Scope {
            heap,
            frame: Frame { name, base, parent },
            _brand: PhantomData,
        };
        f(&mut scope)
    }

    /// Opens a nested scope named `name`; its roots are dropped when `f` returns.
    pub fn scope<R>(
        &mut self,
        name: &'static str,
        f: impl for<'i> FnOnce(&mut Scope<'i, C, Th>) -> R,
    ) -> R {
        Scope::enter(self.heap, Some(&self.frame), name, f)
    }

    /// Opens a nested scope whose result, a root of the nested scope, is
    /// re-rooted in this one (V8's `EscapableHandleScope`).
    pub fn scope_escaping<T>(
        &mut self,
        name: &'static str,
        f: impl for<'i> FnOnce(&mut Scope<'i, C, Th>) -> Root<'i, T>,
    ) -> Root<'s, T> {
        match self.try_scope_escaping(name, |inner| Ok::<_, Infallible>(f(inner))) {
            Ok(root) => root,
            Err(never) => match never {},
        }
    }

    /// [`Scope::scope_escaping`] for a fallible `f`: its `Ok` root is
    /// re-rooted in this scope, its error returned as is. Lets a helper that
    /// allocates with [`Scope::try_alloc`] return a new root without leaving
    /// its temporaries in the caller's scope.
    ///
    /// ```
    /// use gc_core::{Gc, GcError, Heap, HeapConfig, Root, Scope, Trace};
    /// use gc_mark_sweep::MarkSweep;
    ///
    /// #[derive(Trace, Default)]
    /// struct Pair { left: Gc<Pair>, right: Gc<Pair> }
    ///
    /// // Both children first, then their parent: two temporaries per call,
    /// // dropped when the helper's scope closes.
    /// fn pair<'s>(s: &mut Scope<'s, MarkSweep>) -> Result<Root<'s, Pair>, GcError> {
    ///     s.try_scope_escaping("pair", |t| {
    ///         let (left, right) = (t.try_alloc(Pair::default())?, t.try_alloc(Pair::default())?);
    ///         let parent = t.try_alloc(Pair::default())?;
    ///         t.set(parent, |p| &p.left, left);
    ///         t.set(parent, |p| &p.right, right);
    ///         Ok(parent)
    ///     })
    /// }
    ///
    /// let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| {
    ///     let p = pair(s)?;
    ///     s.collect();
    ///     assert!(s.load(p, |p| &p.right).is_some());
    ///     assert_eq!(s.usage().objects, 3);
    ///     Ok::<(), GcError>(())
    /// })?;
    /// # Ok::<(), GcError>(())
    /// ```
    pub fn try_scope_escaping<T, E>(
        &mut self,
        name: &'static str,
        f: impl for<'i> FnOnce(&mut Scope<'i, C, Th>) -> Result<Root<'i, T>, E>,
    ) -> Result<Root<'s, T>, E> {
        // Nothing collects between reading the result and re-rooting it.
        let obj = Scope::enter(self.heap, Some(&self.frame), name, |inner| {
            f(inner).map(|result| inner.object(result))
        })?;
        Ok(Root::new(self.heap.roots.push(obj), self.heap.id))
    }

    /// Allocates `value` on the heap and roots it in this scope.
    ///
    /// # Panics
    /// With the [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) message when a full collection
    /// cannot make room, or the [`AlignmentTooLarge`](crate::GcErrorKind::AlignmentTooLarge) one
    /// for a type aligned to more than 16 bytes; use [`Scope::try_alloc`] to handle those. With a
    /// destructor's panic when the collection this allocation ran met one (after finishing; see
    /// [`Trace`]).
    #[inline(always)]
    pub fn alloc<T: Trace + 'static>(&mut self, value: T) -> Root<'s, T>
    where
        Th: Admits<T>,
    {
        match self.try_alloc(value) {
            Ok(root) => root,
            Err(error) => panic!("{error}"),
        }
    }

    /// Allocates `value` on the heap and roots it in this scope, or returns
    /// [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) (the heap stays usable), or
    /// [`AlignmentTooLarge`](crate::GcErrorKind::AlignmentTooLarge) if `T` is aligned to more than
    /// heap objects are (16 bytes: box the over-aligned part).
    ///
    /// `value`'s [`Gc`] fields are null (code outside the heap can only create
    /// null ones); fill them in with [`Scope::set`].
    #[inline(always)]
    pub fn try_alloc<T: Trace + 'static>(&mut self, value: T) -> Result<Root<'s, T>, GcError>
    where
        Th: Admits<T>,
    {
        let obj = self.new_object(value)?;
        Ok(Root::new(self.heap.roots.push(obj), self.heap.id))
    }

    /// Allocates `value` on the heap and re-points `root` (which may belong
    /// to an enclosing scope) at it, like [`Scope::assign`] from a fresh
    /// object: no new slot. The object `root` referred to before stays rooted
    /// until the allocation is done. Lets a loop replace objects without a
    /// scope or a slot per step.
    ///
    /// ```
    /// use gc_core::{Heap, HeapConfig};
    /// use gc_mark_sweep::MarkSweep;
    ///
    /// let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| {
    ///     let latest = s.alloc(0u64);
    ///     for step in 1..=100_000u64 {
    ///         s.alloc_into(latest, step); // the old value becomes garbage
    ///     }
    ///     assert_eq!(*s.get(latest), 100_000);
    /// });
    /// ```
    ///
    /// # Panics
    /// As [`Scope::alloc`], or if `root` belongs to another heap.
    #[inline]
    pub fn alloc_into<T: Trace + 'static>(&mut self, root: Root<'_, T>, value: T)
    where
        Th: Admits<T>,
    {
        if let Err(error) = self.try_alloc_into(root, value) {
            panic!("{error}");
        }
    }

    /// [`Scope::alloc_into`], or [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) with `root`
    /// unchanged (the heap stays usable).
    ///
    /// # Panics
    /// If `root` belongs to another heap.
    #[inline]
    pub fn try_alloc_into<T: Trace + 'static>(
        &mut self,
        root: Root<'_, T>,
        value: T,
    ) -> Result<(), GcError>
    where
        Th: Admits<T>,
    {
        self.check(root);
        let obj = self.new_object(value)?;
        self.heap.roots.set(root.index, obj);
        Ok(())
    }

    /// Allocates an object holding `value`, not yet rooted: the caller roots
    /// it before anything else can collect.
    #[inline(always)]
    fn new_object<T: Trace + 'static>(&mut self, value: T) -> Result<ObjectRef, GcError>
    where
        Th: Admits<T>,
    {
        let info = TypeInfo::of::<T>();
        let obj = self.heap.alloc_object::<T>(info, info.object_size())?;
        // SAFETY: `alloc_object` returned a fresh object of `T`'s size and
        // alignment whose payload nothing has read; writing it initialises it.
        unsafe { obj.payload().cast::<T>().as_ptr().write(value) };
        Ok(obj)
    }

    /// Borrows the object behind `root`. The borrow holds `&self`, so no
    /// allocation or collection can happen while it is alive.
    ///
    /// `T` is a handle-API type ([`Unbranded`]): an object-model type is
    /// read in a mutation region, `s.mutate(|m| m.get(root))`.
    ///
    /// # Panics
    /// If `root` belongs to another heap.
    #[inline(always)]
    pub fn get<T: Unbranded>(&self, root: Root<'_, T>) -> &T {
        let obj = self.object(root);
        // SAFETY: a root of type `T` refers to a live, initialised `T` (it was
        // allocated as one, or loaded from a `Gc<T>`), and the object cannot
        // move or die while `&self` is borrowed.
        unsafe { obj.payload().cast::<T>().as_ref() }
    }

    /// Roots the object in `obj`'s field chosen by `field`, or `None` if the
    /// field is null.
    ///
    /// # Panics
    /// If `field` returns a `Gc` that is not part of `obj`, or `obj` belongs
    /// to another heap.
    #[inline]
    pub fn load<T: Trace + Unbranded, U>(
        &self,
        obj: Root<'_, T>,
        field: impl FnOnce(&T) -> &Gc<U>,
    ) -> Option<Root<'s, U>> {
        self.load_with(obj, |value| Some(field(value)))
    }

    /// Like [`Scope::load`], for fields that only some values have (an enum's
    /// variant): `field` returns `None` when there is no such field.
    #[inline]
    pub fn load_with<T: Trace + Unbranded, U>(
        &self,
        obj: Root<'_, T>,
        field: impl FnOnce(&T) -> Option<&Gc<U>>,
    ) -> Option<Root<'s, U>> {
        let (_, slot) = self.field_slot(obj, field)?;
        let target = slot.get()?;
        Some(Root::new(self.heap.roots.push(target), self.heap.id))
    }

    /// Stores `value` into `obj`'s field chosen by `field` (through the
    /// backend's write barrier).
    ///
    /// Checking `field` costs two comparisons when the `Gc` lies inside the
    /// object; one inside a `Vec` or `Box` the object owns costs a trace of
    /// the object, O(its length): for elements of a `Vec<Gc<U>>` or
    /// `Box<[Gc<U>]>` field, [`Scope::set_at`] costs O(1).
    ///
    /// # Panics
    /// If `field` returns a `Gc` that is not part of `obj`, or a root belongs
    /// to another heap.
    #[inline]
    pub fn set<T: Trace + Unbranded, U>(
        &self,
        obj: Root<'_, T>,
        field: impl FnOnce(&T) -> &Gc<U>,
        value: Root<'_, U>,
    ) {
        let target = self.object(value);
        self.store(obj, field, Some(target));
    }

    /// Makes `obj`'s field chosen by `field` null.
    ///
    /// # Panics
    /// As [`Scope::set`].
    #[inline]
    pub fn clear<T: Trace + Unbranded, U>(
        &self,
        obj: Root<'_, T>,
        field: impl FnOnce(&T) -> &Gc<U>,
    ) {
        self.store(obj, field, None);
    }

    #[inline(always)]
    fn store<T: Trace + Unbranded, U>(
        &self,
        obj: Root<'_, T>,
        field: impl FnOnce(&T) -> &Gc<U>,
        target: Option<ObjectRef>,
    ) {
        let (owner, slot) = self
            .field_slot(obj, |value| Some(field(value)))
            .expect("the projection returned a field");
        // SAFETY: `field_slot` checked that `slot` is a field of `owner`, the
        // object of `obj`, a rooted (so live) object of this heap, and
        // `target` comes from a root checked to belong to this heap.
        unsafe { self.heap.collector.write_barrier(owner, slot, target) };
    }

    /// Stores `value` into element `index` of `obj`'s vector (or boxed
    /// slice) of `Gc`s chosen by `elements` (through the backend's write
    /// barrier). O(1) whatever the length: the check is that the container
    /// is a field of the object (two comparisons; see [`GcElements`]) and
    /// that `index` is in bounds. Example at [`GcElements`].
    ///
    /// # Panics
    /// If the container `elements` returns does not lie inside the object
    /// (behind a `Box`, or not the object's at all), `index` is out of
    /// bounds, or a root belongs to another heap.
    #[inline]
    pub fn set_at<T: Trace + Unbranded, U, E: GcElements<U> + ?Sized>(
        &self,
        obj: Root<'_, T>,
        elements: impl FnOnce(&T) -> &E,
        index: usize,
        value: Root<'_, U>,
    ) {
        let target = self.object(value);
        let (owner, slot) = self.element_slot(obj, elements, index);
        // SAFETY: `element_slot` checked that `slot` is an element of a
        // container that is a field of `owner`, the object of `obj`, a
        // rooted (so live) object of this heap, and `target` comes from a
        // root checked to belong to this heap.
        unsafe { self.heap.collector.write_barrier(owner, slot, Some(target)) };
    }

    /// Makes element `index` of `obj`'s vector of `Gc`s null; O(1).
    ///
    /// # Panics
    /// As [`Scope::set_at`].
    #[inline]
    pub fn clear_at<T: Trace + Unbranded, U, E: GcElements<U> + ?Sized>(
        &self,
        obj: Root<'_, T>,
        elements: impl FnOnce(&T) -> &E,
        index: usize,
    ) {
        let (owner, slot) = self.element_slot(obj, elements, index);
        // SAFETY: `element_slot` checked that `slot` is an element of a
        // container that is a field of `owner`, the object of `obj`, a
        // rooted (so live) object of this heap; null needs no target.
        unsafe { self.heap.collector.write_barrier(owner, slot, None) };
    }

    /// Roots the object in element `index` of `obj`'s vector of `Gc`s, or
    /// `None` if it is null; O(1).
    ///
    /// # Panics
    /// As [`Scope::set_at`].
    #[inline]
    pub fn load_at<T: Trace + Unbranded, U, E: GcElements<U> + ?Sized>(
        &self,
        obj: Root<'_, T>,
        elements: impl FnOnce(&T) -> &E,
        index: usize,
    ) -> Option<Root<'s, U>> {
        let (_, slot) = self.element_slot(obj, elements, index);
        let target = slot.get()?;
        Some(Root::new(self.heap.roots.push(target), self.heap.id))
    }

    /// Applies `elements` to `obj`'s value, checks that the container it
    /// returns lies inside the object's payload (so the object owns it and
    /// its trace reports its elements: a `Vec` or boxed slice of `Gc`s is
    /// never `Send`, so never a skipped field) and returns element
    /// `index`'s slot.
    #[inline(always)]
    fn element_slot<'a, T: Trace + Unbranded + 'a, U: 'a, E: GcElements<U> + ?Sized + 'a>(
        &'a self,
        obj: Root<'_, T>,
        elements: impl FnOnce(&'a T) -> &'a E,
        index: usize,
    ) -> (ObjectRef, &'a Slot) {
        let owner = self.object(obj);
        // SAFETY: `owner` is the object of a root of type `T`: a live,
        // initialised `T` that cannot move or die while `&self` is borrowed.
        let value = unsafe { owner.payload().cast::<T>().as_ref() };
        let container = elements(value);
        let start = value as *const T as usize;
        let at = container as *const E as *const u8 as usize;
        assert!(
            at >= start && at + size_of_val(container) <= start + size_of::<T>(),
            "the container of Gcs the projection returned is not a field of the object"
        );
        (owner, container.elements()[index].slot())
    }

    /// Re-points the slot of `root` (which may belong to an enclosing scope)
    /// at `value`'s object, like assigning a local variable; every copy of
    /// `root` sees the change. Lets a loop walk or build a structure without
    /// a new slot per step.
    #[inline]
    pub fn assign<T>(&self, root: Root<'_, T>, value: Root<'_, T>) {
        self.check(root);
        let target = self.object(value);
        self.heap.roots.set(root.index, target);
    }

    /// A new root in this scope for the object behind `root`.
    #[inline]
    pub fn root<T>(&self, root: Root<'_, T>) -> Root<'s, T> {
        Root::new(self.heap.roots.push(self.object(root)), self.heap.id)
    }

    /// A weak reference to `root`'s object: it does not keep the object
    /// alive, and [`upgrade`](Scope::upgrade) gives it back while it lives
    /// ([`weak`](crate::weak)). Downgrading one object twice gives equal
    /// references.
    pub fn downgrade<T>(&mut self, root: Root<'_, T>) -> GcWeak<T> {
        let obj = self.object(root);
        // SAFETY: `WeakTable::downgrade` asks for a live object of this heap
        // of type `T`: `obj` is behind a root of this heap (checked), which
        // holds a `T`.
        unsafe { self.heap.collector.weak_table_mut().downgrade(obj) }
    }

    /// The object `weak` refers to, rooted in this scope, or `None` if a
    /// collection found it dead.
    ///
    /// # Panics
    /// If `weak` was made by another heap.
    pub fn upgrade<T>(&self, weak: &GcWeak<T>) -> Option<Root<'s, T>> {
        let obj = self.heap.upgrade(weak)?;
        Some(Root::new(self.heap.roots.push(obj), self.heap.id))
    }

    /// `true` if both roots refer to the same object.
    #[inline]
    pub fn ptr_eq<T, U>(&self, a: Root<'_, T>, b: Root<'_, U>) -> bool {
        self.object(a) == self.object(b)
    }

    /// The object's current address. For tests and diagnostics: on a moving
    /// backend it changes across collections (handles follow).
    pub fn address<T>(&self, root: Root<'_, T>) -> usize {
        self.object(root).addr()
    }

    /// The heap, for the object model's regions.
    pub(crate) fn heap_mut(&mut self) -> &mut Heap<C, Th> {
        self.heap
    }

    /// Runs a full collection now.
    pub fn collect(&mut self) {
        self.heap.collect(Cause::Explicit);
        self.run_cleanups();
    }

    /// Bytes and objects the backend holds now.
    pub fn usage(&self) -> crate::HeapUsage {
        self.heap.collector.usage()
    }

    /// A snapshot of the heap's statistics.
    pub fn stats(&self) -> GcStats {
        self.heap.stats()
    }

    /// Every object reachable from a root, as the heap stands, with named
    /// edges ([`HeapGraph`]): the frames of the shadow stack (outermost
    /// first) and the persistent roots are its root groups. Takes `&mut`
    /// because it asks the backend for each object's stable identity (the
    /// copying backend keeps one in the header of objects asked about). No
    /// collection runs: objects no root reaches are left out. See
    /// [`crate::graph`] for an example.
    ///
    /// # Panics
    /// If the heap is poisoned (a `trace` panicked mid-collection).
    pub fn heap_graph(&mut self) -> HeapGraph {
        self.graph(false)
    }

    /// [`Scope::heap_graph`], plus every object no root reaches that the
    /// backend still holds, under a last root group of kind
    /// [`RootKind::Unreachable`](crate::graph::RootKind::Unreachable) named
    /// [`UNREACHABLE`](crate::graph::UNREACHABLE): the cycles reference
    /// counting leaks with cycle collection off, and garbage it has not
    /// reached yet. A tracing backend cannot list its objects between
    /// collections ([`Collector::for_each_object`]), so there it is
    /// [`Scope::heap_graph`].
    ///
    /// ```
    /// use gc_core::graph::{RootKind, UNREACHABLE};
    /// use gc_core::{Gc, Heap, HeapConfig, Trace};
    ///
    /// #[derive(Trace, Default)]
    /// struct Node { next: Gc<Node> }
    ///
    /// let config = HeapConfig { collect_cycles: false, ..HeapConfig::default() };
    /// let mut heap = Heap::<gc_refcount::RefCount>::new(config).unwrap();
    /// heap.scope("main", |s| {
    ///     s.scope("ring", |s| {
    ///         let (a, b) = (s.alloc(Node::default()), s.alloc(Node::default()));
    ///         s.set(a, |n| &n.next, b);
    ///         s.set(b, |n| &n.next, a);
    ///     });
    ///     s.collect(); // cycle collection is off: the ring leaks
    ///     assert_eq!(s.heap_graph().objects.len(), 0);
    ///     let graph = s.heap_graph_with_unreachable();
    ///     let group = graph.roots.last().unwrap();
    ///     assert_eq!((group.name, group.kind), (UNREACHABLE, RootKind::Unreachable));
    ///     assert_eq!(group.roots.len(), 1); // the ring's first object holds the other
    ///     let path = graph.why_alive(1, None).unwrap();
    ///     assert_eq!(path.to_string(), "(unreachable, not freed)[0] → Node.next → Node");
    /// });
    /// ```
    pub fn heap_graph_with_unreachable(&mut self) -> HeapGraph {
        self.graph(true)
    }

    fn graph(&mut self, unreachable: bool) -> HeapGraph {
        self.heap.check_usable();
        let frames: Vec<&Frame<'_>> =
            std::iter::successors(Some(&self.frame), |frame| frame.parent).collect();
        let heap = &mut *self.heap;
        let slots = heap.roots.slots();
        // SAFETY: no region is open (the scope is borrowed mutably), and
        // nothing collects while the graph is built.
        let mut builder =
            unsafe { GraphBuilder::new(&mut *heap.collector, &mut heap.snapshot_ids) };
        let mut end = slots.len();
        let mut groups = Vec::with_capacity(frames.len());
        for frame in &frames {
            groups.push((frame.name, frame.base, end));
            end = frame.base;
        }
        for &(name, base, end) in groups.iter().rev() {
            let roots = (base..end).filter_map(|i| slots[i].get().map(|obj| (i as u32, obj)));
            // SAFETY: every root refers to a live, initialised object.
            unsafe { builder.root_group(name, RootKind::Frame, roots) };
        }
        let persistent = heap.roots.persistent();
        // SAFETY: every persistent root refers to a live, initialised object.
        unsafe {
            builder.root_group(
                "(persistent)",
                RootKind::PersistentRoots,
                persistent.into_iter(),
            )
        };
        // SAFETY: the objects are live (reached from roots).
        unsafe { builder.finish(unreachable) }
    }

    /// Why is `root`'s object alive, apart from `root` itself? The shortest
    /// chain from another root to it ([`RetainingPath`]), or `None` if only
    /// `root` keeps it (the next collection frees it once `root`'s scope
    /// ends). Walks the whole heap ([`Scope::heap_graph`]).
    ///
    /// # Panics
    /// If `root` belongs to another heap.
    pub fn why_alive<T>(&mut self, root: Root<'_, T>) -> Option<RetainingPath> {
        let obj = self.object(root);
        let graph = self.heap_graph();
        let target = graph.index_of(obj)?;
        let group = graph.roots.iter().position(|g| {
            g.kind == RootKind::Frame && g.roots.iter().any(|&(slot, _)| slot == root.index)
        });
        graph.why_alive(target, group.map(|g| (g, root.index)))
    }

    /// The shadow stack printed like a backtrace, innermost frame first.
    ///
    /// # Panics
    /// If the heap is poisoned: its roots may point at half-moved objects.
    pub fn backtrace(&self) -> String {
        self.heap.check_usable();
        self.heap.roots.backtrace(&self.frame)
    }

    /// The backend, for its own diagnostics.
    pub fn collector(&self) -> &C {
        &self.heap.collector
    }

    #[inline(always)]
    fn check<T>(&self, root: Root<'_, T>) {
        self.heap.check_root(root.heap);
    }

    #[inline(always)]
    pub(super) fn object<T>(&self, root: Root<'_, T>) -> ObjectRef {
        self.check(root);
        self.heap.roots.get(root.index)
    }

    /// Applies `field` to `obj`'s value and checks that the `Gc` it returns
    /// belongs to the object: inside its payload (fast), or among the slots
    /// its trace reports (for `Gc`s in vectors and boxes it owns).
    #[inline(always)]
    fn field_slot<'a, T: Trace + Unbranded + 'a, U: 'a>(
        &'a self,
        obj: Root<'_, T>,
        field: impl FnOnce(&'a T) -> Option<&'a Gc<U>>,
    ) -> Option<(ObjectRef, &'a Slot)> {
        let owner = self.object(obj);
        // SAFETY: `owner` is the object of a root of type `T`: a live,
        // initialised `T` that cannot move or die while `&self` is borrowed.
        let value = unsafe { owner.payload().cast::<T>().as_ref() };
        let gc = field(value)?;
        let start = value as *const T as usize;
        let at = gc as *const Gc<U> as usize;
        if !(at >= start && at + size_of::<Gc<U>>() <= start + size_of::<T>()) {
            assert_owned_slot(value, gc.slot());
        }
        Some((owner, gc.slot()))
    }
}

/// Panics unless `slot` is one that `value`'s trace reports.
#[cold]
#[inline(never)]
fn assert_owned_slot<T: Trace>(value: &T, slot: &Slot) {
    let mut tracer = Tracer::including_null_outside_regions();
    value.trace(&mut tracer);
    let found = tracer.drain().any(|s| std::ptr::eq(s.as_ptr(), slot));
    assert!(
        found,
        "the field projection returned a Gc that is not part of the object \
         (a projection must return one of the object's own fields)"
    );
}
