//! `binary_trees`: the binary-trees workload at depth 14 (about 3.2 million
//! nodes allocated, 32 K of them long-lived) on every backend, on `Box` and
//! on `Rc`. Each iteration builds a fresh heap, so heap setup and teardown
//! are included, as malloc's are for the baselines.

use benches::RcForest;
use criterion::{black_box, Criterion};
use examples::workloads::{binary_trees, BinaryTrees, BoxForest};
use examples::Backend;
use gc_core::HeapConfig;
use std::time::Duration;

/// Depth of the long-lived tree.
const DEPTH: u32 = 14;

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let mut group = c.benchmark_group("binary_trees");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("box", |b| {
        b.iter(|| binary_trees(&mut BoxForest, black_box(DEPTH)))
    });
    group.bench_function("rc", |b| {
        b.iter(|| binary_trees(&mut RcForest, black_box(DEPTH)))
    });
    for &backend in Backend::ALL {
        group.bench_function(backend.name(), |b| {
            b.iter(|| {
                let program = BinaryTrees {
                    depth: black_box(DEPTH),
                };
                let result = backend.run(HeapConfig::default(), program);
                result
                    .and_then(|checksum| checksum)
                    .expect("binary-trees fits the default heap")
            })
        });
    }
    group.finish();
}
