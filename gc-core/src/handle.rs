//! The two handle types: [`Gc`], a reference stored inside heap objects, and
//! [`Root`], a rooted handle held by Rust code.

use crate::trace::{Rebrand, Slot, Trace, Tracer, Unbranded};
use std::fmt;
use std::marker::PhantomData;

/// A nullable reference to a `T` on the heap, stored as a field inside heap
/// objects.
///
/// A `Gc` is neither `Clone` nor `Copy`, and user code never gets `&mut` to one
/// that lives in the heap, so it can never leave its object: every `Gc` that
/// holds a pointer sits inside a live object, where the collector sees it
/// (through [`Trace`]) and rewrites it when the target moves. Code outside
/// the heap only ever creates null ones ([`Gc::null`]).
///
/// Write it with [`Scope::set`](crate::Scope::set), read it with
/// [`Scope::load`](crate::Scope::load):
///
/// ```
/// use gc_core::{Gc, Heap, HeapConfig, Trace};
/// use gc_mark_sweep::MarkSweep;
///
/// #[derive(Trace, Default)]
/// struct Pair { car: Gc<Pair>, cdr: Gc<Pair>, tag: u32 }
///
/// let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let a = s.alloc(Pair { tag: 1, ..Pair::default() });
///     let b = s.alloc(Pair { tag: 2, ..Pair::default() });
///     s.set(a, |p| &p.car, b);
///     let car = s.load(a, |p| &p.car).expect("just set");
///     assert_eq!(s.get(car).tag, 2);
///     assert!(s.load(a, |p| &p.cdr).is_none());
/// });
/// ```
pub struct Gc<T> {
    slot: Slot,
    _type: PhantomData<*const T>,
}

impl<T> Gc<T> {
    /// A `Gc` that refers to nothing.
    pub const fn null() -> Gc<T> {
        Gc {
            slot: Slot::new(None),
            _type: PhantomData,
        }
    }

    /// `true` if this field refers to nothing.
    pub fn is_null(&self) -> bool {
        self.slot.get().is_none()
    }

    /// Borrows the object this field refers to, or `None` if it is null.
    ///
    /// `T` is a handle-API type ([`Unbranded`]): an object-model type
    /// reached from here would lend out its pointers with a brand no region
    /// has, free to outlive the next collection.
    ///
    /// Reading through a field costs no shadow-stack slot. It is sound
    /// because a `&Gc` can only be had by borrowing its object through
    /// [`Scope::get`](crate::Scope::get) (or a chain of `Gc::get`s starting
    /// there): the returned `&T` keeps that scope borrowed, so nothing can
    /// allocate, collect or move objects while it is alive. A `Gc` outside
    /// the heap is always null.
    ///
    /// ```
    /// use gc_core::{Gc, Heap, HeapConfig, Trace};
    /// use gc_mark_sweep::MarkSweep;
    ///
    /// #[derive(Trace, Default)]
    /// struct Node { value: u32, next: Gc<Node> }
    ///
    /// let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| {
    ///     let a = s.alloc(Node { value: 1, ..Node::default() });
    ///     let b = s.alloc(Node { value: 2, ..Node::default() });
    ///     s.set(a, |n| &n.next, b);
    ///     let second = s.get(a).next.get().unwrap();
    ///     assert_eq!(second.value, 2);
    ///     assert!(second.next.get().is_none());
    /// });
    /// ```
    #[inline(always)]
    pub fn get(&self) -> Option<&T>
    where
        T: Unbranded,
    {
        let obj = self.slot.get()?;
        // SAFETY: a non-null `Gc` lives inside a live heap object (only null
        // ones exist outside the heap, and finalisation nulls them before a
        // destructor runs), which was reached through a borrow of its scope
        // that outlives `&self`; while it lasts nothing collects, so the
        // target is a live, initialised `T` that does not move.
        Some(unsafe { obj.payload().cast::<T>().as_ref() })
    }

    /// The slot, for the scope's checked reads and writes.
    pub(crate) fn slot(&self) -> &Slot {
        &self.slot
    }
}

impl<T> Default for Gc<T> {
    fn default() -> Self {
        Gc::null()
    }
}

impl<T> fmt::Debug for Gc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.slot.get() {
            None => f.write_str("Gc(null)"),
            Some(obj) => write!(f, "Gc({:#x})", obj.addr()),
        }
    }
}

// SAFETY: reports its own slot, the only `Gc` it owns (rules 1, 2); `Gc`
// hands out no `&mut` and no way to move its pointer out (rule 4).
unsafe impl<T> Trace for Gc<T> {
    const NEEDS_TRACE: bool = true;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = true;
    #[inline(always)]
    fn trace(&self, tracer: &mut Tracer) {
        tracer.report(&self.slot);
    }
}

// SAFETY: a handle-API pointer names no brand of its own, and it lends
// out its target only when that is `Unbranded` (`Gc::get`), so no model
// pointer is reachable through it: its own rebranding (`Rebrand`'s contract).
// It does not look into `T`, so mutually recursive handle-API types need no
// cyclic bound.
unsafe impl<'a, T> Rebrand<'a> for Gc<T> {
    type Output = Gc<T>;
}

/// An invariant lifetime marker: `'s` can be neither shortened nor lengthened.
pub(crate) type Brand<'s> = fn(&'s ()) -> &'s ();

/// A rooted handle: an index into the heap's shadow stack, valid for the scope
/// `'s` that created it, and `Copy`.
///
/// Reading through a root always goes through its slot, so after a moving
/// collection it sees the object's new address. The lifetime is invariant and
/// each closure scope gets a fresh one, so a root cannot outlive its scope;
/// the heap it belongs to is checked at run time (using it with another heap
/// panics).
pub struct Root<'s, T> {
    pub(crate) index: u32,
    pub(crate) heap: u32,
    _brand: PhantomData<(Brand<'s>, *const T)>,
}

impl<T> Root<'_, T> {
    #[inline(always)]
    pub(crate) fn new(index: u32, heap: u32) -> Self {
        Root {
            index,
            heap,
            _brand: PhantomData,
        }
    }

    /// The shadow-stack slot this root occupies (for diagnostics).
    pub fn slot_index(self) -> usize {
        self.index as usize
    }
}

impl<T> Clone for Root<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Root<'_, T> {}

impl<T> fmt::Debug for Root<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Root(heap {}, slot {})", self.heap, self.index)
    }
}

// SAFETY: a pointer stored in an object of a sendable heap leads only to objects of that heap (scopes check a root's heap id
// before storing it; model pointers carry their region's brand), each of a
// type the heap admitted, so `HeapSend`; the pointer and its target move
// with the heap, and nothing outside the heap can reach the target but
// through the heap.
unsafe impl<T> crate::HeapSend for Gc<T> {}
