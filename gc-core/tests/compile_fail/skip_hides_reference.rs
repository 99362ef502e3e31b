//! `#[trace(skip)]` cannot hide a heap reference: the skipped field's type
//! must be `Send + 'static`, and no handle or pointer type is.
use gc_core::{Gc, Trace};

#[derive(Trace)]
struct Hider {
    #[trace(skip)]
    hidden: Vec<Gc<u64>>,
}

fn main() {}
