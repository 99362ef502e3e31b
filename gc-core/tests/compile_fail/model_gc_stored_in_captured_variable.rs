//! A `Gc` cannot be smuggled out of a region through a captured variable.
use gc_core::model::Gc;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let mut smuggled: Option<Gc<'_, u64>> = None;
        s.mutate(|m| smuggled = Some(m.alloc(1u64)));
        s.collect();
        assert_eq!(*smuggled.unwrap(), 1);
    });
}
