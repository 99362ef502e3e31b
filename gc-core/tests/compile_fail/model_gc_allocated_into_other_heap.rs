//! An object of heap B cannot be built holding a pointer of heap A.
use gc_core::model::Gc;
use gc_core::{Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Holder<'gc> {
    target: Gc<'gc, u64>,
}

fn main() {
    let mut one = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    let mut two = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    one.scope("one", |a| {
        a.mutate(|ma| {
            let foreign = ma.alloc(1u64);
            two.scope("two", |b| {
                b.mutate(|mb| {
                    mb.alloc(Holder { target: foreign });
                });
            });
        });
    });
}
