//! The GC latency experiment (issue 24): a window of 200,000 messages of
//! 1 KiB each, 1,000,000 messages pushed (message `i` replaces message
//! `i - 200,000`); the figure is the longest push. Prints, per contender,
//! the longest push, p99 and p99.9 of the push times, the minimum mutator
//! utilisation (MMU) at 1, 10 and 100 ms, and the peak resident memory
//! (`VmHWM`) against the live window's 204.8 MB.
//!
//! Each contender runs in its own process (the binary starts itself once
//! per contender), so each peak is its own:
//!
//! ```text
//! cargo run --release -p gc-mark-sweep --example latency              # every contender
//! cargo run --release -p gc-mark-sweep --example latency -- ms-incremental
//! LATENCY_NO_THP=1 cargo run --release -p gc-mark-sweep --example latency   # no huge pages
//! ```
//!
//! The spaces ask for transparent huge pages; with the kernel's `defrag`
//! set to `madvise`, the first touch of a fresh 2 MiB page may compact
//! memory inside a push. `LATENCY_NO_THP=1` turns huge pages off for the
//! process (`prctl(PR_SET_THP_DISABLE)`), inherited by the contenders.
//!
//! Contenders: `box` (malloc/free), `ms-stw` (mark-sweep, stop the world)
//! and `ms-incremental` (mark-sweep, incremental marking), both on the
//! handle API with the default configuration but the marking mode.
//!
//! A push's time includes everything it waited for: a collection or an
//! increment, a lazy sweep, a page fault, and any time the thread waited
//! for a core (on a loaded machine, multiples of the scheduler's 4 ms
//! tick): the second line gives the pushes' CPU time (the thread's CPU
//! clock, page faults included, waiting excluded). For the MMU, every push
//! longer than [`PAUSE_FLOOR`] (wall time) counts as a pause for its whole
//! length (a push costs about 1 µs without one).

use gc_core::{Gc, Heap, HeapConfig, Marking, Trace};
use std::time::{Duration, Instant};

const WINDOW: usize = 200_000;
const PUSHES: usize = 1_000_000;
const MESSAGE: usize = 1024;
/// Pushes longer than this count as pauses in the MMU.
const PAUSE_FLOOR: Duration = Duration::from_micros(20);

/// The window of the handle API contenders: one object.
#[derive(Trace)]
struct Window {
    items: Vec<Gc<[u8; MESSAGE]>>,
}

/// A message with `i` in it.
fn message(i: usize) -> [u8; MESSAGE] {
    let mut m = [0u8; MESSAGE];
    m[..8].copy_from_slice(&(i as u64).to_le_bytes());
    m[MESSAGE - 1] = i as u8;
    m
}

/// This thread's CPU time, in nanoseconds (user and system: page faults
/// count, waiting for a core does not).
fn cpu_now() -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid `timespec` to write; the clock id is a constant
    // the kernel knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// Push times, in nanoseconds, and the pauses' start and length.
struct Timeline {
    pushes: Vec<u32>,
    /// The same pushes' CPU time.
    cpu: Vec<u32>,
    pauses: Vec<(u64, u64)>,
    /// Pushes that took more than 0.5 ms of CPU: start, wall and CPU ns.
    slow: Vec<(u64, u64, u64)>,
    start: Instant,
    checksum: u64,
}

impl Timeline {
    fn new() -> Timeline {
        Timeline {
            pushes: Vec::with_capacity(PUSHES),
            cpu: Vec::with_capacity(PUSHES),
            pauses: Vec::new(),
            slow: Vec::new(),
            start: Instant::now(),
            checksum: 0,
        }
    }

    #[inline(always)]
    fn push(&mut self, f: impl FnOnce() -> u64) {
        let (t0, c0) = (Instant::now(), cpu_now());
        self.checksum = self.checksum.wrapping_add(f());
        let (t1, c1) = (Instant::now(), cpu_now());
        self.cpu.push((c1 - c0).min(u32::MAX as u64) as u32);
        let d = t1 - t0;
        if c1 - c0 > 500_000 {
            let at = (t0 - self.start).as_nanos() as u64;
            self.slow.push((at, d.as_nanos() as u64, c1 - c0));
        }
        self.pushes.push(d.as_nanos().min(u32::MAX as u128) as u32);
        if d > PAUSE_FLOOR {
            let at = (t0 - self.start).as_nanos() as u64;
            self.pauses.push((at, d.as_nanos() as u64));
        }
    }

    /// The minimum mutator utilisation over windows of `w` ns: the least
    /// share of any `w`-long interval not spent in pauses.
    fn mmu(&self, w: u64) -> f64 {
        let total = (Instant::now() - self.start).as_nanos() as u64;
        let w = w.min(total);
        // Pauses are disjoint and in order: prefix sums of their lengths.
        let mut prefix = vec![0u64];
        for &(_, d) in &self.pauses {
            prefix.push(prefix.last().unwrap() + d);
        }
        let busy = |from: u64, to: u64| -> u64 {
            // Pauses that end after `from` and start before `to`.
            let a = self.pauses.partition_point(|&(s, d)| s + d <= from);
            let b = self.pauses.partition_point(|&(s, _)| s < to);
            if a >= b {
                return 0;
            }
            let mut sum = prefix[b] - prefix[a];
            sum -= from.saturating_sub(self.pauses[a].0);
            let (s, d) = self.pauses[b - 1];
            sum -= (s + d).saturating_sub(to);
            sum
        };
        // The worst window starts at a pause's start or ends at a pause's end.
        let mut worst = 0u64;
        for &(s, d) in &self.pauses {
            let from = s.min(total - w);
            let to = (s + d).max(w);
            worst = worst.max(busy(from, from + w)).max(busy(to - w, to));
        }
        1.0 - worst as f64 / w as f64
    }

    fn report(mut self, name: &str) {
        let mmus = [1_000_000, 10_000_000, 100_000_000].map(|w| self.mmu(w));
        self.pushes.sort_unstable();
        self.cpu.sort_unstable();
        let qc = |q: f64| self.cpu[((self.cpu.len() as f64 * q) as usize).min(PUSHES - 1)];
        let q = |q: f64| self.pushes[((self.pushes.len() as f64 * q) as usize).min(PUSHES - 1)];
        let ms = |ns: u32| ns as f64 / 1e6;
        let hwm = peak_rss();
        let switches = status_field("nonvoluntary_ctxt_switches:") as usize;
        let live = (WINDOW * MESSAGE) as f64;
        println!(
            "{name:16} longest {:8.3} ms  p99 {:7.4} ms  p99.9 {:7.4} ms  MMU 1/10/100 ms {:5.1}% {:5.1}% {:5.1}%  peak RSS {:6.1} MB = {:.2}x the window  ({switches} involuntary context switches; checksum {})",
            ms(*self.pushes.last().unwrap()),
            ms(q(0.99)),
            ms(q(0.999)),
            mmus[0] * 100.0,
            mmus[1] * 100.0,
            mmus[2] * 100.0,
            hwm as f64 / 1e6,
            hwm as f64 / live,
            self.checksum,
        );
        println!(
            "{:16} CPU time of a push: longest {:8.3} ms  p99 {:7.4} ms  p99.9 {:7.4} ms",
            "",
            ms(*self.cpu.last().unwrap()),
            ms(qc(0.99)),
            ms(qc(0.999)),
        );
    }
}

/// A number from `/proc/self/status`.
fn status_field(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let line = status.lines().find(|l| l.starts_with(name)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Peak resident bytes of this process (`VmHWM`).
fn peak_rss() -> usize {
    status_field("VmHWM:") as usize * 1024
}

fn run_box() {
    let mut t = Timeline::new();
    let mut window: Vec<Option<Box<[u8; MESSAGE]>>> = (0..WINDOW).map(|_| None).collect();
    for i in 0..PUSHES {
        t.push(|| {
            let m = Box::new(message(i));
            let first = m[0] as u64;
            window[i % WINDOW] = Some(m);
            first
        });
    }
    t.report("box");
}

fn run_mark_sweep(name: &str, marking: Marking) {
    // The default growth factor (4.0, with the headroom cap doubled after
    // every unproductive collection while the window fills) lets the heap
    // reach its 1 GiB capacity; 1.25 keeps it near the live window.
    // `LATENCY_GROWTH` sets another.
    let growth_factor = std::env::var("LATENCY_GROWTH")
        .ok()
        .map_or(1.25, |g| g.parse().expect("LATENCY_GROWTH: a number"));
    let config = HeapConfig {
        marking,
        growth_factor,
        event_log: 1 << 16,
        ..HeapConfig::default()
    };
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(config).expect("valid config");
    let mut t = Timeline::new();
    heap.scope("latency", |s| {
        let window = s.alloc(Window {
            items: (0..WINDOW).map(|_| Gc::null()).collect(),
        });
        for i in 0..PUSHES {
            t.push(|| {
                s.scope("push", |p| {
                    let m = p.alloc(message(i));
                    p.set_at(window, |w| &w.items, i % WINDOW, m);
                    p.get(m)[0] as u64
                })
            });
        }
    });
    let stats = heap.stats();
    let slow = t.slow.clone();
    t.report(name);
    // What the heap did in the pushes that took the most CPU (the event
    // clock starts with the heap, a few µs before the timeline's).
    let mut slow = slow;
    slow.sort_by_key(|&(_, _, cpu)| std::cmp::Reverse(cpu));
    for &(at, wall, cpu) in slow.iter().take(3) {
        let during: Vec<String> = stats
            .events
            .iter()
            .filter(|e| {
                let s = e.started.as_nanos() as u64;
                s + 100_000 >= at && s <= at + wall
            })
            .map(|e| {
                format!(
                    "{} {:.3} ms (roots {:.3} trace {:.3} reclaim {:.3})",
                    e.cause.name(),
                    e.pause.as_secs_f64() * 1e3,
                    e.phases[0].as_secs_f64() * 1e3,
                    e.phases[1].as_secs_f64() * 1e3,
                    e.phases[2].as_secs_f64() * 1e3
                )
            })
            .collect();
        println!(
            "{:16} push of {:.3} ms CPU ({:.3} ms wall): {}",
            "",
            cpu as f64 / 1e6,
            wall as f64 / 1e6,
            if during.is_empty() {
                "no pause".to_string()
            } else {
                during.join(", ")
            }
        );
    }
    let over: Vec<_> = stats
        .events
        .iter()
        .filter(|e| e.pause > Duration::from_millis(1))
        .collect();
    let dominated = |i: usize| {
        over.iter()
            .filter(|e| (0..3).max_by_key(|&p| e.phases[p]) == Some(i))
            .count()
    };
    println!(
        "{:16} {} heap pauses over 1 ms: {} mostly roots (start or remark), {} mostly marking, {} mostly sweeping",
        "",
        over.len(),
        dominated(0),
        dominated(1),
        dominated(2),
    );
    let mut longest: Vec<_> = stats.events.iter().collect();
    longest.sort_by_key(|e| std::cmp::Reverse(e.pause));
    for e in longest.iter().take(3) {
        println!(
            "{:16} pause {:.3} ms ({}): roots {:.3} trace {:.3} reclaim {:.3} ms, {} MB before",
            "",
            e.pause.as_secs_f64() * 1e3,
            e.cause.name(),
            e.phases[0].as_secs_f64() * 1e3,
            e.phases[1].as_secs_f64() * 1e3,
            e.phases[2].as_secs_f64() * 1e3,
            e.bytes_before >> 20,
        );
    }
    println!(
        "{:16} {} cycles, {} pauses recorded by the heap, longest {:.3} ms, p99 {:.4} ms, p99.9 {:.4} ms",
        "",
        stats.collections,
        stats.pauses.count(),
        stats.pauses.max().as_secs_f64() * 1e3,
        stats.pauses.quantile(0.99).as_secs_f64() * 1e3,
        stats.pauses.quantile(0.999).as_secs_f64() * 1e3,
    );
}

fn main() {
    if std::env::var_os("LATENCY_NO_THP").is_some() {
        // SAFETY: PR_SET_THP_DISABLE takes an integer flag and no pointer.
        let refused = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } != 0;
        assert!(!refused, "prctl(PR_SET_THP_DISABLE) failed");
    }
    let which: Vec<String> = std::env::args().skip(1).collect();
    match which.first().map(String::as_str) {
        Some("box") => run_box(),
        Some("ms-stw") => run_mark_sweep("ms-stw", Marking::StopTheWorld),
        Some("ms-incremental") => run_mark_sweep("ms-incremental", Marking::incremental()),
        Some(other) => panic!("unknown contender {other}: box, ms-stw or ms-incremental"),
        None => {
            let me = std::env::current_exe().expect("own path");
            for contender in ["box", "ms-stw", "ms-incremental"] {
                let status = std::process::Command::new(&me)
                    .arg(contender)
                    .status()
                    .expect("run a contender");
                assert!(status.success(), "{contender} failed");
            }
        }
    }
}
