//! A container made for heap A cannot be stored in an object of heap B
//! (its buffer is charged to A, and its pointers are A's).
use gc_core::model::{GcVec, RefLock};
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut one = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    let mut two = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    one.scope("one", |a| {
        a.mutate(|ma| {
            let foreign: GcVec<'_, u64> = GcVec::new(ma);
            two.scope("two", |b| {
                b.mutate(|mb| {
                    mb.alloc(RefLock::new(foreign));
                });
            });
        });
    });
}
