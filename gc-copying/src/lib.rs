//! # gc-copying: a compacting Cheney semispace backend for `gc-core`
//!
//! The heap is two halves (*semispaces*) of `capacity / 2` bytes each. The
//! program allocates in one of them by bumping a pointer: a comparison and an
//! add, no free list. A collection copies every object reachable from the
//! shadow stack into the other half, in Cheney's breadth-first order:
//!
//! 1. **Roots:** each object a root refers to is copied to the free end of
//!    to-space, and the root is rewritten to the copy.
//! 2. **Scan:** to-space is scanned from its start. For each copy, every
//!    `Gc` field is rewritten the same way, copying its target if it was not
//!    copied yet. The copies between the scan pointer and the free pointer
//!    are the work queue: no mark stack, no recursion, so a list of ten
//!    million nodes needs no Rust stack.
//! 3. **Flip:** the halves swap roles. The old half holds only garbage and
//!    stale originals; debug builds fill it with `0xdb` bytes, so a stale
//!    pointer faults. Release builds keep committed the pages the next
//!    cycles will fill again (the live bytes, which the next collection
//!    copies, plus the heap's headroom up to half `HeapConfig::max_headroom`,
//!    so a small or medium heap's steady state takes no page faults) and
//!    hand the rest back to the kernel. A copying heap's footprint is thus
//!    about twice its live bytes plus the headroom.
//!
//! A copied object's old header keeps its new address in the `meta` word,
//! tagged with bit 0 (objects are 16-aligned): an object reached again is not
//! copied twice, and its slot gets the same new address. Live objects end
//! up compacted, back to back; the work is proportional to the live data,
//! and garbage costs nothing to reclaim.
//!
//! The rest of the design:
//! - **Large objects** (over 8 KiB) live in gc-core's non-moving
//!   [`LargeObjectSpace`]: when reached they are marked and their fields
//!   scanned from a small gray list; unmarked ones are swept.
//! - **Destructors.** A copying collector never visits dead objects, so the
//!   objects whose type has drop glue are kept on a *drop list*. After the
//!   copy, an entry that was forwarded is replaced by its copy; one that was
//!   not is dead and is finalised (its `Drop` runs once) while the old half
//!   is still intact. Dropping the heap finalises everything left.
//! - **Capacity.** Small and large objects together must fit in one
//!   semispace; the other half is the copy reserve. So `OutOfMemory` comes
//!   when the live data cannot fit in `capacity / 2`, and the heap never
//!   holds more than `capacity` bytes, even mid-collection.
//! - **Cost.** Half the capacity is the copy reserve, and a long-lived object
//!   is copied at every collection (there are no generations). In stress
//!   mode every allocation moves every object.
//!
//! ```
//! use gc_core::{Gc, Heap, HeapConfig, Trace};
//! use gc_core::object::object_size_for;
//! use gc_copying::Copying;
//!
//! #[derive(Trace, Default)]
//! struct Node { value: u64, next: Gc<Node> }
//!
//! let mut heap = Heap::<Copying>::new(HeapConfig::default())?;
//! heap.scope("main", |s| {
//!     let head = s.alloc(Node { value: 1, ..Node::default() });
//!     let tail = s.alloc(Node { value: 2, ..Node::default() });
//!     s.set(head, |n| &n.next, tail);
//!     s.scope("garbage", |g| {
//!         for value in 0..100 {
//!             g.alloc(Node { value, ..Node::default() });
//!         }
//!     });
//!     let before = s.address(head);
//!     s.collect();
//!     // The object moved; its root followed it.
//!     assert_ne!(s.address(head), before);
//!     assert_eq!(s.get(head).value, 1);
//!     // So did the field that refers to `tail`.
//!     let next = s.load(head, |n| &n.next).unwrap();
//!     assert!(s.ptr_eq(next, tail));
//!     // Compacted: the two live nodes are all that is left.
//!     let node = object_size_for(std::mem::size_of::<Node>());
//!     assert_eq!(s.usage().bytes, 2 * node);
//! });
//! # Ok::<(), gc_core::GcError>(())
//! ```
//!
//! Where things are (each backend has the same files for the same roles):
//! - [`cheney`]: the Cheney loop (copy the roots' objects, then scan
//!   to-space, `Cheney::scan`) and the forwarding pointers;
//! - [`semispace`]: one half of the heap, filled by a bump pointer;
//! - `collector.rs`: [`Copying`] and its [`Collector`] implementation: the
//!   flip, the drop list, the large objects' sweep;
//! - `verify.rs`: the heap verifier ([`HeapConfig::verify`]);
//!   `seeded_bug.rs`: the collector with a planted bug, which the harness
//!   must catch (test-only).
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

pub mod cheney;
mod collector;
#[cfg(any(
    test,
    feature = "seeded-bug-stale-root",
    feature = "seeded-bug-stale-weak",
    feature = "seeded-bug-forgotten-rehash"
))]
pub mod seeded_bug;
pub mod semispace;
mod verify;

pub use collector::Copying;
