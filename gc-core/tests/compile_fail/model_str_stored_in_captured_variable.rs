//! A `Gc<str>` cannot leave its mutation region through a captured variable.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let mut kept = None;
        s.mutate(|m| kept = Some(m.alloc_str("moves at the next collection")));
        s.collect();
        println!("{}", &*kept.unwrap());
    });
}
