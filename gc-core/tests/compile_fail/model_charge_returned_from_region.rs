//! A `Charge` belongs to its heap's objects: it cannot leave the region it
//! was made in, so it cannot outlive the heap whose accounts it points to.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    let charge = heap.scope("main", |s| s.mutate(|m| m.charge(1024).unwrap()));
    drop(heap);
    drop(charge);
}
