//! A `Gc` field cannot be moved out of the `&T` that `Scope::get` returns; an
//! unrooted `Gc` in a local would go stale when its object moves.
use gc_core::{Collector, Gc, Heap, Trace};

#[derive(Trace, Default)]
struct Node {
    next: Gc<Node>,
}

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let a = s.alloc(Node::default());
        let g: Gc<Node> = s.get(a).next;
        let _ = g;
    });
}

fn main() {}
