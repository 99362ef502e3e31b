//! R2: a `&T` from `Scope::get` cannot be held across `Scope::alloc`, which may
//! collect and move (or free) the object the reference points into.
use gc_core::{Collector, Heap};

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let a = s.alloc(1u64);
        let value: &u64 = s.get(a);
        s.alloc(2u64);
        assert_eq!(*value, 1);
    });
}

fn main() {}
