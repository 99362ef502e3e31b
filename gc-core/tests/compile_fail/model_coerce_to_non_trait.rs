//! `coerce_gc!` only makes trait objects: it cannot reinterpret an object
//! as another sized type or as a slice.
use gc_core::{coerce_gc, Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            let words = coerce_gc!(m.alloc([1u8; 16]) => [u64]);
            println!("{}", words[0]);
        });
    });
}
