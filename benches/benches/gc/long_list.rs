//! `long_list`: a list of one million cells built from the tail (each new
//! cell points at the list so far), walked, dropped and collected. The
//! worst case for marking: every collection during the build follows the
//! whole list so far, one dependent load per cell.

use crate::{Mutator, Workload};
use criterion::{Criterion, Throughput};
use examples::workloads::Forest;

/// One list of `len` cells.
#[derive(Clone, Copy)]
struct LongList {
    len: u64,
}

impl Workload for LongList {
    const NAME: &'static str = "long_list";

    fn checksum(self) -> u64 {
        self.len * (self.len - 1) / 2
    }

    fn run<M: Mutator>(self, heap: &mut M) -> Result<u64, <M as Forest>::Error> {
        heap.list(self.len)
    }
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let workload = LongList { len: 1_000_000 };
    let mut group = crate::group::<LongList>(c);
    group.throughput(Throughput::Elements(workload.len));
    crate::bench_all(&mut group, workload, false);
    group.finish();
}
