//! A `Gc` is not `Clone`: it cannot be copied out of the `&T` that
//! `Scope::get` returns.
use gc_core::{Collector, Gc, Heap, Trace};

#[derive(Trace, Default)]
struct Node {
    next: Gc<Node>,
}

fn keep(_: Gc<Node>) {}

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let a = s.alloc(Node::default());
        // `Gc<Node>: Clone` is not satisfied.
        keep(Clone::clone(&s.get(a).next));
        // Method syntax only finds `<&Gc<Node> as Clone>::clone`: still a reference.
        let g: Gc<Node> = s.get(a).next.clone();
        keep(g);
    });
}

fn main() {}
