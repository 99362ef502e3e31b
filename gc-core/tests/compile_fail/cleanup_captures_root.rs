//! A cleanup is `'static`: it cannot capture a root (of its own object or
//! any other), so it can never reach an object through one after the
//! object's scope, or after the object died.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let obj = s.alloc(1u64);
        s.on_death(obj, move |s| println!("{}", s.get(obj)));
    });
}
