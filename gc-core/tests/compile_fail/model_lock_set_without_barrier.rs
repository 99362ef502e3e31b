//! A `Lock` is set only through the barrier: `Gc<Lock>::set` needs the mutation handle, and `Lock` has no `&self` setter.
use gc_core::model::Lock;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            let cell = m.alloc(Lock::new(1u64));
            cell.set(2);
        });
    });
}
