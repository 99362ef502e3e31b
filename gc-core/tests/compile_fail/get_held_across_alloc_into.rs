//! R2: a `&T` from `Scope::get` cannot be held across `Scope::alloc_into`,
//! which allocates (and so may collect and move the object) like `alloc`.
use gc_core::{Collector, Heap};

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let a = s.alloc(1u64);
        let value: &u64 = s.get(a);
        s.alloc_into(a, 2u64);
        assert_eq!(*value, 1);
    });
}

fn main() {}
