//! # gc-mark-compact: a sliding mark-compact (Lisp-2) backend for `gc-core`
//!
//! The textbook answer to fragmentation without a copy reserve. Mark-sweep
//! leaves holes where objects die; copying closes them but keeps half the
//! capacity empty to copy into. A sliding compactor marks the live objects,
//! then slides them down over the dead ones within the one space, keeping
//! their address order: no holes, no reserve, at the price of a walk over
//! the whole space (dead objects too) and two more over the survivors.
//!
//! The heap is one reservation of the whole capacity, filled by a bump
//! pointer. A collection runs the Lisp-2 algorithm ([`lisp2`]):
//!
//! 1. **Mark** everything reachable from the shadow stack (an explicit
//!    stack; the mark bit is bit 0 of the header's `meta` word);
//! 2. **plan**: walk the space in address order, giving each marked object
//!    its new address (the bytes of the survivors below it), kept in its
//!    `meta` word, and each run of dead objects a pointer past it;
//! 3. **update** every root and every live object's fields to their
//!    targets' new addresses, and finalise the dead objects in place;
//! 4. **slide** each live object down to its new address.
//!
//! Objects above 8 KiB live in gc-core's non-moving [`LargeObjectSpace`].
//! Destructors need no drop list (the walks meet the dead objects), weak
//! references move with their objects ([`gc_core::weak`]), and an object's
//! identity, kept in the `meta` word the forwarding address borrows, is
//! saved and restored around the move.
//!
//! ```
//! use gc_core::{Gc, Heap, HeapConfig, Trace};
//! use gc_core::object::object_size_for;
//! use gc_mark_compact::MarkCompact;
//!
//! #[derive(Trace, Default)]
//! struct Node { value: u64, next: Gc<Node> }
//!
//! let mut heap = Heap::<MarkCompact>::new(HeapConfig::default())?;
//! heap.scope("main", |s| {
//!     let head = s.alloc(Node { value: 1, ..Node::default() });
//!     s.scope("garbage", |g| {
//!         for value in 0..100 {
//!             g.alloc(Node { value, ..Node::default() });
//!         }
//!     });
//!     let tail = s.alloc(Node { value: 2, ..Node::default() });
//!     s.set(head, |n| &n.next, tail);
//!     let before = s.address(tail);
//!     s.collect();
//!     // `head` was below the garbage and stays; `tail` slid down over it,
//!     // and the field that refers to it followed.
//!     assert_ne!(s.address(tail), before);
//!     let next = s.load(head, |n| &n.next).unwrap();
//!     assert!(s.ptr_eq(next, tail));
//!     assert_eq!(s.get(next).value, 2);
//!     // Compacted: the two live nodes are all that is left.
//!     let node = object_size_for(std::mem::size_of::<Node>());
//!     assert_eq!(s.usage().bytes, 2 * node);
//! });
//! # Ok::<(), gc_core::GcError>(())
//! ```
//!
//! ## Why a crate of its own
//! This backend is the worked example of `docs/WRITING_A_BACKEND.md`, the
//! guide for authors of new collectors. It is a crate beside the other
//! three, not an example file, because that is what such an author
//! builds: a crate that depends on `gc-core` alone (no `pub(crate)`
//! access), with `gc-testing` as its dev-dependency, so that
//! `cargo test -p gc-mark-compact` runs the conformance suite and the
//! harness on it, a feature exposes its seeded bug, and the lab, the
//! benches and the interpreter can pick it like any other backend.
//!
//! Where things are (each backend has the same files for the same roles):
//! - [`lisp2`]: the four passes (`Lisp2::mark_loop`, `Lisp2::plan`,
//!   `Lisp2::update`, `Lisp2::slide`) and the forwarding word;
//! - [`space`]: the one space, filled by a bump pointer;
//! - `collector.rs`: [`MarkCompact`] and its [`Collector`] implementation:
//!   the phases in order, the weak step, the large objects' sweep;
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
//! [`LargeObjectSpace`]: gc_core::space::LargeObjectSpace
//! [`HeapConfig::verify`]: gc_core::HeapConfig::verify
//! [`Collector`]: gc_core::Collector

mod collector;
pub mod lisp2;
#[cfg(any(test, feature = "seeded-bug-skipped-dense-prefix"))]
pub mod seeded_bug;
pub mod space;
mod verify;

pub use collector::MarkCompact;
