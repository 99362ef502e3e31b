//! A heap type cannot borrow data outside the heap: its one lifetime parameter is a
//! region brand, and the only reference that is `Trace` is `&'static str`.
use gc_core::Trace;

#[derive(Trace)]
struct Borrowing<'a> {
    name: &'a str,
}

fn main() {}
