//! A local `Heap` (the default) is not `Send`, whatever its backend: its
//! objects and roots belong to one thread.
use gc_core::{Collector, Heap};

fn run<C: Collector + Send + 'static>(mut heap: Heap<C>) {
    std::thread::spawn(move || {
        heap.scope("worker", |s| {
            s.alloc(1u64);
        });
    });
}

fn main() {}
