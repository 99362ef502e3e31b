//! `binary_trees`: the binary-trees workload with a long-lived tree of
//! depth 14 (about 3.2 million nodes allocated, 32 K of them long-lived)
//! and of depth 18 (the benchmarks game's usual size: about 68 million
//! nodes, 512 K long-lived), each with every tree built parents first and
//! children first (the benchmarks game's `bottomUpTree`). The peers, whose
//! nodes can only be built children first, run in that order only.

use crate::{Mutator, Outcome, Workload};
use criterion::{Criterion, SamplingMode};
use examples::workloads::{binary_trees, binary_trees_checksum, Forest, Order};

/// binary-trees with a long-lived tree of `depth`, built in `order`.
#[derive(Clone, Copy)]
struct Trees {
    depth: u32,
    order: Order,
}

impl Workload for Trees {
    const NAME: &'static str = "binary_trees";

    fn order(self) -> Option<Order> {
        Some(self.order)
    }

    fn variant(self) -> Option<String> {
        Some(format!("d{}-{}", self.depth, self.order.name()))
    }

    fn checksum(self) -> u64 {
        binary_trees_checksum(self.depth)
    }

    fn run<M: Mutator>(self, heap: &mut M) -> Result<Outcome, <M as Forest>::Error> {
        binary_trees(heap, self.depth, self.order).map(Outcome::from)
    }
}

/// Registers the group. At depth 18 an iteration takes 1 to 20 s, so
/// every sample is one iteration (flat sampling).
pub fn register(c: &mut Criterion) {
    let mut group = crate::group(c, Trees::NAME);
    for depth in [14, 18] {
        if depth > 14 {
            group.sampling_mode(SamplingMode::Flat);
        }
        for order in Order::BOTH {
            crate::bench_all(&mut group, Trees { depth, order });
        }
    }
    group.finish();
}
