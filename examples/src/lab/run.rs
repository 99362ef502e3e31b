//! Running one program on each backend and keeping what the figures need:
//! the heap's statistics (every collection's event), wall time and output.

use crate::workloads::Link;
use crate::{Backend, Program};
use gc_core::{Collector, Gc, GcError, GcStats, Heap, HeapConfig, Root, Scope};
use std::time::{Duration, Instant};

/// The lab's heap configuration: the defaults, keeping every collection's
/// event (a figure plots them all).
pub fn config() -> HeapConfig {
    HeapConfig {
        event_log: 1 << 20,
        ..HeapConfig::default()
    }
}

/// A heap of exactly `capacity` bytes that collects only when full: the
/// fixed-size heap of the classic space-time experiments.
pub fn fixed_heap(capacity: usize) -> HeapConfig {
    HeapConfig {
        capacity,
        initial_trigger: capacity,
        growth_factor: 1e9,
        max_headroom: capacity,
        ..config()
    }
}

/// One program's run on one backend.
#[derive(Debug, Clone)]
pub struct Measured<T> {
    /// The backend it ran on.
    pub backend: Backend,
    /// Wall time of the program (heap creation and teardown excluded).
    pub wall: Duration,
    /// The heap's statistics when it finished.
    pub stats: GcStats,
    /// What it returned.
    pub output: T,
}

/// Runs `program` on `backend` with `config`; `None` if the heap cannot be
/// built (a bad configuration).
pub fn measure<P: Program>(
    backend: Backend,
    config: HeapConfig,
    program: P,
) -> Option<Measured<P::Output>> {
    let (wall, stats, output) = backend.run(config, Timed(program)).ok()?;
    Some(Measured {
        backend,
        wall,
        stats,
        output,
    })
}

/// A program, timed, with the heap's statistics at its end.
struct Timed<P>(P);

impl<P: Program> Program for Timed<P> {
    type Output = (Duration, GcStats, P::Output);

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let start = Instant::now();
        let output = self.0.run(heap);
        (start.elapsed(), heap.stats(), output)
    }
}

/// The fastest of `runs` calls of `f` (at least one), and the last result:
/// the best of several runs is what the program costs when nothing else
/// on the machine gets in its way.
pub fn best_of<R>(runs: usize, mut f: impl FnMut() -> R) -> (Duration, R) {
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let r = f();
        best = best.min(start.elapsed());
        result = Some(r);
    }
    (best, result.expect("ran at least once"))
}

/// A small deterministic random-number generator (SplitMix64), so every
/// run of the lab builds the same "random" structures.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `0..n` in a random order (Fisher-Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, self.below(i + 1));
        }
        order
    }
}

/// Milliseconds as a plotted value.
pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Bytes as a plotted value in MiB.
pub fn mebibytes(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// Builds a list of `len` (at least 1) cells holding `0..len` in order by
/// prepending, rooted at the returned first cell: one root however long.
pub fn live_list<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    len: u64,
) -> Result<Root<'s, Link>, GcError> {
    assert!(len > 0, "a list has at least one cell");
    let head = s.try_alloc(Link {
        value: len - 1,
        next: Gc::null(),
    })?;
    for value in (0..len - 1).rev() {
        s.scope("cons", |t| {
            let cell = t.try_alloc(Link {
                value,
                next: Gc::null(),
            })?;
            t.set(cell, |l| &l.next, head);
            t.assign(head, cell);
            Ok::<(), GcError>(())
        })?;
    }
    Ok(head)
}
