//! A weak map's entries belong to one map object: the map cannot be
//! copied or cloned out of the heap (a copy allocated again would name the
//! first map's entries after it died).
use gc_core::{GcWeakMap, Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Node {
    value: u64,
}

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let map = s.alloc(GcWeakMap::<Node, Node>::new());
        let copy: GcWeakMap<Node, Node> = s.get(map).clone();
        let again = s.alloc(copy);
        println!("{}", s.weak_len(again));
    });
}
