//! A nested scope's `Root` cannot be stored where the enclosing scope's roots
//! go: brands are invariant, so `Root<'inner, _>` is not a `Root<'outer, _>`.
use gc_core::{Collector, Heap};

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let mut outer = vec![s.alloc(1u64)];
        s.scope("inner", |inner| {
            let b = inner.alloc(2u64);
            outer.push(b);
        });
        let _ = outer;
    });
}

fn main() {}
