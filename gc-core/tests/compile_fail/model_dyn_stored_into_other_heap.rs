//! A trait object of heap A cannot be stored into an object of heap B.
use gc_core::model::{Gc, Lock};
use gc_core::{coerce_gc, Heap, HeapConfig, Trace};
use std::fmt::Debug;

#[derive(Trace)]
struct Holder<'gc> {
    shown: Lock<Option<Gc<'gc, dyn Debug>>>,
}

fn main() {
    let mut one = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    let mut two = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    one.scope("one", |a| {
        a.mutate(|ma| {
            let foreign = coerce_gc!(ma.alloc(1u64) => dyn Debug);
            two.scope("two", |b| {
                b.mutate(|mb| {
                    let holder = mb.alloc(Holder { shown: Lock::new(None) });
                    mb.write(holder).project(|h| &h.shown).set(Some(foreign));
                });
            });
        });
    });
}
