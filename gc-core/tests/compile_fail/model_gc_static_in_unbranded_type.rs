//! Issue 22, hole 1: a type without a brand cannot hold a model pointer,
//! whatever wraps it (a lock, an option, a tuple, an array): it could only
//! be named `'static`. Each struct below is rejected at its definition.
use gc_core::model::{Gc, Lock};
use gc_core::Trace;

#[derive(Trace)]
struct H2 {
    l: Lock<Option<Gc<'static, u64>>>,
}

#[derive(Trace)]
struct InTuple {
    t: (u64, Lock<Option<Gc<'static, u64>>>),
}

#[derive(Trace)]
struct InArray {
    a: [Option<Gc<'static, u64>>; 2],
}

fn main() {}
