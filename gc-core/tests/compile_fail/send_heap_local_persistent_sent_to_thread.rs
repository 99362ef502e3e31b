//! A persistent root of a local heap cannot cross to another thread.
use gc_core::model::Persistent;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    let root: Persistent<u64> = heap.scope("main", |s| s.mutate(|m| m.persist(m.alloc(1u64))));
    std::thread::spawn(move || drop(root));
}
