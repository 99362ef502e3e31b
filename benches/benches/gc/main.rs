//! The criterion benchmarks: one binary, one group per workload module,
//! each group running the same workload on `Box`, `Rc`, every backend of
//! `examples::Backend::ALL` and four peer collector crates.
//!
//! ```text
//! cargo bench -p benches                 # full run, several minutes
//! cargo bench -p benches -- churn        # one group
//! cargo bench -p benches -- --test       # run each benchmark once (CI)
//! ```

use benches::RcForest;
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion};
use examples::workloads::{BoxForest, Forest, Lists, LiveHeap, Rings};
use examples::{Backend, Program};
use gc_core::{Collector, GcError, GcStats, Heap, HeapConfig};
use std::fmt::Debug;
use std::time::Duration;

mod arena;
mod bacon;
mod dumpster_gc;
mod pointer;
mod rust_gc;

mod binary_trees;
mod churn;
mod cycles;
mod large_live_heap;
mod long_list;

/// Everything a workload asks of a heap: trees, pools, rings and lists,
/// failing the same way.
pub trait Mutator:
    LiveHeap<Error: Debug>
    + Rings<Error = <Self as Forest>::Error>
    + Lists<Error = <Self as Forest>::Error>
{
}

impl<M> Mutator for M where
    M: LiveHeap<Error: Debug>
        + Rings<Error = <M as Forest>::Error>
        + Lists<Error = <M as Forest>::Error>
{
}

/// One benchmark workload, written once over [`Mutator`].
pub trait Workload: Copy {
    /// The criterion group's name.
    const NAME: &'static str;

    /// The checksum every correct run returns.
    fn checksum(self) -> u64;

    /// Runs the workload on `heap`.
    fn run<M: Mutator>(self, heap: &mut M) -> Result<u64, <M as Forest>::Error>;
}

/// A heap that is not one of the backends: a baseline or a peer crate.
pub trait Contender: Mutator + Sized {
    /// The benchmark's name in its group.
    const NAME: &'static str;

    /// A heap for one iteration.
    fn new() -> Self;

    /// Frees what the workload left behind: a full collection for the
    /// collectors, nothing for `Box` and `Rc`.
    fn finish(&mut self) {}
}

impl Contender for BoxForest {
    const NAME: &'static str = "box";

    fn new() -> Self {
        BoxForest
    }
}

impl Contender for RcForest {
    const NAME: &'static str = "rc";

    fn new() -> Self {
        RcForest::default()
    }
}

/// A workload as a [`Program`] for [`Backend::run`]: run in a scope, then
/// a full collection (as the [`Contender::finish`] of the peers); returns
/// the checksum and, if asked, the heap's statistics.
#[derive(Clone, Copy)]
struct OnBackend<W> {
    workload: W,
    stats: bool,
}

impl<W: Workload> Program for OnBackend<W> {
    type Output = Result<(u64, Option<GcStats>), GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let checksum = heap.scope(W::NAME, |s| self.workload.run(s))?;
        heap.scope("finish", |s| s.collect());
        Ok((checksum, self.stats.then(|| heap.stats())))
    }
}

/// Runs `workload` once on `backend` with the default heap configuration
/// and prints its collections and pause times (criterion has no place for
/// them).
fn print_pauses<W: Workload>(backend: Backend, workload: W) {
    let (checksum, stats) = backend
        .run(
            HeapConfig::default(),
            OnBackend {
                workload,
                stats: true,
            },
        )
        .and_then(|run| run)
        .unwrap_or_else(|error| panic!("{} on {backend}: {error}", W::NAME));
    assert_eq!(checksum, workload.checksum(), "{} on {backend}", W::NAME);
    let stats = stats.expect("asked for");
    println!(
        "{}/{backend}: {} collections, pause p50 {:?}, p99 {:?}, max {:?}, peak heap {} MiB",
        W::NAME,
        stats.collections,
        stats.pauses.quantile(0.5),
        stats.pauses.quantile(0.99),
        stats.pauses.max(),
        stats.peak_heap_bytes >> 20,
    );
}

/// Opens `W`'s group with the settings every group shares: 10 samples
/// after 1 s of warm-up, about 4 s of measurement per benchmark.
pub fn group<W: Workload>(c: &mut Criterion) -> BenchmarkGroup<'_, WallTime> {
    let mut group = c.benchmark_group(W::NAME);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group
}

/// Benchmarks `workload` on `Box`, `Rc`, every backend and every peer in
/// `group`, checking each iteration's checksum. With `pauses`, each backend
/// first prints its pause times from one run (only if its benchmark is
/// selected).
///
/// Each iteration starts a fresh heap and ends with a full collection, so
/// it is timed from empty heap to no garbage. The contenders' handles are
/// dropped untimed, one iteration at a time: that matters only for the
/// rings `Rc` leaked, which the benchmark frees after timing so memory
/// stays bounded.
pub fn bench_all<W: Workload>(group: &mut BenchmarkGroup<'_, WallTime>, workload: W, pauses: bool) {
    bench::<BoxForest, W>(group, workload);
    bench::<RcForest, W>(group, workload);
    for &backend in Backend::ALL {
        // Criterion calls the closure once per phase; print only once.
        let mut print = pauses;
        group.bench_function(backend.name(), |b| {
            if std::mem::take(&mut print) {
                print_pauses(backend, workload);
            }
            b.iter(|| {
                let program = OnBackend {
                    workload,
                    stats: false,
                };
                let (checksum, _) = backend
                    .run(HeapConfig::default(), program)
                    .and_then(|run| run)
                    .expect("the workload fits the default heap");
                assert_eq!(checksum, workload.checksum(), "{backend}");
            })
        });
    }
    bench::<rust_gc::RustGc, W>(group, workload);
    bench::<arena::ArenaHeap, W>(group, workload);
    bench::<dumpster_gc::Dumpster, W>(group, workload);
    bench::<bacon::Bacon, W>(group, workload);
}

/// Benchmarks `workload` on one [`Contender`].
fn bench<H: Contender, W: Workload>(group: &mut BenchmarkGroup<'_, WallTime>, workload: W) {
    group.bench_function(H::NAME, |b| {
        b.iter_batched(
            H::new,
            |mut heap| {
                let checksum = workload.run(&mut heap).expect("infallible");
                heap.finish();
                assert_eq!(checksum, workload.checksum(), "{}", H::NAME);
                heap
            },
            BatchSize::PerIteration,
        )
    });
}

/// Registers every workload's group with a criterion configured from the
/// command line (what `criterion_group!` expands to, with docs).
fn groups() {
    let mut criterion = Criterion::default().configure_from_args();
    binary_trees::register(&mut criterion);
    churn::register(&mut criterion);
    cycles::register(&mut criterion);
    large_live_heap::register(&mut criterion);
    long_list::register(&mut criterion);
}

/// Stack for the benchmark thread. The peers `gc`, `dumpster` and
/// `bacon_rajan_cc` mark or free recursively, one frame per link: a
/// million-cell list needs a few hundred MiB (only touched pages are
/// committed).
const STACK_BYTES: usize = 1 << 30;

fn main() {
    std::thread::Builder::new()
        .name("benches".into())
        .stack_size(STACK_BYTES)
        .spawn(|| {
            groups();
            Criterion::default().configure_from_args().final_summary();
        })
        .expect("spawn the benchmark thread")
        .join()
        .expect("the benchmarks panicked");
}
