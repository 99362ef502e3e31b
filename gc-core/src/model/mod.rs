//! # The object model: heap types with a brand, mutation regions, one barrier
//!
//! This is the API for an interpreter's data model (values that change
//! variant, growable vectors, hash maps, identity keys, persistent roots),
//! beside the handle-and-scope API of the crate root, on the same heaps and
//! backends.
//!
//! ## The mechanism
//! - **Heap types carry a brand.** `struct Table<'gc> { .. }` refers to
//!   other objects with [`Gc<'gc, T>`](Gc): a `Copy`, never-null pointer
//!   that dereferences at no cost. `'gc` is the brand of one *mutation
//!   region* ([`Scope::mutate`](crate::Scope::mutate)), fresh and invariant
//!   for every region, so no `Gc` can leave its region, be kept in a
//!   `thread_local!`, or be stored into another heap's objects.
//! - **Nothing collects inside a region.** Allocation
//!   ([`Mutation::alloc`]) only marks a collection due; it runs when the
//!   region ends. So inside a region every `Gc` stays valid and in place,
//!   even on the copying backend, and outside one no `Gc` exists: every
//!   live pointer is in a root or in the heap, where the collector can
//!   rewrite it.
//! - **Roots carry objects between regions**: [`Mutation::root`] gives a
//!   [`Root<'s, T<'static>>`](crate::Root) of the enclosing scope, and
//!   [`Persistent`] one that outlives every scope. [`Rebrand`](crate::Rebrand)
//!   maps `Table<'static>` back to `Table<'gc>` when a region reads it.
//! - **Changes go through one barrier.** An object's [`Lock`]s (cells) and
//!   [`RefLock`]s (ref cells) can be changed only through
//!   [`Mutation::write`], the write barrier of every backend: a
//!   coalescing object-logging barrier (Levanoni and Petrank). The first
//!   write to an object after a collection logs its outgoing references;
//!   later ones cost a bit test. Reference counting turns the log into
//!   exact counts at the next collection, however the object changed
//!   (`retain`, `sort`, a swap); tracing backends log nothing.
//! - **Containers live in the heap's accounts.** [`GcVec`] and [`GcMap`]
//!   hold pointers in buffers charged to the heap: the capacity bounds
//!   them and the trigger sees them grow. [`Charge`] charges any other
//!   memory an object owns.
//! - A model type may not implement `Drop` (the derive checks it): a
//!   destructor runs during a collection, when its pointers may dangle.
//!
//! ## Example: a value that changes variant
//! ```
//! use gc_core::model::{Gc, Lock};
//! use gc_core::{Heap, HeapConfig, Trace};
//!
//! #[derive(Trace, Clone, Copy, Debug)]
//! enum Value<'gc> { Nil, Num(f64), Cell(Gc<'gc, Lock<Value<'gc>>>) }
//!
//! let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
//! heap.scope("main", |s| {
//!     let cell = s.mutate(|m| {
//!         let cell = m.alloc(Lock::new(Value::Nil));
//!         m.write(cell).set(Value::Num(1.5));               // Nil -> Num, unboxed
//!         let inner = m.alloc(Lock::new(Value::Nil));
//!         m.write(cell).set(Value::Cell(inner));             // Num -> reference
//!         m.root(cell)
//!     });
//!     s.collect(); // moves both objects
//!     s.mutate(|m| match m.get(cell).get() {
//!         Value::Cell(inner) => assert!(matches!(inner.get(), Value::Nil)),
//!         other => panic!("{other:?}"),
//!     });
//! });
//! ```

mod account;
mod gc;
mod lock;
mod map;
mod mutation;
mod persistent;
mod slice;
mod vec;

pub(crate) use account::Accounting;
pub use account::{Charge, HeapAlloc};
pub use gc::Gc;
pub use lock::{Lock, RefLock, Write};
pub use map::{GcHash, GcMap};
pub use mutation::Mutation;
pub use persistent::Persistent;
pub(crate) use persistent::PersistentSlot;
pub use vec::GcVec;

/// An object's identity ([`Mutation::identity`]): stable while the object
/// lives, even when it moves; unique among live objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity(pub(crate) u64);

impl<'gc, T: Copy + 'gc> Gc<'gc, Lock<T>> {
    /// Sets the value of an object that is a [`Lock`], through the barrier.
    #[inline(always)]
    pub fn set<C: crate::Collector, Th: crate::Threads>(
        self,
        m: &Mutation<'_, 'gc, C, Th>,
        value: T,
    ) {
        m.write(self).set(value)
    }
}

impl<'gc, T: 'gc> Gc<'gc, RefLock<T>> {
    /// Borrows the value of an object that is a [`RefLock`] mutably,
    /// through the barrier.
    ///
    /// # Panics
    /// If it is borrowed.
    #[inline(always)]
    pub fn borrow_mut<C: crate::Collector, Th: crate::Threads>(
        self,
        m: &Mutation<'_, 'gc, C, Th>,
    ) -> std::cell::RefMut<'gc, T> {
        m.write(self).borrow_mut()
    }
}
