//! A `Gc<[T]>` cannot leave its mutation region as the region's result.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let escaped = s.mutate(|m| m.alloc_slice(&[1u8, 2, 3]));
        s.collect();
        assert_eq!(escaped[0], 1);
    });
}
