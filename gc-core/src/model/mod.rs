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
//! ## Running out of memory in a region
//! A region cannot collect, so it does what gc-arena's arenas do: allocation
//! past the budget *overdraws*, and the collection runs when the region ends.
//! Unlike gc-arena's, this heap has a hard cap ([`HeapConfig::capacity`](crate::HeapConfig)),
//! so the trigger keeps a reserve under it: a region's budget stops an eighth
//! of the object capacity ([`REGION_RESERVE_FRACTION`](crate::REGION_RESERVE_FRACTION))
//! below the capacity. A region that ends soon after
//! [`Mutation::collection_due`] turns true (an interpreter's step loop checks
//! it after every step) overdraws only that step, and never runs out while
//! its live data fits; the collection at its end is a full one whenever
//! garbage could fill the reserve (reference counting runs its cycle
//! collector by a trigger that follows the heap's size).
//!
//! A region that does run out gets [`OutOfMemory`](crate::GcErrorKind::OutOfMemory)
//! with `collected: false` (nothing could be collected; the figure is the
//! bytes taken, not a live size nobody measured), and its end then runs a
//! full collection. Code whose region can be run again retries it once in a
//! new region with [`Scope::mutate_retrying`](crate::Scope::mutate_retrying):
//! it then fails only if its live data does not fit. Why not a
//! retry at every allocation site instead: the sites would all have to be
//! restartable (see `docs/ARCHITECTURE.md`, "Out of memory only when the
//! live data does not fit").
//!
//! ```
//! use gc_core::model::{Gc, Lock};
//! use gc_core::{GcErrorKind, Heap, HeapConfig, Trace, MIN_CAPACITY};
//!
//! #[derive(Trace)]
//! struct Link<'gc> { next: Lock<Option<Gc<'gc, Link<'gc>>>> }
//!
//! let config = HeapConfig { capacity: MIN_CAPACITY, ..HeapConfig::default() };
//! let mut heap = Heap::<gc_refcount::RefCount>::new(config).unwrap();
//! heap.scope("main", |s| {
//!     // 100,000 garbage cycles, 3 MB in all, in a 1 MiB heap: regions that
//!     // end when a collection is due never run out.
//!     let mut made = 0;
//!     while made < 100_000 {
//!         s.mutate(|m| {
//!             while made < 100_000 && !m.collection_due() {
//!                 let link = m.alloc(Link { next: Lock::new(None) });
//!                 m.write(link).project(|l| &l.next).set(Some(link));
//!                 made += 1;
//!             }
//!         });
//!     }
//!     // Live data past the capacity: the error says no collection ran.
//!     let error = s.mutate(|m| {
//!         let mut list = None;
//!         loop {
//!             match m.try_alloc(Link { next: Lock::new(list) }) {
//!                 Ok(link) => list = Some(link),
//!                 Err(error) => break error,
//!             }
//!         }
//!     });
//!     assert!(matches!(error.kind(), GcErrorKind::OutOfMemory { collected: false, .. }));
//! });
//! ```
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
mod weak_map;

pub use account::{Charge, HeapAlloc};
pub use gc::Gc;
pub use lock::{Lock, RefLock, Write};
pub use map::{GcHash, GcMap};
pub use mutation::Mutation;
pub use persistent::Persistent;
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
