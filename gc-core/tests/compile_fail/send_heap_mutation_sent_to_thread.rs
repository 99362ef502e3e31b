//! On a sendable heap, the mutation handle cannot cross to another thread (only the
//! heap moves, and only while no scope is open).
use gc_core::{Heap, HeapConfig, Sendable};

fn main() {
    let mut heap = Heap::<gc_refcount::RefCount, Sendable>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            std::thread::scope(|t| {
                t.spawn(|| {
                    m.alloc(3u64);
                });
            });
        });
    });
}
