//! A nested scope's `Root` cannot be returned from it (only `scope_escaping`
//! re-roots a result in the enclosing scope).
use gc_core::{Collector, Heap};

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let b = s.scope("inner", |inner| inner.alloc(2u64));
        let _ = s.get(b);
    });
}

fn main() {}
