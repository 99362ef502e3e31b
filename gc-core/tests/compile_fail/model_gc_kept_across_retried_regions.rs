//! `Scope::mutate_retrying` runs its closure in two regions: a `Gc` from
//! the first attempt cannot be kept in the closure's state for the second
//! (the brand is fresh in each region, and the first one's end may move or
//! free the object).
use gc_core::model::Gc;
use gc_core::{Heap, HeapConfig};

fn main() {
    let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let mut kept: Option<Gc<'_, u64>> = None;
        let _ = s.mutate_retrying(|m| {
            if let Some(old) = kept {
                println!("{}", *old);
            }
            kept = Some(m.alloc(1u64));
            Ok(())
        });
    });
}
