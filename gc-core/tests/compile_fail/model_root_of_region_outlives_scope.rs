//! A root made in a region belongs to the region's scope and cannot leave it.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    let root = heap.scope("main", |s| s.mutate(|m| m.root(m.alloc(1u64))));
    let _ = root;
}
