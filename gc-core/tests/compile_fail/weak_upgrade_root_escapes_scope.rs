//! A root upgraded from a weak reference belongs to the scope that
//! upgraded it, like every root: it cannot leave the scope's closure.
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    let weak = heap.scope("make", |s| {
        let obj = s.alloc(5u64);
        s.downgrade(obj)
    });
    let escaped = heap.scope("upgrade", |s| s.upgrade(&weak));
    heap.scope("use", |s| println!("{}", s.get(escaped.unwrap())));
}
