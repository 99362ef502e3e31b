//! A `Gc<dyn Trait>` cannot leave its mutation region.
use gc_core::{coerce_gc, Heap, HeapConfig};
use std::fmt::Debug;

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let escaped = s.mutate(|m| coerce_gc!(m.alloc(7u64) => dyn Debug));
        s.collect();
        println!("{:?}", &*escaped);
    });
}
