//! `churn`: one million one-word allocations, each replacing one of 1,000
//! live objects, on every backend, on `Box` and on `Rc`. It measures the
//! allocation path and collections of a heap that is almost all garbage.

use benches::RcPool;
use criterion::{black_box, Criterion};
use examples::workloads::{churn, BoxPool, Churn};
use examples::Backend;
use gc_core::HeapConfig;
use std::time::Duration;

/// Objects allocated per iteration.
const ALLOCATIONS: u64 = 1_000_000;
/// Objects live at any time.
const LIVE: usize = 1_000;

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let mut group = c.benchmark_group("churn");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("box", |b| {
        b.iter(|| churn(&mut BoxPool::new(LIVE), black_box(ALLOCATIONS)))
    });
    group.bench_function("rc", |b| {
        b.iter(|| churn(&mut RcPool::new(LIVE), black_box(ALLOCATIONS)))
    });
    for &backend in Backend::ALL {
        group.bench_function(backend.name(), |b| {
            b.iter(|| {
                let program = Churn {
                    allocations: black_box(ALLOCATIONS),
                    live: LIVE,
                };
                let result = backend.run(HeapConfig::default(), program);
                result
                    .and_then(|checksum| checksum)
                    .expect("churn fits the default heap")
            })
        });
    }
    group.finish();
}
