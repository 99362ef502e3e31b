//! An element of a slice object is a `Lock` set only through the barrier:
//! `Gc<[Lock<T>]>` derefs to `&[Lock<T>]`, and `Lock` has no `&self` setter.
use gc_core::model::Lock;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_refcount::RefCount>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            let cells = m.alloc_from_iter([Lock::new(1u64)]);
            cells[0].set(2);
        });
    });
}
