//! Issue 22, hole 1: a handle-API object holding a handle `Gc` to a model
//! type. `Gc::get` lends out only `Unbranded` targets, so the model type's
//! pointers cannot come out as `Gc<'static, _>`.
use gc_core::model::{Gc, Lock};
use gc_core::{Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Table<'gc> {
    next: Lock<Option<Gc<'gc, u64>>>,
}

#[derive(Trace)]
struct H {
    t: gc_core::Gc<Table<'static>>,
}

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let t = s.mutate(|m| {
            let x = m.alloc(7u64);
            m.root(m.alloc(Table { next: Lock::new(Some(x)) }))
        });
        let h = s.alloc(H { t: gc_core::Gc::null() });
        s.set(h, |x| &x.t, t);
        let leaked: Gc<'static, u64> = s.get(h).t.get().unwrap().next.get().unwrap();
        s.collect();
        println!("{}", *leaked);
    });
}
