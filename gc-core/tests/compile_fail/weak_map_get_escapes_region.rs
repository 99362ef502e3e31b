//! A weak-map value found in a region is a pointer of that region: it
//! cannot leave it, so no collection can run while it is held.
use gc_core::model::Lock;
use gc_core::{GcWeakMap, Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let (map, key) = s.mutate(|m| {
            let map = m.alloc(GcWeakMap::<Lock<u64>, Lock<u64>>::new());
            let key = m.alloc(Lock::new(1u64));
            m.weak_insert(map, key, m.alloc(Lock::new(2u64)));
            (m.root(map), m.root(key))
        });
        let escaped = s.mutate(|m| m.weak_get(m.get(map), m.get(key)));
        s.collect();
        println!("{:?}", escaped.map(|c| c.get()));
    });
}
