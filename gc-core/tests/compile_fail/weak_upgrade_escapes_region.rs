//! A model pointer upgraded from a weak reference carries its region's
//! brand: it cannot leave the region, so no collection can run while it is
//! held.
use gc_core::model::Lock;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let weak = s.mutate(|m| m.downgrade(m.alloc(Lock::new(1u64))));
        let escaped = s.mutate(|m| m.upgrade(&weak));
        s.collect();
        println!("{:?}", escaped.map(|c| c.get()));
    });
}
