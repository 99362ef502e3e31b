//! A slice of heap A cannot be stored into an element of a slice of heap B.
use gc_core::model::{Gc, Lock};
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut one = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    let mut two = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    one.scope("one", |a| {
        a.mutate(|ma| {
            let foreign = ma.alloc_slice(&[1u64]);
            two.scope("two", |b| {
                b.mutate(|mb| {
                    let cells: Gc<'_, [Lock<Option<Gc<'_, [u64]>>>]> =
                        mb.alloc_from_iter([Lock::new(None)]);
                    mb.write(cells)[0].set(Some(foreign));
                });
            });
        });
    });
}
