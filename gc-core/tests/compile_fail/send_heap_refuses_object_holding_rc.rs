//! A derived type holding an `Rc` is not `HeapSend`, so a sendable heap
//! refuses it, even when the `Rc` hides behind the type's own recursion
//! (`Box<(Self, Rc<_>)>`), which the derive assumes `HeapSend` for `Self`.
use gc_core::model::Gc;
use gc_core::{Heap, HeapConfig, Sendable, Trace};
use std::cell::Cell;
use std::rc::Rc;

#[derive(Trace)]
struct Counted<'gc> {
    drops: Rc<Cell<u32>>,
    next: Option<Gc<'gc, Counted<'gc>>>,
}

#[derive(Trace)]
struct Chain {
    next: Option<Box<(Chain, Rc<u32>)>>,
}

fn main() {
    let mut heap = Heap::<gc_copying::Copying, Sendable>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            m.alloc(Counted { drops: Rc::new(Cell::new(0)), next: None });
        });
        s.alloc(Chain { next: None });
    });
}
