//! A weak map of model types, read through the handle API, gives a `Root`
//! to a branded type; `Scope::get` lends out only `Unbranded` types, so
//! the value's model pointers cannot come out as `Gc<'static, _>`.
use gc_core::model::{Gc, Lock};
use gc_core::{GcWeakMap, Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Table<'gc> {
    next: Lock<Option<Gc<'gc, u64>>>,
}

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let (map, key) = s.mutate(|m| {
            let map = m.alloc(GcWeakMap::<Lock<u64>, Table<'static>>::new());
            let key = m.alloc(Lock::new(0u64));
            let x = m.alloc(7u64);
            let t = m.alloc(Table { next: Lock::new(Some(x)) });
            m.weak_insert(map, key, t);
            (m.root(map), m.root(key))
        });
        let t = s.weak_get(map, key).unwrap();
        let leaked: Gc<'static, u64> = s.get(t).next.get().unwrap();
        s.collect();
        println!("{}", *leaked);
    });
}
