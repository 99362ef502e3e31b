//! `churn`: one million one-word allocations, each replacing one of 1,000
//! live objects. It measures the allocation path and collections of a heap
//! that is almost all garbage; the throughput criterion prints is
//! allocations per second.

use crate::{Mutator, Outcome, Workload};
use criterion::{Criterion, Throughput};
use examples::workloads::{churn, Forest};

/// `allocations` replacements over a pool of `live` objects.
#[derive(Clone, Copy)]
struct Churn {
    allocations: u64,
    live: usize,
}

impl Workload for Churn {
    const NAME: &'static str = "churn";

    fn checksum(self) -> u64 {
        self.allocations * (self.allocations - 1) / 2
    }

    fn run<M: Mutator>(self, heap: &mut M) -> Result<Outcome, <M as Forest>::Error> {
        churn(&mut heap.pool(self.live)?, self.allocations).map(Outcome::from)
    }
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let workload = Churn {
        allocations: 1_000_000,
        live: 1_000,
    };
    let mut group = crate::group(c, Churn::NAME);
    group.throughput(Throughput::Elements(workload.allocations));
    crate::bench_all(&mut group, workload);
    group.finish();
}
