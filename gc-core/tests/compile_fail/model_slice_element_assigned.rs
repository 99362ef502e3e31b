//! A slice object's elements cannot be assigned in place: `Gc<[T]>` gives
//! only `&[T]` (a reference counter would miss the store).
use gc_core::model::Gc;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_refcount::RefCount>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            let target = m.alloc(1u64);
            let mut refs: Gc<'_, [Gc<'_, u64>]> = m.alloc_slice(&[target]);
            refs[0] = m.alloc(2u64);
        });
    });
}
