//! `binary_trees`: the binary-trees workload with a long-lived tree of
//! depth 14 (about 3.2 million nodes allocated, 32 K of them long-lived).

use crate::{Mutator, Outcome, Workload};
use criterion::Criterion;
use examples::workloads::{binary_trees, binary_trees_checksum, Forest};

/// binary-trees with a long-lived tree of `depth`.
#[derive(Clone, Copy)]
struct Trees {
    depth: u32,
}

impl Workload for Trees {
    const NAME: &'static str = "binary_trees";

    fn checksum(self) -> u64 {
        binary_trees_checksum(self.depth)
    }

    fn run<M: Mutator>(self, heap: &mut M) -> Result<Outcome, <M as Forest>::Error> {
        binary_trees(heap, self.depth).map(Outcome::from)
    }
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let mut group = crate::group(c, Trees::NAME);
    crate::bench_all(&mut group, Trees { depth: 14 });
    group.finish();
}
