//! A sendable heap is `Send` but never `Sync`: one thread uses it at a time.
use gc_core::{Heap, Sendable};

fn sync<T: Sync>() {}

fn main() {
    sync::<Heap<gc_mark_sweep::MarkSweep, Sendable>>();
}
