//! `long_list`: a list of ten million cells built from the tail (each new
//! cell points at the list so far), walked, dropped and collected. The
//! worst case for marking: every collection during the build follows the
//! whole list so far, one dependent load per cell. The list (320 MiB of
//! cells on the backends) is past [`gc_core::PARALLEL_MARK_MIN_BYTES`], so
//! `mark-sweep-par` runs too, though a list leaves a second marking thread
//! nothing to steal.

use crate::{Mutator, Outcome, Workload};
use criterion::{Criterion, SamplingMode, Throughput};
use examples::workloads::Forest;

/// One list of `len` cells.
#[derive(Clone, Copy)]
struct LongList {
    len: u64,
}

impl Workload for LongList {
    const NAME: &'static str = "long_list";
    const PARALLEL_MARK: bool = true;

    fn checksum(self) -> u64 {
        self.len * (self.len - 1) / 2
    }

    fn run<M: Mutator>(self, heap: &mut M) -> Result<Outcome, <M as Forest>::Error> {
        heap.list(self.len).map(Outcome::from)
    }
}

/// Registers the group; an iteration takes seconds, so every sample is one
/// iteration (flat sampling).
pub fn register(c: &mut Criterion) {
    let workload = LongList { len: 10_000_000 };
    let mut group = crate::group(c, LongList::NAME);
    group
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(workload.len));
    crate::bench_all(&mut group, workload);
    group.finish();
}
