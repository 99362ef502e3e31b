//! A `Gc` cannot be kept in a `thread_local!` (it is not `'static`).
use gc_core::model::Gc;
use gc_core::{Heap, HeapConfig};
use std::cell::Cell;

thread_local! {
    static KEPT: Cell<Option<Gc<'static, u64>>> = const { Cell::new(None) };
}

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| KEPT.with(|k| k.set(Some(m.alloc(1u64)))));
    });
}
