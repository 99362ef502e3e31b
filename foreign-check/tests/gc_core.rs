//! The seam on this workspace's own backends, through
//! [`HeapAdapter`](gc_testing::harness::seam::HeapAdapter) (gc-core's object
//! model: persistent roots, `Lock` edges): the backends pass. Their seeded
//! bugs, caught through the seam: `tests/seeded.rs`.

use gc_core::Collector;
use gc_testing::harness::seam::{self, HeapAdapter};
use gc_testing::harness::HarnessConfig;

fn quick(stress: bool) -> HarnessConfig {
    HarnessConfig {
        cases: 64,
        stress,
        ..HarnessConfig::default()
    }
}

fn passes<C: Collector>() {
    seam::check::<HeapAdapter<C>>(quick(false));
    seam::check::<HeapAdapter<C>>(quick(true));
}

#[test]
fn backends_pass_through_the_seam() {
    passes::<gc_mark_sweep::MarkSweep>();
    passes::<gc_copying::Copying>();
    passes::<gc_refcount::RefCount>();
}
