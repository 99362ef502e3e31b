//! `try_scope_escaping` re-roots only its `Ok` root: a root of the nested
//! scope cannot leave it inside the error.
use gc_core::{Collector, Heap};

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let result = s.try_scope_escaping("inner", |inner| {
            let a = inner.alloc(1u64);
            if *inner.get(a) == 1 {
                return Err(a);
            }
            Ok(a)
        });
        if let Err(a) = result {
            let _ = s.get(a);
        }
    });
}

fn main() {}
