//! Once a soundness hole, now closed: `Collector::alloc` was a safe method that
//! returns an object whose payload is uninitialised, and dropping the collector
//! finalises it. This runs `drop_in_place::<Box<Box<u64>>>` on zeroed memory:
//! SIGSEGV, in safe code. Closed by making `Collector::alloc` an `unsafe fn`
//! (the caller must initialise the payload before anything else touches the
//! collector), so this fails with E0133.
use gc_core::object::TypeInfo;
use gc_core::{Collector, HeapConfig};
use gc_mark_sweep::MarkSweep;

fn main() {
    let mut collector = MarkSweep::new(&HeapConfig::default()).unwrap();
    let info = TypeInfo::of::<Box<Box<u64>>>();
    let _uninit = collector.alloc(info, info.object_size());
    drop(collector);
}
