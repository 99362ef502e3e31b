//! `RefCell` implements `Trace` only for `NoGc` contents: a `RefCell<Gc<T>>`
//! would hand out `&mut Gc<T>` through `borrow_mut`.
use gc_core::{Gc, Trace};
use std::cell::RefCell;

#[derive(Trace)]
struct Node {
    children: RefCell<Vec<Gc<Node>>>,
}

fn main() {}
