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
//! - the mark loop: [`mark`] (`MarkSweep::mark_from`)
//! - the sweep: `FreeListSpace::sweep` and `FreeListSpace::sweep_lazily` in
//!   gc-core
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
//! [`FreeListSpace`]: gc_core::space::FreeListSpace

mod collector;
mod incremental;
#[cfg(test)]
mod incremental_checks;
pub mod mark;
#[cfg(any(test, feature = "seeded-bug-skip-last-field"))]
pub mod seeded_bug;
#[cfg(any(test, feature = "seeded-bug-skip-last-field"))]
pub mod seeded_incremental;
mod verify;

pub use collector::MarkSweep;
