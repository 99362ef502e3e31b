//! A weak-map value found through the handle API is a root of the scope
//! that looked it up: it cannot leave that scope.
use gc_core::{GcWeakMap, Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Node {
    value: u64,
}

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let map = s.alloc(GcWeakMap::<Node, Node>::new());
        let key = s.alloc(Node { value: 1 });
        let value = s.alloc(Node { value: 2 });
        s.weak_insert(map, key, value);
        let escaped = s.scope("inner", |s| s.weak_get(map, key).unwrap());
        s.collect();
        println!("{}", s.get(escaped).value);
    });
}
