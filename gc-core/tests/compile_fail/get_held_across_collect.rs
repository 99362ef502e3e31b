//! R2: a `&T` from `Scope::get` cannot be held across `Scope::collect`.
use gc_core::{Collector, Heap};

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let a = s.alloc(1u64);
        let value: &u64 = s.get(a);
        s.collect();
        assert_eq!(*value, 1);
    });
}

fn main() {}
