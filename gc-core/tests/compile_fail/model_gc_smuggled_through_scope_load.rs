//! `Scope::load` (and `set`, `clear`) cannot lend out an object-model type
//! either: its projection closure could copy a `Gc<'static, _>` out of it.
use gc_core::model::{Gc, Lock};
use gc_core::{Heap, HeapConfig, Root, Trace};

#[derive(Trace)]
struct Node<'gc> {
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
    handle: gc_core::Gc<u64>,
}

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let top: Root<'_, Node<'static>> = s.mutate(|m| {
            let inner = m.alloc(Node { next: Lock::new(None), handle: gc_core::Gc::null() });
            m.root(m.alloc(Node { next: Lock::new(Some(inner)), handle: gc_core::Gc::null() }))
        });
        let mut smuggled = None;
        let _ = s.load(top, |node| {
            smuggled = node.next.get();
            &node.handle
        });
        s.collect();
        let _ = smuggled.map(|n: Gc<'static, Node<'static>>| n.handle.is_null());
    });
}
