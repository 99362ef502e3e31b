//! Model pointers cannot live in a malloc'd `Vec` (a moving collector could
//! not soundly rewrite them there, and the heap would not see the buffer).
use gc_core::model::Gc;
use gc_core::{Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Node<'gc> {
    children: Vec<Gc<'gc, u64>>,
}

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            m.alloc(Node { children: vec![m.alloc(1u64)] });
        });
    });
}
