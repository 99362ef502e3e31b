//! A weak map's values have one type: inserting an object of another type
//! does not compile (a lookup hands the value out as the map's type).
use gc_core::{GcWeakMap, Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Node {
    value: u64,
}

#[derive(Trace)]
struct Other {
    text: String,
}

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let map = s.alloc(GcWeakMap::<Node, Node>::new());
        let key = s.alloc(Node { value: 1 });
        let other = s.alloc(Other { text: String::new() });
        s.weak_insert(map, key, other);
    });
}
