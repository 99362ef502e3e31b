//! While a nested scope is open, the outer scope is mutably borrowed: it cannot
//! allocate (its roots would land in the inner frame's slots).
use gc_core::{Collector, Heap};

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        s.scope("inner", |inner| {
            let a = inner.alloc(1u64);
            let b = s.alloc(2u64);
            let _ = (a, b);
        });
    });
}

fn main() {}
