//! A scope of a local heap cannot cross to another thread, even a scoped one.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        std::thread::scope(|t| {
            t.spawn(|| s.collect());
        });
    });
}
