//! Issue 22, hole 2: the rule is by type, not by what a field holds today:
//! a generic type with `Drop` is rejected even when its parameter appears
//! only in a `PhantomData` (say `#[trace(drop)]` to allow it).
use gc_core::Trace;
use std::marker::PhantomData;

#[derive(Trace)]
struct Tagged<T> {
    tag: PhantomData<T>,
    n: u64,
}
impl<T> Drop for Tagged<T> {
    fn drop(&mut self) {}
}

fn main() {}
