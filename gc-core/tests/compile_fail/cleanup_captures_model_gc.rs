//! A cleanup cannot capture a model pointer: it carries its region's
//! brand, and a cleanup runs after the region, when the object is dead.
use gc_core::model::Lock;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            let obj = m.alloc(Lock::new(1u64));
            m.on_death(obj, move |_| println!("{}", obj.get()));
        });
    });
}
