//! `#[derive(Trace)]` rejects lifetime parameters: heap objects are `'static`.
use gc_core::Trace;

#[derive(Trace)]
struct Borrowing<'a> {
    name: &'a str,
}

fn main() {}
