//! On a sendable heap, a root cannot cross to another thread (only the
//! heap moves, and only while no scope is open).
use gc_core::{Heap, HeapConfig, Sendable};

fn main() {
    let mut heap = Heap::<gc_refcount::RefCount, Sendable>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let root = s.alloc(1u64);
        std::thread::scope(|t| {
            t.spawn(move || drop(root));
        });
    });
}
