//! A plain `Cell` cannot hold a model pointer: stores would skip the barrier.
use gc_core::model::Gc;
use gc_core::Trace;
use std::cell::Cell;

#[derive(Trace)]
struct Node<'gc> {
    next: Cell<Option<Gc<'gc, u64>>>,
}

fn main() {}
