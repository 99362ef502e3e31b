//! Once a soundness hole, now closed: `Collector::write_barrier` was safe and
//! reachable through `Scope::collector`, yet a backend's barrier may read
//! and write the headers of the object it is given and of the slot's old
//! target (reference counting's does): a slot holding a freed object's
//! address made it write freed memory. Closed by making it an `unsafe fn`
//! (the slot must be a field of a live object, the target a live object),
//! so this fails with E0133.
use gc_core::object::ObjectRef;
use gc_core::{Collector, Heap, HeapConfig, Slot};
use gc_mark_sweep::MarkSweep;

fn main() {
    let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
    let slot = Slot::new(None);
    // SAFETY: (for the test) only the call below is under test.
    let owner = unsafe { ObjectRef::from_addr(16) };
    heap.scope("main", |s| s.collector().write_barrier(owner, &slot, None));
}
