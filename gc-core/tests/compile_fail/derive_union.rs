//! `#[derive(Trace)]` rejects unions: which field holds a value is unknown.
use gc_core::{Gc, Trace};

#[derive(Trace)]
union Either {
    number: u64,
    pointer: std::mem::ManuallyDrop<Gc<u64>>,
}

fn main() {}
