//! R2 for slot-free reads: the `&T` that `Gc::get` returns borrows the scope
//! (through the `Scope::get` it started from), so it cannot be held across
//! `Scope::alloc` either.
use gc_core::{Collector, Gc, Heap, Trace};

#[derive(Trace, Default)]
struct Node {
    value: u64,
    next: Gc<Node>,
}

fn run<C: Collector>(heap: &mut Heap<C>) {
    heap.scope("main", |s| {
        let a = s.alloc(Node::default());
        let b = s.alloc(Node { value: 2, ..Node::default() });
        s.set(a, |n| &n.next, b);
        let next: &Node = s.get(a).next.get().unwrap();
        s.alloc(Node::default());
        assert_eq!(next.value, 2);
    });
}

fn main() {}
