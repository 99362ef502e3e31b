//! A `GcVec` (whose elements may be pointers, and whose allocator points at
//! the heap's accounts) cannot leave its region either.
use gc_core::model::GcVec;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let escaped = s.mutate(|m| GcVec::<u64>::new(m));
        s.collect();
        assert!(escaped.is_empty());
    });
}
