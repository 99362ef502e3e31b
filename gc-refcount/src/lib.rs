//! # gc-refcount: deferred reference counting with cycle collection, for `gc-core`
//!
//! Each object counts the **heap fields** that refer to it. The counts live
//! in the header's `meta` word ([layout](count)) and change only in the
//! write barrier: storing into a field increments the new target and
//! decrements the old one. The barrier frees nothing.
//!
//! **Roots are deferred.** Copying, loading or dropping a root costs nothing,
//! so a count of 0 does not mean garbage: the object may be rooted. New
//! objects (count 0) and objects whose count drops to 0 wait in a
//! **zero-count table** (ZCT). A collection flags the objects the shadow
//! stack refers to, then frees every unflagged ZCT object, releasing its
//! children first; children that drop to 0 join the table and are freed in
//! the same pass, on a worklist, so a million-node list dies without deep
//! recursion ([`deferred`]). Acyclic garbage is reclaimed at
//! the next collection without tracing the live heap.
//!
//! **Cycles** keep their members' counts above 0 forever. The cycle collector
//! is Bacon and Rajan's trial deletion (2001) over a buffer of candidates
//! ([`cycles`]); rooted objects count as referenced from
//! outside. It runs on every explicit `collect()`, when the heap is out of
//! room, and when more than [`MIN_CYCLE_TRIGGER`] candidates (or twice what
//! the last run left) are buffered. With `HeapConfig::collect_cycles` off it
//! never runs, and each collection instead counts the unreachable objects
//! left behind (`CollectionEvent::leaked_objects`): the leak of plain
//! reference counting.
//!
//! Memory comes from gc-core's `FreeListSpace` (size classes, large objects
//! in their own mappings); objects never move.
//!
//! ```
//! use gc_testing::Drops;
//! use gc_core::{Gc, Heap, HeapConfig, Trace};
//! use gc_refcount::RefCount;
//!
//! #[derive(Trace)]
//! struct Node { next: Gc<Node>, counter: gc_testing::DropCounter }
//!
//! fn demo(collect_cycles: bool) -> (usize, usize) {
//!     let drops = Drops::default();
//!     let config = HeapConfig { collect_cycles, ..HeapConfig::default() };
//!     let mut heap = Heap::<RefCount>::new(config).unwrap();
//!     heap.scope("main", |s| {
//!         s.scope("garbage", |g| {
//!             // a -> b: acyclic. c <-> d: a cycle.
//!             let [a, b, c, d] = [0, 1, 2, 3].map(|id| {
//!                 g.alloc(Node { next: Gc::null(), counter: drops.counter(id) })
//!             });
//!             g.set(a, |n| &n.next, b);
//!             g.set(c, |n| &n.next, d);
//!             g.set(d, |n| &n.next, c);
//!             // Roots are not counted: `b`'s count is 1 (from `a`), `a`'s is 0.
//!             assert_eq!(g.collector().count_at(g.address(b)), Some(1));
//!             assert_eq!(g.collector().count_at(g.address(a)), Some(0));
//!         });
//!         s.collect(); // no roots left: a and b go through the ZCT
//!     });
//!     (drops.total(), heap.stats().leaked_objects)
//! }
//!
//! assert_eq!(demo(true), (4, 0)); // trial deletion frees the cycle too
//! assert_eq!(demo(false), (2, 2)); // plain reference counting leaks it
//! ```
//!
//! Where things are (each backend has the same files for the same roles):
//! - [`count`]: the header word (count, color, flags) and the bookkeeping
//!   the write barrier does: counts, the zero-count table and the cycle
//!   candidates;
//! - [`deferred`]: reconciling the zero-count table against the roots, and
//!   the cascades that free acyclic garbage;
//! - [`cycles`]: trial deletion, with each candidate examined alone first
//!   ([`cycles::alone`]);
//! - `collector.rs`: [`RefCount`] and its [`Collector`] implementation: the
//!   write barriers, the replay of the object model's write log, and when
//!   trial deletion runs; `leak.rs`: with cycle collection off, the count
//!   of what plain reference counting leaks;
//! - `verify.rs`: the heap verifier ([`HeapConfig::verify`]);
//!   `seeded_bug.rs`: the collector with planted bugs, which the harness
//!   must catch (test-only); `collector/tests.rs`: the unit tests.
//!
//! Visibility, the same in every backend: the algorithm's modules and the
//! test-only `seeded_bug` are public, for their documentation and for tests
//! outside the crate, with everything that rests on a collection's
//! invariants `pub(crate)`; `collector`, `verify` and helpers are private,
//! and the backend's type is re-exported at the root.
//!
//! [`Collector`]: gc_core::Collector
//! [`HeapConfig::verify`]: gc_core::HeapConfig::verify

mod collector;
pub mod count;
pub mod cycles;
pub mod deferred;
mod leak;
#[cfg(any(test, feature = "seeded-bugs"))]
pub mod seeded_bug;
mod verify;

pub use collector::{RefCount, MIN_CYCLE_TRIGGER};
