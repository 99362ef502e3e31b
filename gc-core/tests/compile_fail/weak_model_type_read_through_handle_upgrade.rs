//! A weak reference to a model object, upgraded through the handle API,
//! gives a `Root` to a branded type; `Scope::get` lends out only
//! `Unbranded` types, so its model pointers cannot come out as
//! `Gc<'static, _>` and outlive the region.
use gc_core::model::{Gc, Lock};
use gc_core::{Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Table<'gc> {
    next: Lock<Option<Gc<'gc, u64>>>,
}

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let weak = s.mutate(|m| {
            let x = m.alloc(7u64);
            let t = m.alloc(Table { next: Lock::new(Some(x)) });
            m.downgrade(t)
        });
        let t = s.upgrade(&weak).unwrap();
        let leaked: Gc<'static, u64> = s.get(t).next.get().unwrap();
        s.collect();
        println!("{}", *leaked);
    });
}
