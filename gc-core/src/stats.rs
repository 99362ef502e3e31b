//! Pause-time instrumentation: one [`CollectionEvent`] per collection, the
//! cumulative [`GcStats`] with a log-bucketed [`PauseHistogram`], CSV
//! export, and (with the `serde` feature) `serde::Serialize` for all of
//! them, durations as whole nanoseconds in fields named `..._ns`.
//!
//! ```
//! use gc_core::{Heap, HeapConfig};
//! use gc_mark_sweep::MarkSweep;
//!
//! let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
//! heap.on_collection(|event| eprintln!("gc #{} took {:?}", event.id, event.pause));
//! heap.scope("main", |s| { s.alloc(1u64); s.collect(); });
//! let stats = heap.stats();
//! assert_eq!(stats.collections, 1);
//! # #[cfg(feature = "serde")]
//! assert!(serde_json::to_string(&stats).unwrap().contains("\"collections\":1"));
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Why a collection ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "kebab-case")
)]
pub enum Cause {
    /// The program called `collect`.
    Explicit,
    /// The allocation budget set by the growth policy ran out.
    Threshold,
    /// The backend had no room for an allocation.
    AllocationFailure,
    /// Stress mode: every allocation collects.
    Stress,
    /// A later pause of an incremental marking cycle in progress (its
    /// first pause has the cause that started it): an increment, or the
    /// final pause that ends it. Not counted in
    /// [`GcStats::collections`], which counts each cycle once.
    Increment,
}

impl Cause {
    /// A short lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Explicit => "explicit",
            Cause::Threshold => "threshold",
            Cause::AllocationFailure => "allocation-failure",
            Cause::Stress => "stress",
            Cause::Increment => "increment",
        }
    }
}

/// The phases a collection is split into; backends time the ones they have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Scanning the shadow stack (and, for refcounting, reconciling it).
    Roots,
    /// Tracing the live graph (marking, or copying for a copying collector).
    Trace,
    /// Reclaiming dead objects: sweeping, running destructors, releasing.
    Reclaim,
    /// Reference counting's cycle collection.
    Cycles,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 4] = [Phase::Roots, Phase::Trace, Phase::Reclaim, Phase::Cycles];

    /// A short lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Roots => "roots",
            Phase::Trace => "trace",
            Phase::Reclaim => "reclaim",
            Phase::Cycles => "cycles",
        }
    }
}

/// What one collection did.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CollectionEvent {
    /// 1 for a heap's first collection, then counting up.
    pub id: u64,
    /// The backend's [`Collector::NAME`](crate::Collector::NAME).
    pub backend: &'static str,
    /// Why it ran.
    pub cause: Cause,
    /// When it started, measured from the heap's creation.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "started_ns", serialize_with = "ns::duration")
    )]
    pub started: Duration,
    /// Wall-clock pause, start to end.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "pause_ns", serialize_with = "ns::duration")
    )]
    pub pause: Duration,
    /// Time per [`Phase`], indexed like [`Phase::ALL`].
    #[cfg_attr(
        feature = "serde",
        serde(rename = "phases_ns", serialize_with = "ns::phases")
    )]
    pub phases: [Duration; 4],
    /// Heap bytes before and after.
    pub bytes_before: usize,
    /// Heap bytes after.
    pub bytes_after: usize,
    /// Objects before.
    pub objects_before: usize,
    /// Objects after.
    pub objects_after: usize,
    /// Objects reclaimed (`objects_before - objects_after`).
    pub objects_freed: usize,
    /// Bytes a moving collector copied.
    pub bytes_copied: usize,
    /// Objects freed by the reference-counting cycle collector.
    pub freed_by_cycles: usize,
    /// Objects the backend knows to be unreachable but cannot reclaim
    /// (reference counting with cycle collection off).
    pub leaked_objects: usize,
    /// The most entries the backend's explicit traversal worklist held at
    /// once: slots on mark-sweep's mark stack (sequential marking), objects
    /// on reference counting's release stack while it frees a cascade. 0
    /// where there is none: a Cheney copy queues gray objects in the
    /// to-space itself (between its scan and free pointers), and parallel
    /// marking spreads them over per-thread stacks it does not sum. However
    /// deep the object graph, marking and freeing never recurse on the Rust
    /// stack; this shows what they used instead.
    pub peak_work_list: usize,
    /// Bytes in use (objects and external) at which the next collection is
    /// due, as this collection set it: the bytes in use after it plus the
    /// budget the growth policy gave ([`Growth`](crate::Growth), boosted
    /// after unproductive collections); the bytes in use after it in stress
    /// mode.
    pub trigger: usize,
    /// This pause belongs to an incremental marking cycle (any of its
    /// increments, from the one that finishes the previous cycle's lazy
    /// sweep to the final remark). `false` for a stop-the-world collection.
    pub incremental: bool,
    /// This pause began an incremental marking cycle: it cleared the marks
    /// and grayed the roots, the snapshot that decides what the cycle
    /// keeps. `false` for a stop-the-world collection (a whole cycle in
    /// one pause).
    pub began_marking: bool,
    /// This pause finished an incremental marking cycle: the final remark
    /// and the weak step ran (weak references to what it found dead are
    /// cleared). `false` for a stop-the-world collection.
    pub ended_marking: bool,
}

impl CollectionEvent {
    pub(crate) fn start(id: u64, backend: &'static str, cause: Cause, started: Duration) -> Self {
        CollectionEvent {
            id,
            backend,
            cause,
            started,
            pause: Duration::ZERO,
            phases: [Duration::ZERO; 4],
            bytes_before: 0,
            bytes_after: 0,
            objects_before: 0,
            objects_after: 0,
            objects_freed: 0,
            bytes_copied: 0,
            freed_by_cycles: 0,
            leaked_objects: 0,
            peak_work_list: 0,
            trigger: 0,
            incremental: false,
            began_marking: false,
            ended_marking: false,
        }
    }

    /// Runs `f` and adds its duration to `phase`.
    #[inline]
    pub fn time<R>(&mut self, phase: Phase, f: impl FnOnce() -> R) -> R {
        let start = Instant::now();
        let result = f();
        self.phases[phase as usize] += start.elapsed();
        result
    }

    /// The time spent in `phase`.
    pub fn phase(&self, phase: Phase) -> Duration {
        self.phases[phase as usize]
    }

    /// The CSV header matching [`CollectionEvent::to_csv_row`].
    pub const CSV_HEADER: &'static str = "id,backend,cause,started_ns,pause_ns,roots_ns,trace_ns,reclaim_ns,cycles_ns,\
bytes_before,bytes_after,objects_before,objects_after,objects_freed,bytes_copied,freed_by_cycles,leaked_objects,peak_work_list,trigger";

    /// One CSV row (no newline).
    pub fn to_csv_row(&self) -> String {
        let p = self.phases.map(|d| d.as_nanos());
        format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            self.id,
            self.backend,
            self.cause.name(),
            self.started.as_nanos(),
            self.pause.as_nanos(),
            p[0],
            p[1],
            p[2],
            p[3],
            self.bytes_before,
            self.bytes_after,
            self.objects_before,
            self.objects_after,
            self.objects_freed,
            self.bytes_copied,
            self.freed_by_cycles,
            self.leaked_objects,
            self.peak_work_list,
            self.trigger
        )
    }
}

/// A histogram of pause times with logarithmic buckets: 8 sub-buckets per
/// power of two of nanoseconds, so any quantile it reports is within 12.5%
/// (one sub-bucket) of the true value, in constant memory.
///
/// ```
/// use gc_core::stats::PauseHistogram;
/// use std::time::Duration;
/// let mut h = PauseHistogram::default();
/// for us in 1..=100 { h.record(Duration::from_micros(us)); }
/// let p50 = h.quantile(0.5).as_micros();
/// assert!((44..=56).contains(&p50), "p50 was {p50}us");
/// assert_eq!(h.max(), Duration::from_micros(100));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PauseHistogram {
    counts: Vec<u64>,
    total: u64,
    max: Duration,
}

const SUB_BUCKET_BITS: u32 = 3;
const SUB_BUCKETS: usize = 1 << SUB_BUCKET_BITS;

impl Default for PauseHistogram {
    fn default() -> Self {
        PauseHistogram {
            counts: vec![0; 64 * SUB_BUCKETS],
            total: 0,
            max: Duration::ZERO,
        }
    }
}

impl PauseHistogram {
    fn bucket_of(ns: u64) -> usize {
        if ns < SUB_BUCKETS as u64 {
            return ns as usize;
        }
        let exp = 63 - ns.leading_zeros();
        let sub = (ns >> (exp - SUB_BUCKET_BITS)) as usize & (SUB_BUCKETS - 1);
        (exp - SUB_BUCKET_BITS + 1) as usize * SUB_BUCKETS + sub
    }

    /// The smallest nanosecond value that falls in `bucket`.
    fn lower_bound(bucket: usize) -> u64 {
        let (group, sub) = (bucket / SUB_BUCKETS, (bucket % SUB_BUCKETS) as u64);
        if group == 0 {
            return sub;
        }
        let exp = group as u32 + SUB_BUCKET_BITS - 1;
        (1u64 << exp) | (sub << (exp - SUB_BUCKET_BITS))
    }

    /// Adds one pause.
    pub fn record(&mut self, pause: Duration) {
        let ns = u64::try_from(pause.as_nanos()).unwrap_or(u64::MAX);
        self.counts[Self::bucket_of(ns)] += 1;
        self.total += 1;
        self.max = self.max.max(pause);
    }

    /// Number of pauses recorded.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The longest pause (exact).
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The pause below which a fraction `q` (0.0 to 1.0) of pauses fall: the
    /// midpoint of the bucket holding that rank, capped at the exact maximum.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.total == 0 {
            return Duration::ZERO;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (bucket, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let lo = Self::lower_bound(bucket);
                let hi = Self::lower_bound(bucket + 1);
                let mid = Duration::from_nanos(lo + (hi - lo) / 2);
                return mid.min(self.max);
            }
        }
        self.max
    }

    /// Non-empty buckets as `(lower bound, upper bound, count)`.
    pub fn buckets(&self) -> impl Iterator<Item = (Duration, Duration, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(b, &n)| {
                (
                    Duration::from_nanos(Self::lower_bound(b)),
                    Duration::from_nanos(Self::lower_bound(b + 1)),
                    n,
                )
            })
    }
}

/// Cumulative statistics of one heap, as returned by
/// [`Heap::stats`](crate::Heap::stats).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GcStats {
    /// The backend's name.
    pub backend: &'static str,
    /// Collections run.
    pub collections: u64,
    /// Sum of all pauses.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "total_pause_ns", serialize_with = "ns::duration")
    )]
    pub total_pause: Duration,
    /// Pause distribution.
    pub pauses: PauseHistogram,
    /// Bytes ever allocated: objects (headers included) as the cells they
    /// take ([`Collector::footprint`](crate::Collector::footprint)), and
    /// buffers and charges.
    pub allocated_bytes: u64,
    /// Objects ever allocated.
    pub allocated_objects: u64,
    /// Objects reclaimed by all collections.
    pub freed_objects: u64,
    /// Bytes copied by a moving collector.
    pub copied_bytes: u64,
    /// Objects freed by reference counting's cycle collector.
    pub freed_by_cycles: u64,
    /// Unreachable objects that could not be reclaimed, as of the last collection.
    pub leaked_objects: usize,
    /// Heap bytes in use now (objects, headers included).
    pub heap_bytes: usize,
    /// Bytes objects own outside the heap and charge to it now: the
    /// buffers of the object model's containers and
    /// [`Charge`](crate::model::Charge)s. They count toward the capacity and
    /// the collection trigger.
    pub external_bytes: usize,
    /// Objects in the heap now.
    pub heap_objects: usize,
    /// The largest heap size seen, sampled before each collection and at
    /// each snapshot.
    pub peak_heap_bytes: usize,
    /// The most recent collections, oldest first (at most
    /// [`HeapConfig::event_log`](crate::HeapConfig::event_log) of them).
    pub events: VecDeque<CollectionEvent>,
}

impl GcStats {
    pub(crate) fn new(backend: &'static str) -> Self {
        GcStats {
            backend,
            collections: 0,
            total_pause: Duration::ZERO,
            pauses: PauseHistogram::default(),
            allocated_bytes: 0,
            allocated_objects: 0,
            freed_objects: 0,
            copied_bytes: 0,
            freed_by_cycles: 0,
            leaked_objects: 0,
            heap_bytes: 0,
            external_bytes: 0,
            heap_objects: 0,
            peak_heap_bytes: 0,
            events: VecDeque::new(),
        }
    }

    pub(crate) fn record(&mut self, event: CollectionEvent, keep: usize) {
        if event.cause != Cause::Increment {
            self.collections += 1;
        }
        self.total_pause += event.pause;
        self.pauses.record(event.pause);
        self.freed_objects += event.objects_freed as u64;
        self.copied_bytes += event.bytes_copied as u64;
        self.freed_by_cycles += event.freed_by_cycles as u64;
        self.leaked_objects = event.leaked_objects;
        self.heap_bytes = event.bytes_after;
        self.heap_objects = event.objects_after;
        self.peak_heap_bytes = self.peak_heap_bytes.max(event.bytes_before);
        if keep > 0 {
            if self.events.len() == keep {
                self.events.pop_front();
            }
            self.events.push_back(event);
        }
    }

    /// Minimum mutator utilisation for windows of length `window`: the
    /// smallest fraction of any such window (among the kept events) that the
    /// program, not the collector, had. 1.0 with no collections.
    ///
    /// ```
    /// # use gc_core::{Heap, HeapConfig};
    /// # use gc_mark_sweep::MarkSweep;
    /// # use std::time::Duration;
    /// let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| s.collect());
    /// let mmu = heap.stats().min_mutator_utilisation(Duration::from_millis(10));
    /// assert!((0.0..=1.0).contains(&mmu));
    /// ```
    pub fn min_mutator_utilisation(&self, window: Duration) -> f64 {
        if window.is_zero() {
            return 0.0;
        }
        let worst_pause = self
            .events
            .iter()
            .map(|first| {
                let end = first.started + window;
                self.events
                    .iter()
                    .filter(|e| e.started >= first.started && e.started < end)
                    .map(|e| e.pause.min(end - e.started))
                    .sum::<Duration>()
            })
            .max()
            .unwrap_or(Duration::ZERO);
        (1.0 - worst_pause.as_secs_f64() / window.as_secs_f64()).max(0.0)
    }

    /// Every kept event as CSV, header line first.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(CollectionEvent::CSV_HEADER);
        out.push('\n');
        for e in &self.events {
            out.push_str(&e.to_csv_row());
            out.push('\n');
        }
        out
    }
}

/// `Serialize` for the statistics: durations as whole nanoseconds.
#[cfg(feature = "serde")]
mod ns {
    use super::{PauseHistogram, Phase};
    use serde::ser::{SerializeMap, SerializeStruct, Serializer};
    use std::time::Duration;

    fn nanos(d: Duration) -> u64 {
        u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
    }

    pub(super) fn duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(nanos(*d))
    }

    /// Per-phase times as `{"roots": ns, "trace": ns, ...}`.
    pub(super) fn phases<S: Serializer>(phases: &[Duration; 4], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(phases.len()))?;
        for (phase, d) in Phase::ALL.iter().zip(phases) {
            map.serialize_entry(phase.name(), &nanos(*d))?;
        }
        map.end()
    }

    /// A bucket of the histogram: pauses in `lo_ns..hi_ns`.
    #[derive(serde::Serialize)]
    struct Bucket {
        lo_ns: u64,
        hi_ns: u64,
        count: u64,
    }

    /// The count, the exact maximum, three quantiles and the non-empty buckets.
    impl serde::Serialize for PauseHistogram {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let buckets: Vec<Bucket> = self
                .buckets()
                .map(|(lo, hi, count)| Bucket {
                    lo_ns: nanos(lo),
                    hi_ns: nanos(hi),
                    count,
                })
                .collect();
            let mut out = s.serialize_struct("PauseHistogram", 6)?;
            out.serialize_field("count", &self.count())?;
            out.serialize_field("max_ns", &nanos(self.max()))?;
            for (name, q) in [("p50_ns", 0.5), ("p90_ns", 0.9), ("p99_ns", 0.99)] {
                out.serialize_field(name, &nanos(self.quantile(q)))?;
            }
            out.serialize_field("buckets", &buckets)?;
            out.end()
        }
    }
}

impl std::fmt::Display for GcStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let q = |p| self.pauses.quantile(p);
        writeln!(
            f,
            "{}: {} collections, total pause {:?} (p50 {:?}, p90 {:?}, p99 {:?}, max {:?})",
            self.backend,
            self.collections,
            self.total_pause,
            q(0.5),
            q(0.9),
            q(0.99),
            self.pauses.max()
        )?;
        writeln!(
            f,
            "allocated {} objects / {} bytes; freed {} objects ({} by cycle collection); \
             copied {} bytes; {} leaked",
            self.allocated_objects,
            self.allocated_bytes,
            self.freed_objects,
            self.freed_by_cycles,
            self.copied_bytes,
            self.leaked_objects
        )?;
        writeln!(
            f,
            "heap now {} bytes in {} objects; peak {} bytes",
            self.heap_bytes, self.heap_objects, self.peak_heap_bytes
        )?;
        for (lo, hi, n) in self.pauses.buckets() {
            writeln!(f, "  [{lo:>10?} .. {hi:>10?}) {n}")?;
        }
        Ok(())
    }
}
