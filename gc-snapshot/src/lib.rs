//! Heap snapshots for [gc-core](gc_core) heaps: "why is this object alive?"
//!
//! [`Scope::heap_graph`](gc_core::Scope::heap_graph) walks every object a
//! root reaches, with its type, size, stable id and named edges, on every
//! backend; [`Scope::why_alive`](gc_core::Scope::why_alive) answers with
//! the shortest retaining path;
//! [`Scope::heap_graph_with_unreachable`](gc_core::Scope::heap_graph_with_unreachable)
//! adds what no root reaches but the backend still holds (reference
//! counting's leaked cycles) under a root group `(unreachable, not freed)`,
//! which the snapshot hangs off its root so DevTools shows it without
//! warnings. This crate adds what a memory profiler shows on top of that
//! graph:
//!
//! - [`write_heap_snapshot`]: the graph as a Chrome DevTools
//!   `.heapsnapshot` file (open it in DevTools' Memory panel, or analyse it
//!   with memlab): Summary, Comparison (ids are stable across snapshots,
//!   also on the copying backend), Containment, Retainers, Dominators.
//! - [`Dominators`]: the dominator tree (Lengauer–Tarjan) and every
//!   object's retained size, so "which object holds the most memory" is a
//!   function call, no browser needed.
//!
//! ```
//! use gc_core::model::{Gc, GcVec, RefLock};
//! use gc_core::graph::short_type_name;
//! use gc_core::{Heap, HeapConfig, Trace};
//! use gc_snapshot::Dominators;
//!
//! #[derive(Trace)]
//! struct Cache<'gc> { entries: RefLock<GcVec<'gc, Gc<'gc, Blob>>> }
//! #[derive(Trace)]
//! struct Blob { bytes: Vec<u8> }
//!
//! let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
//! heap.scope("main", |s| {
//!     s.mutate(|m| {
//!         let cache = m.alloc(Cache { entries: RefLock::new(GcVec::new(m)) });
//!         let mut entries = m.write(cache).project(|c| &c.entries).borrow_mut();
//!         for _ in 0..3 {
//!             entries.push(m.alloc(Blob { bytes: vec![0; 1000] }));
//!         }
//!         drop(entries);
//!         m.root(cache)
//!     });
//!     let graph = s.heap_graph();
//!     let (top, bytes) = Dominators::of(&graph).largest(1)[0];
//!     assert_eq!(short_type_name(graph.type_name(top)), "Cache");
//!     assert!(bytes > 3000); // the cache retains its three blobs and their bytes
//! });
//! ```

mod devtools;
mod dominators;

pub use devtools::{object_node_id, write_heap_snapshot};
pub use dominators::{Dominator, Dominators};
