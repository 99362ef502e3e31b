//! # gc-mark-sweep: a non-moving mark-sweep backend for `gc-core`
//!
//! Objects never move. Small objects live in size-class blocks with free
//! lists and a side mark bitmap (gc-core's [`FreeListSpace`]); objects above
//! 8 KiB get their own mapping. A collection marks everything reachable from
//! the shadow stack with an explicit mark stack (never recursion, so a
//! 10-million-node list cannot overflow the Rust stack), then sweeps:
//! every unmarked object is finalised (`Drop` runs once) and its cell goes
//! back on a free list. Collections the program waits on (`Scope::collect`,
//! or an allocation that found the heap full) sweep every block before they
//! return; the others (the growth trigger, stress mode) sweep lazily: each
//! block just before allocation next needs a cell of its size class.
//!
//! ```
//! use gc_core::{Heap, HeapConfig};
//! use gc_mark_sweep::MarkSweep;
//!
//! let mut heap = Heap::<MarkSweep>::new(HeapConfig::default())?;
//! heap.scope("main", |s| {
//!     let kept = s.alloc(String::from("kept"));
//!     s.scope("temp", |t| { t.alloc(String::from("garbage")); });
//!     s.collect();
//!     assert_eq!(s.get(kept), "kept");
//!     assert_eq!(s.stats().heap_objects, 1);
//! });
//! # Ok::<(), gc_core::GcError>(())
//! ```
//!
//! Where things are (each backend has the same files for the same roles):
//! - [`mark`]: the mark stack ([`MarkStack`](mark::MarkStack)) and its loop
//!   (`MarkStack::mark_loop`), and the parallel marker
//!   (`mark::mark_parallel`, when [`HeapConfig::mark_threads`] is above 1);
//! - `collector.rs`: [`MarkSweep`] and its [`Collector`] implementation,
//!   which clears the marks, marks, then sweeps eagerly or lazily
//!   (`MarkSweep::collect_with`); the sweeps themselves are gc-core's
//!   [`FreeListSpace::sweep`] and [`FreeListSpace::sweep_lazily`];
//! - `verify.rs`: the heap verifier ([`HeapConfig::verify`]);
//!   `seeded_bug.rs`: the collector with a planted bug, which the harness
//!   must catch (test-only); `collector/tests.rs`: the unit tests.
//!
//! Visibility, the same in every backend: the algorithm's modules and the
//! test-only `seeded_bug` are public, for their documentation and for tests
//! outside the crate, with everything that rests on a collection's
//! invariants `pub(crate)`; `collector`, `verify` and helpers are private,
//! and the backend's type is re-exported at the root.
//!
//! [`FreeListSpace`]: gc_core::space::FreeListSpace
//! [`FreeListSpace::sweep`]: gc_core::space::FreeListSpace::sweep
//! [`FreeListSpace::sweep_lazily`]: gc_core::space::FreeListSpace::sweep_lazily
//! [`HeapConfig::mark_threads`]: gc_core::HeapConfig::mark_threads
//! [`HeapConfig::verify`]: gc_core::HeapConfig::verify
//! [`Collector`]: gc_core::Collector

mod collector;
mod incremental;
#[cfg(test)]
mod incremental_checks;
pub mod mark;
#[cfg(any(
    test,
    feature = "seeded-bug-skip-last-field",
    feature = "seeded-bug-skipped-weak-sweep",
    feature = "seeded-bug-weak-after-sweep",
    feature = "seeded-bug-one-ephemeron-round",
    feature = "seeded-bug-value-through-dead-key"
))]
pub mod seeded_bug;
#[cfg(any(test, feature = "seeded-bug-skip-last-field"))]
pub mod seeded_incremental;
mod verify;

pub use collector::MarkSweep;
