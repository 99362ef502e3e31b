//! The expression given to `coerce_gc!` is not inside its `unsafe` block:
//! it cannot forge a pointer without `unsafe` of its own.
use gc_core::model::Gc;
use gc_core::{coerce_gc, Heap, HeapConfig};
use std::fmt::Debug;

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|_m| {
            let forged = coerce_gc!(std::ptr::read(16 as *const Gc<'_, u64>) => dyn Debug);
            println!("{forged:?}");
        });
    });
}
