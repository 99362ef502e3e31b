//! A sendable heap's collection callback travels with it: it must be `Send`.
use gc_core::{Heap, HeapConfig, Sendable};
use std::cell::Cell;
use std::rc::Rc;

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep, Sendable>::new(HeapConfig::default()).unwrap();
    let collections = Rc::new(Cell::new(0));
    heap.on_collection(move |_| collections.set(collections.get() + 1));
}
