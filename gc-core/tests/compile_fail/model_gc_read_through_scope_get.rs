//! `Scope::get` cannot borrow an object-model type outside a region: its
//! `Gc` fields would come out as `Gc<'static, _>` and outlive the next
//! collection (which moves the object they point to here).
use gc_core::model::{Gc, Lock};
use gc_core::{Heap, HeapConfig, Root, Trace};

#[derive(Trace)]
struct Node<'gc> {
    next: Lock<Option<Gc<'gc, Node<'gc>>>>,
    value: u64,
}

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let top: Root<'_, Node<'static>> = s.mutate(|m| {
            let inner = m.alloc(Node { next: Lock::new(None), value: 7 });
            m.root(m.alloc(Node { next: Lock::new(Some(inner)), value: 1 }))
        });
        let inner: Gc<'static, Node<'static>> = s.get(top).next.get().unwrap();
        s.collect();
        println!("{}", inner.value);
    });
}
