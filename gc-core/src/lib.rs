//! # gc-core: the shared half of a pluggable garbage collector
//!
//! A heap of typed, garbage-collected objects for interpreters and language
//! runtimes, with four interchangeable backends (`gc-mark-sweep`,
//! `gc-copying`, `gc-mark-compact`, `gc-refcount`) behind one [`Collector`]
//! trait. `docs/WRITING_A_BACKEND.md` builds the fourth from this crate's
//! public kit, for authors of new ones.
//!
//! ## The mechanism
//! - Objects live in memory reserved with `mmap`; each starts with a
//!   [header](object) pointing at its type's static descriptor.
//! - **Roots are precise.** Rust code never holds a raw pointer into the
//!   heap: it holds [`Root`]s, indices into the heap's **shadow stack**, a
//!   stack of slots split into frames that [`Scope`]s push and pop like call
//!   frames. A collector reads and rewrites those slots, so a moving
//!   collector can relocate everything a program holds.
//! - **Fields are traced.** Objects refer to each other through [`Gc`]
//!   fields, found by [`Trace`] (derive it). A `Gc` never leaves its object:
//!   it is read by rooting it ([`Scope::load`]) and written from a root
//!   ([`Scope::set`]), and a collector clears an object's `Gc`s before its
//!   `Drop` runs.
//! - **The borrow checker keeps collection and references apart.** Anything
//!   that may collect takes `&mut Scope`; [`Scope::get`] returns a `&T`
//!   borrowed from `&Scope`. So a `&T` held across an allocation does not
//!   compile, and no stale pointer is ever observable, even after objects move.
//! - Every collection is timed ([`stats`]): per-phase times, a pause
//!   histogram, JSON and CSV export.
//!
//! ## Two APIs on one heap
//! The handle API below ([`Scope`], [`Root`], [`Gc`]) suits code that
//! allocates as it goes. For an interpreter's data model, the
//! [object model](model) gives heap types a region brand (`Table<'gc>`):
//! inside a mutation region ([`Scope::mutate`]) nothing collects, so
//! pointers are `Copy` values read at no cost, value enums change variant in
//! one store, [`GcVec`](model::GcVec) and [`GcMap`](model::GcMap) hold
//! references in memory charged to the heap, and every change goes through
//! one write barrier that every backend implements. The [`guide`] is a
//! chapter on laying out a language's values, tables, closures and globals.
//!
//! ## Example
//! ```
//! use gc_core::{Collector, Gc, Heap, HeapConfig, Trace};
//!
//! #[derive(Trace, Default)]
//! struct Tree { left: Gc<Tree>, right: Gc<Tree>, label: u32 }
//!
//! fn build<C: Collector>(heap: &mut Heap<C>) -> u32 {
//!     heap.scope("build", |s| {
//!         let root = s.alloc(Tree { label: 1, ..Tree::default() });
//!         let leaf = s.alloc(Tree { label: 2, ..Tree::default() });
//!         s.set(root, |t| &t.left, leaf);
//!         s.collect(); // the tree is rooted: it survives, wherever it lives now
//!         let left = s.load(root, |t| &t.left).unwrap();
//!         s.get(root).label + s.get(left).label
//!     })
//! }
//!
//! let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default())?;
//! assert_eq!(build(&mut heap), 3);
//! # Ok::<(), gc_core::GcError>(())
//! ```
//!
//! A `&T` cannot be held across an allocation:
//! ```compile_fail
//! # use gc_core::{Heap, HeapConfig};
//! # let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
//! heap.scope("main", |s| {
//!     let a = s.alloc(1u64);
//!     let value: &u64 = s.get(a);
//!     s.alloc(2u64); // error: `*s` is borrowed by `value`
//!     assert_eq!(*value, 1);
//! });
//! ```
//!
//! ## Testing a backend
//! The conformance suite every backend runs, the model-based harness and the
//! drop counter live in the `gc-testing` crate (a dev-dependency). They were
//! this crate's `testing` module, behind a `testing` feature:
//! `docs/MIGRATION.md` ("gc_core::testing → gc_testing") gives the one-line
//! change.

extern crate self as gc_core;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExample;

pub mod barrier;
mod collector;
mod config;
pub mod edges;
mod elements;
pub mod ephemeron;
mod error;
pub mod finalize;
pub mod graph;
pub mod guide;
mod handle;
mod heap;
mod heap_id;
mod heap_send;
pub mod model;
pub mod object;
pub mod os;
pub mod parallel;
pub mod space;
pub mod stats;
mod std_leaves;
pub mod threads;
mod trace;
pub mod verify;
pub mod weak;

// The test kit (conformance suite, harness, drop counter) that was
// `testing` here is the `gc-testing` crate: see "Testing a backend" above.

pub use collector::{Capabilities, Collector, HeapUsage, SendCollector};
pub use config::{
    Growth, HeapConfig, Marking, MAX_MARK_RATE, MAX_MARK_THREADS, MIN_CAPACITY, MIN_HEADROOM,
    MIN_MARK_STEP, PARALLEL_MARK_MIN_BYTES, REGION_RESERVE_FRACTION,
};
pub use elements::GcElements;
pub use ephemeron::GcWeakMap;
pub use error::{GcError, GcErrorKind};
pub use gc_core_derive::Trace;
pub use handle::{Gc, Root};
pub use heap::Heap;
pub use heap::{Cleanup, Scope};
pub use heap_send::HeapSend;
pub use stats::{CollectionEvent, GcStats};
pub use threads::{Admits, Local, OnCollection, Sendable, Threads};
pub use trace::{NoGc, Rebrand, Slot, Trace, Tracer, Unbranded};
pub use weak::GcWeak;
