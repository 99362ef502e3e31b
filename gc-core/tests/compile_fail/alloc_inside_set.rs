//! `Scope::set` borrows the scope shared while its arguments are evaluated, so
//! an allocation (which needs `&mut`) cannot be nested in the call: E0502.
//! Idiom: bind the new root with `let` first.
use gc_core::{Collector, Gc, Heap, Trace};

#[derive(Trace, Default)]
struct Node {
    next: Gc<Node>,
}

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let a = s.alloc(Node::default());
        s.set(a, |n| &n.next, s.alloc(Node::default()));
    });
}

fn main() {}
