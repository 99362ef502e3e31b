//! Issue 22, hole 2: a `#[trace(drop)]` type allocated with a model pointer
//! inside, directly in a region: rejected (it is not its own rebranding,
//! so it cannot be allocated, and its `CHECK` fails).
use gc_core::model::Gc;
use gc_core::Trace;

#[derive(Trace)]
#[trace(drop)]
struct W<T> {
    x: T,
}
impl<T> Drop for W<T> {
    fn drop(&mut self) {}
}

fn main() {
    let mut heap = gc_core::Heap::<gc_mark_sweep::MarkSweep>::new(Default::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            let g: Gc<'_, u64> = m.alloc(1);
            m.alloc(W { x: Some(g) });
        })
    });
}
