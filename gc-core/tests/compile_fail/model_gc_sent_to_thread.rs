//! A `Gc` cannot cross to another thread, even a scoped one.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            let value = m.alloc(1u64);
            std::thread::scope(|t| {
                t.spawn(move || *value);
            });
        });
    });
}
