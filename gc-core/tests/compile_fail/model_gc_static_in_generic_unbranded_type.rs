//! Issue 22, hole 1, through a type parameter: `W<T>` is its own
//! rebranding only when its fields are, so `W<Lock<Option<Gc<'static, _>>>>`
//! is not `Unbranded` and no scope lends it out.
use gc_core::model::{Gc, Lock};
use gc_core::{Heap, HeapConfig, Trace};

#[derive(Trace)]
struct W<T> {
    x: T,
}

fn main() {
    let mut heap = Heap::<gc_refcount::RefCount>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let w = s.alloc(W { x: Lock::<Option<Gc<'static, u64>>>::new(None) });
        let _ = s.get(w).x.get();
        let _ = s.mutate(|m| m.get(w).x.get());
    });
}
