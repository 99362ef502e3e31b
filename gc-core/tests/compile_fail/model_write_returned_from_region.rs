//! A `&Write` (a logged object) cannot outlive its region: after a
//! collection the object is no longer logged.
use gc_core::model::Lock;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let write = s.mutate(|m| m.write(m.alloc(Lock::new(1u64))));
        s.collect();
        write.set(2);
    });
}
