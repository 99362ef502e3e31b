//! A sendable heap refuses a value that is not `HeapSend`: the `Rc<Cell<_>>`
//! drop counter every peer test uses (fine in a local heap), with both APIs.
use gc_core::{Heap, HeapConfig, Sendable};
use std::cell::Cell;
use std::rc::Rc;

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep, Sendable>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.alloc(Rc::new(Cell::new(0u32)));
        s.mutate(|m| {
            m.alloc(Rc::new(Cell::new(0u32)));
        });
    });
}
