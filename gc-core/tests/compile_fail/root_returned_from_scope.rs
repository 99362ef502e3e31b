//! A `Root` cannot outlive its scope: its slot is popped when the closure returns.
use gc_core::{Heap, HeapConfig};
use gc_mark_sweep::MarkSweep;

fn main() {
    let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
    let root = heap.scope("main", |s| s.alloc(1u64));
    let _ = root;
}
