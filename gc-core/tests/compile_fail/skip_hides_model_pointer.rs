//! `#[trace(skip)]` cannot hide an object-model pointer either.
use gc_core::model::Gc;
use gc_core::Trace;

#[derive(Trace)]
struct Hider<'gc> {
    #[trace(skip)]
    hidden: Option<Gc<'gc, u64>>,
}

fn main() {}
