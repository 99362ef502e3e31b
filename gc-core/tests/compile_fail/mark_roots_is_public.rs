//! Once a soundness hole, now closed: `MarkStack::mark_roots` was public and
//! safe, and the mark loop (`mark_from`) dereferences every slot queued, so
//! queueing a slot that refers to a freed object made safe code read freed
//! memory. Closed by making `mark_roots` crate-private: only a collection,
//! whose roots are live, queues slots. This fails with E0624.
use gc_core::space::FreeListSpace;
use gc_core::Slot;
use gc_mark_sweep::mark::MarkStack;

fn main() {
    let mut space = FreeListSpace::new(1 << 20).unwrap();
    let mut stack = MarkStack::default();
    stack.mark_roots(&[Slot::new(None)]);
    stack.mark_from(&mut space);
}
