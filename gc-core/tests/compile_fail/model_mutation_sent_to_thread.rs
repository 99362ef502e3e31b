//! The mutation handle cannot cross to another thread.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            std::thread::scope(|t| {
                t.spawn(|| m.alloc(1u64));
            });
        });
    });
}
