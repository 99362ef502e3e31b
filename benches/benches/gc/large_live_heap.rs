//! `large_live_heap`: a long-lived tree of depth 21 (4.2 M nodes; built
//! parents first, and again children first), then ten
//! million churn allocations over 1,000 live objects beside it, so every
//! collection traces the tree. Every contender times each churn step the
//! same way ([`TimedPool`](examples::workloads::TimedPool)); after each
//! benchmark a line gives the longest step (median and maximum over the
//! iterations) and, for the backends, the collections' pause percentiles
//! and peak heap size (statistics of the last iteration, before its final
//! collection).

use crate::{Mutator, Outcome, Workload};
use criterion::{Criterion, SamplingMode};
use examples::workloads::{large_live_heap, large_live_heap_checksum, Forest, Order};

/// A long-lived tree of `depth`, built in `order`, beside a churn of
/// `allocations` over `live` objects.
#[derive(Clone, Copy)]
struct LargeLiveHeap {
    depth: u32,
    order: Order,
    live: usize,
    allocations: u64,
}

impl Workload for LargeLiveHeap {
    const NAME: &'static str = "large_live_heap";
    const PARALLEL_MARK: bool = true;

    fn order(self) -> Option<Order> {
        Some(self.order)
    }

    fn variant(self) -> Option<String> {
        Some(self.order.name().to_string())
    }

    fn checksum(self) -> u64 {
        large_live_heap_checksum(self.depth, self.allocations)
    }

    fn run<M: Mutator>(self, heap: &mut M) -> Result<Outcome, <M as Forest>::Error> {
        let (checksum, longest) =
            large_live_heap(heap, (self.depth, self.order), self.live, self.allocations)?;
        Ok(Outcome {
            checksum,
            longest_step: Some(longest),
        })
    }
}

/// Registers the group; an iteration takes seconds, so every sample is one
/// iteration (flat sampling).
pub fn register(c: &mut Criterion) {
    let mut group = crate::group(c, LargeLiveHeap::NAME);
    group.sampling_mode(SamplingMode::Flat);
    for order in Order::BOTH {
        let workload = LargeLiveHeap {
            depth: 21,
            order,
            live: 1_000,
            allocations: 10_000_000,
        };
        crate::bench_all(&mut group, workload);
    }
    group.finish();
}
