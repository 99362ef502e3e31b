//! Issue 22, hole 1, inside a region: `m.get` of a handle-API object, then
//! `Gc::get` of its handle `Gc` to a model type named `'static`.
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
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let h = s.alloc(H { t: gc_core::Gc::null() });
        let leaked: Option<Gc<'static, u64>> =
            s.mutate(|m| m.get(h).t.get().and_then(|t| t.next.get()));
        s.collect();
        println!("{:?}", leaked.map(|g| *g));
    });
}
