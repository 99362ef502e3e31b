//! A `Root` is not `Send` (a scoped thread removes the `'static` requirement,
//! so `Send` is the only thing in the way).
use gc_core::{Collector, Heap};

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let a = s.alloc(1u64);
        std::thread::scope(|t| {
            t.spawn(move || {
                let moved = a;
                assert_eq!(moved.slot_index(), 0);
            });
        });
    });
}

fn main() {}
