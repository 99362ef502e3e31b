//! User code never gets `&mut` to a heap object, so a `Gc` cannot be taken
//! out of one with `std::mem::take`/`replace`.
use gc_core::{Collector, Gc, Heap, Trace};

#[derive(Trace, Default)]
struct Node {
    next: Gc<Node>,
}

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let a = s.alloc(Node::default());
        let g = std::mem::take(&mut s.get(a).next);
        let _ = g;
    });
}

fn main() {}
