//! A default heap is local: `Heap<MarkSweep>` is not `Send`, on any backend.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    std::thread::spawn(move || heap.scope("worker", |s| s.collect()));
}
