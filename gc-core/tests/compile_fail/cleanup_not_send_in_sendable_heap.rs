//! A sendable heap's cleanups travel with it to other threads: a cleanup
//! that holds an `Rc` is refused.
use gc_core::{Heap, HeapConfig, Sendable};
use std::rc::Rc;

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep, Sendable>::new(HeapConfig::default()).unwrap();
    let shared = Rc::new(1u32);
    heap.scope("main", |s| {
        let obj = s.alloc(1u64);
        s.on_death(obj, move |_| println!("{shared}"));
    });
}
