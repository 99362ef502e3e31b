//! A `Cell<Gc<T>>` cannot be allocated directly either: it is not `Trace`.
use gc_core::{Collector, Gc, Heap};
use std::cell::Cell;

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        s.alloc(Cell::new(Gc::<u64>::null()));
    });
}

fn main() {}
