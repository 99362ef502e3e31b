//! A pointer of heap A cannot be stored into an object of heap B.
use gc_core::model::{Gc, Lock};
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut one = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    let mut two = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    one.scope("one", |a| {
        a.mutate(|ma| {
            let foreign = ma.alloc(1u64);
            two.scope("two", |b| {
                b.mutate(|mb| {
                    let cell: Gc<'_, Lock<Option<Gc<'_, u64>>>> = mb.alloc(Lock::new(None));
                    mb.write(cell).set(Some(foreign));
                });
            });
        });
    });
}
