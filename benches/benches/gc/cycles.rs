//! `cycles`: 100,000 rings of three objects, each built, walked once round
//! and dropped. Reference counting alone cannot free them: `Rc` leaks every
//! ring (measured anyway; the benchmark frees them after timing), `box`
//! builds the same objects as a chain (a `Box` cannot close a ring).

use crate::{Mutator, Outcome, Workload};
use criterion::{Criterion, Throughput};
use examples::workloads::{cycles, cycles_checksum, Forest};

/// `count` rings built and dropped.
#[derive(Clone, Copy)]
struct Cycles {
    count: u64,
}

impl Workload for Cycles {
    const NAME: &'static str = "cycles";

    fn checksum(self) -> u64 {
        cycles_checksum(self.count)
    }

    fn run<M: Mutator>(self, heap: &mut M) -> Result<Outcome, <M as Forest>::Error> {
        cycles(heap, self.count).map(Outcome::from)
    }
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let workload = Cycles { count: 100_000 };
    let mut group = crate::group(c, Cycles::NAME);
    group.throughput(Throughput::Elements(workload.count));
    crate::bench_all(&mut group, workload);
    group.finish();
}
