//! The criterion benchmarks: one binary, one group per workload module,
//! each group running the same workload on `Box`, `Rc`, every backend of
//! `examples::Backend::ALL` and four peer collector crates, plus the `mark`
//! group (marking against a plain walk).
//!
//! ```text
//! cargo bench -p benches                 # full run, several minutes
//! cargo bench -p benches -- churn        # one group
//! cargo bench -p benches -- --test       # run each benchmark once (CI)
//! ```

use benches::RcForest;
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion};
use examples::workloads::{BoxForest, Forest, Lists, LiveHeap, Order, Rings};
use examples::{Backend, Program};
use gc_core::stats::Phase;
use gc_core::{Collector, GcError, GcStats, Heap, HeapConfig};
use std::cell::Cell;
use std::fmt::Debug;
use std::rc::Rc;
use std::time::Duration;

mod arena;
mod bacon;
mod dumpster_gc;
mod pointer;
mod rust_gc;

mod binary_trees;
mod churn;
mod cycles;
mod ephemeron;
mod handle_vector_store;
mod large_live_heap;
mod long_list;
mod mark;
mod object_model;
mod shared_target;
mod snapshot;
mod vector_store;
mod weak;

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

    /// Whether its live heap is large enough for parallel marking
    /// ([`gc_core::PARALLEL_MARK_MIN_BYTES`]): then `mark-sweep-par` runs
    /// too.
    const PARALLEL_MARK: bool = false;

    /// The order the workload builds its trees in, if it builds any. In
    /// [`Order::ParentsFirst`] only `box` and the backends run: the other
    /// contenders' nodes take their children when allocated, so they can
    /// only be built children first.
    fn order(self) -> Option<Order> {
        None
    }

    /// The middle of the benchmark ids (`binary_trees/d18-children-first/box`)
    /// for a group that runs the workload in several variants.
    fn variant(self) -> Option<String> {
        None
    }

    /// The checksum every correct run returns.
    fn checksum(self) -> u64;

    /// Runs the workload on `heap`.
    fn run<M: Mutator>(self, heap: &mut M) -> Result<Outcome, <M as Forest>::Error>;
}

/// What one run of a workload returns.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// Checked against [`Workload::checksum`].
    pub checksum: u64,
    /// The longest step the mutator saw, if the workload times its steps.
    pub longest_step: Option<Duration>,
}

impl From<u64> for Outcome {
    /// The outcome of a workload that does not time its steps.
    fn from(checksum: u64) -> Self {
        Outcome {
            checksum,
            longest_step: None,
        }
    }
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

/// Marking threads of the `mark-sweep-par` contender.
pub const MARK_THREADS: usize = 2;

/// One of this workspace's heaps as a contender: a backend and the
/// configuration it runs with.
#[derive(Debug, Clone)]
pub struct OnHeap {
    /// The benchmark's name in its group.
    pub name: &'static str,
    /// The backend.
    pub backend: Backend,
    /// Its configuration.
    pub config: HeapConfig,
}

/// The heaps a group runs on: every backend with the default
/// configuration and, with `parallel_mark`, mark-sweep marking on
/// [`MARK_THREADS`] threads as `mark-sweep-par` (right after `mark-sweep`).
pub fn heaps(parallel_mark: bool) -> Vec<OnHeap> {
    let default = |backend: Backend| OnHeap {
        name: backend.name(),
        backend,
        config: HeapConfig::default(),
    };
    let parallel = OnHeap {
        name: "mark-sweep-par",
        backend: Backend::MarkSweep,
        config: HeapConfig {
            mark_threads: MARK_THREADS,
            ..HeapConfig::default()
        },
    };
    Backend::ALL
        .iter()
        .flat_map(|&backend| {
            let with_parallel = parallel_mark && backend == Backend::MarkSweep;
            [
                Some(default(backend)),
                with_parallel.then(|| parallel.clone()),
            ]
        })
        .flatten()
        .collect()
}

/// What a backend's collections did in one run, besides its statistics.
#[derive(Debug, Clone, Copy, Default)]
struct Phases {
    /// Total time of the roots and trace phases (marking, copying).
    trace: Duration,
    /// Total time of the cycles phase (reference counting's cycle collector).
    cycles: Duration,
}

/// A workload as a [`Program`] for [`Backend::run`]: run in a scope, then
/// a full collection (as the [`Contender::finish`] of the peers); returns
/// the outcome, the heap's statistics from before that last collection and
/// the phase times of the collections before it.
#[derive(Clone, Copy)]
struct OnBackend<W> {
    workload: W,
}

impl<W: Workload> Program for OnBackend<W> {
    type Output = Result<(Outcome, Option<(GcStats, Phases)>), GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let phases = Rc::new(Cell::new(Phases::default()));
        let sink = Rc::clone(&phases);
        heap.on_collection(move |event| {
            let Phases { trace, cycles } = sink.get();
            sink.set(Phases {
                trace: trace + event.phase(Phase::Roots) + event.phase(Phase::Trace),
                cycles: cycles + event.phase(Phase::Cycles),
            });
        });
        let outcome = heap.scope(W::NAME, |s| self.workload.run(s))?;
        let stats = Some((heap.stats(), phases.get()));
        heap.scope("finish", |s| {
            s.collect();
            // Nothing is left: every object, cycles included, was reclaimed.
            let left = s.usage().objects;
            assert_eq!(left, 0, "{}: {left} objects survived", W::NAME);
        });
        Ok((outcome, stats))
    }
}

/// What one benchmark's iterations saw besides their time (criterion has
/// no place for it), printed after the benchmark.
#[derive(Default)]
struct Observed {
    /// Each iteration's longest step, for workloads that time their steps.
    longest_steps: Vec<Duration>,
    /// Each iteration's longest collection pause, for the backends.
    longest_pauses: Vec<Duration>,
    /// The last iteration's heap statistics and phase times, for the backends.
    stats: Option<(GcStats, Phases)>,
}

impl Observed {
    /// Checks `outcome`'s checksum (panicking with `name` if it is wrong)
    /// and keeps its longest step and `stats`.
    fn check<W: Workload>(
        &mut self,
        workload: W,
        (outcome, stats): (Outcome, Option<(GcStats, Phases)>),
        name: &str,
    ) {
        assert_eq!(
            outcome.checksum,
            workload.checksum(),
            "{} on {name}",
            W::NAME
        );
        self.longest_steps.extend(outcome.longest_step);
        self.longest_pauses
            .extend(stats.as_ref().map(|(stats, _)| stats.pauses.max()));
        self.stats = stats;
    }

    /// Prints one line for the benchmark `group/name` if there is anything
    /// to say: the median and maximum over the iterations of the longest
    /// step and of the longest collection pause, and the last iteration's
    /// collections, pause percentiles, trace and cycles phase totals and
    /// peak heap size.
    fn print(mut self, group: &str, name: &str) {
        let mut line = String::new();
        if let Some(spread) = median_and_max(&mut self.longest_steps) {
            line += &format!(" longest step {spread};");
        }
        if let Some(spread) = median_and_max(&mut self.longest_pauses) {
            line += &format!(" longest GC pause {spread};");
        }
        if let Some((stats, phases)) = self.stats {
            line += &format!(
                " last iteration: {} collections, pause p50 {} p99 {} max {}, \
                 trace {} cycles {} in all, peak heap {} MiB",
                stats.collections,
                ms(stats.pauses.quantile(0.5)),
                ms(stats.pauses.quantile(0.99)),
                ms(stats.pauses.max()),
                ms(phases.trace),
                ms(phases.cycles),
                stats.peak_heap_bytes >> 20,
            );
        }
        if !line.is_empty() {
            println!("{group}/{name}:{line}");
        }
    }
}

/// "median M max X (N iterations)" of `durations`, if there are any.
fn median_and_max(durations: &mut [Duration]) -> Option<String> {
    durations.sort();
    let max = *durations.last()?;
    let median = durations[durations.len() / 2];
    Some(format!(
        "median {} max {} ({} iterations)",
        ms(median),
        ms(max),
        durations.len()
    ))
}

/// `duration` in milliseconds, to the microsecond.
fn ms(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1e3)
}

/// Opens the group `name` with the settings every group shares: 10
/// samples after 1 s of warm-up, about 4 s of measurement per benchmark.
pub fn group<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group
}

/// Benchmarks `workload` on `Box`, `Rc`, every heap of [`heaps`] and every
/// peer in `group`, checking each iteration's checksum and printing what
/// [`Observed`] saw after each benchmark.
///
/// Each iteration starts a fresh heap and ends with a full collection, so
/// it is timed from empty heap to no garbage. The contenders' handles are
/// dropped untimed, one iteration at a time: that matters only for the
/// rings `Rc` leaked, which the benchmark frees after timing so memory
/// stays bounded.
///
/// In [`Order::ParentsFirst`], only `box` and the heaps run (see
/// [`Workload::order`]).
pub fn bench_all<W: Workload>(group: &mut BenchmarkGroup<'_, WallTime>, workload: W) {
    let peers = workload.order() != Some(Order::ParentsFirst);
    bench::<BoxForest, W>(group, workload);
    if peers {
        bench::<RcForest, W>(group, workload);
    }
    for heap in heaps(W::PARALLEL_MARK) {
        bench_heap(group, workload, &heap);
    }
    if !peers {
        return;
    }
    bench::<rust_gc::RustGc, W>(group, workload);
    bench::<arena::ArenaHeap, W>(group, workload);
    bench::<dumpster_gc::Dumpster, W>(group, workload);
    bench::<bacon::Bacon, W>(group, workload);
}

/// Benchmarks `workload` on one of this workspace's heaps, a fresh one per
/// iteration (its setup and teardown timed).
fn bench_heap<W: Workload>(group: &mut BenchmarkGroup<'_, WallTime>, workload: W, heap: &OnHeap) {
    let mut observed = Observed::default();
    let id = bench_id(workload, heap.name);
    group.bench_function(id.clone(), |b| {
        b.iter(|| {
            let program = OnBackend { workload };
            let run = heap
                .backend
                .run(heap.config.clone(), program)
                .and_then(|run| run)
                .unwrap_or_else(|error| panic!("{} on {}: {error}", W::NAME, heap.name));
            observed.check(workload, run, heap.name);
        })
    });
    observed.print(W::NAME, &id);
}

/// The id of `workload`'s benchmark on the contender `name`: the name,
/// after the workload's variant if it has one.
fn bench_id<W: Workload>(workload: W, name: &str) -> String {
    match workload.variant() {
        Some(variant) => format!("{variant}/{name}"),
        None => name.to_string(),
    }
}

/// Benchmarks `workload` on one [`Contender`].
fn bench<H: Contender, W: Workload>(group: &mut BenchmarkGroup<'_, WallTime>, workload: W) {
    let mut observed = Observed::default();
    let id = bench_id(workload, H::NAME);
    group.bench_function(id.clone(), |b| {
        b.iter_batched(
            H::new,
            |mut heap| {
                let outcome = workload.run(&mut heap).expect("infallible");
                heap.finish();
                observed.check(workload, (outcome, None), H::NAME);
                heap
            },
            BatchSize::PerIteration,
        )
    });
    observed.print(W::NAME, &id);
}

/// Registers every group with a criterion configured from the command line
/// (what `criterion_group!` expands to, with docs).
fn groups() {
    let mut criterion = Criterion::default().configure_from_args();
    binary_trees::register(&mut criterion);
    churn::register(&mut criterion);
    cycles::register(&mut criterion);
    ephemeron::register(&mut criterion);
    handle_vector_store::register(&mut criterion);
    large_live_heap::register(&mut criterion);
    long_list::register(&mut criterion);
    mark::register(&mut criterion);
    object_model::register(&mut criterion);
    snapshot::register(&mut criterion);
    shared_target::register(&mut criterion);
    vector_store::register(&mut criterion);
    weak::register(&mut criterion);
}

/// Stack for the benchmark thread. The peers `gc`, `dumpster` and
/// `bacon_rajan_cc` mark or free recursively, one frame per link: the
/// 10-million-cell list needs a few GiB (only touched pages are committed).
const STACK_BYTES: usize = 4 << 30;

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
