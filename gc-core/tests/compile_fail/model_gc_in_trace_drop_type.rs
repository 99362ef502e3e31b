//! Issue 22, hole 2: a `#[trace(drop)]` type may have a destructor, and so
//! may not hold model pointers: each use with one (nested in an `Option`, a
//! tuple, an array) fails to compile.
use gc_core::model::Gc;
use gc_core::Trace;

#[derive(Trace)]
#[trace(drop)]
struct W<T> {
    x: T,
}
impl<T> Drop for W<T> {
    fn drop(&mut self) {}
}

#[derive(Trace)]
struct Holder<'gc> {
    w: Option<W<(u64, [Option<Gc<'gc, u64>>; 1])>>,
}

fn main() {}
