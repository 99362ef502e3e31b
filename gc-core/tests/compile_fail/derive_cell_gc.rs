//! `Cell` implements `Trace` only for `NoGc` contents: a `Cell<Gc<T>>` would let
//! `&T` code move a `Gc` out of its object (`Cell::replace`).
use gc_core::{Gc, Trace};
use std::cell::Cell;

#[derive(Trace)]
struct Node {
    next: Cell<Gc<Node>>,
}

fn main() {}
