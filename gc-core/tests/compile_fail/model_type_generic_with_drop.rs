//! Issue 22, hole 2: a generic type may hold model pointers through its
//! parameters, so it may not implement `Drop` (its destructor would read
//! them when their targets may already be freed).
use gc_core::model::Gc;
use gc_core::Trace;

trait Peek {
    fn peek(&self) -> u64;
}
impl<'gc> Peek for Option<Gc<'gc, u64>> {
    fn peek(&self) -> u64 {
        self.map(|g| *g).unwrap_or(0)
    }
}

#[derive(Trace)]
struct W<T: Peek> {
    x: T,
}
impl<T: Peek> Drop for W<T> {
    fn drop(&mut self) {
        println!("{}", self.x.peek());
    }
}

#[derive(Trace)]
struct Holder<'gc> {
    w: W<Option<Gc<'gc, u64>>>,
}

fn main() {}
