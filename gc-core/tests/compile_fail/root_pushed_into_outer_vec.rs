//! A `Root` cannot be stored in a collection that outlives its scope.
use gc_core::{Collector, Heap, Root};

fn run<C: Collector>(heap: &mut Heap<C>) {
    let mut saved: Vec<Root<'_, u64>> = Vec::new();
    heap.scope("main", |s| {
        let a = s.alloc(1u64);
        saved.push(a);
    });
    let _ = saved;
}

fn main() {}
