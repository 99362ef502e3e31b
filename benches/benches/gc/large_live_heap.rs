//! `large_live_heap`: a long-lived tree of depth 18 (512 K nodes), then one
//! million churn allocations over 1,000 live objects beside it, so every
//! collection traces the tree. Each backend also prints its pause times
//! from one more run.

use crate::{Mutator, Workload};
use criterion::Criterion;
use examples::workloads::{large_live_heap, large_live_heap_checksum, Forest};

/// A long-lived tree of `depth` beside a churn of `allocations` over
/// `live` objects.
#[derive(Clone, Copy)]
struct LargeLiveHeap {
    depth: u32,
    live: usize,
    allocations: u64,
}

impl Workload for LargeLiveHeap {
    const NAME: &'static str = "large_live_heap";

    fn checksum(self) -> u64 {
        large_live_heap_checksum(self.depth, self.allocations)
    }

    fn run<M: Mutator>(self, heap: &mut M) -> Result<u64, <M as Forest>::Error> {
        large_live_heap(heap, self.depth, self.live, self.allocations)
    }
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let workload = LargeLiveHeap {
        depth: 18,
        live: 1_000,
        allocations: 1_000_000,
    };
    let mut group = crate::group::<LargeLiveHeap>(c);
    crate::bench_all(&mut group, workload, true);
    group.finish();
}
