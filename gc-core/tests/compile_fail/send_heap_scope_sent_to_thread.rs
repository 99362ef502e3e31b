//! On a sendable heap, a scope (it borrows the heap) cannot cross to another thread (only the
//! heap moves, and only while no scope is open).
use gc_core::{Heap, HeapConfig, Sendable};

fn main() {
    let mut heap = Heap::<gc_refcount::RefCount, Sendable>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        std::thread::scope(|t| {
            t.spawn(|| s.collect());
        });
    });
}
