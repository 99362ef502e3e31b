//! What a snapshot of a million-object heap costs in memory: builds a
//! binary tree of depth 19 (1,048,575 objects) on each backend, then takes
//! a heap graph and writes it as a `.heapsnapshot` to a sink, printing the
//! process's peak resident memory (`VmHWM`) before and after and the times.
//!
//! ```text
//! cargo run --release -p gc-snapshot --example snapshot_cost
//! ```
//!
//! Each backend runs in its own process (the peak only grows), so the
//! example re-runs itself with the backend's name as its argument.

use gc_core::{Collector, Gc, Heap, HeapConfig, Scope, Trace};
use std::time::Instant;

#[derive(Trace, Default)]
struct Node {
    left: Gc<Node>,
    right: Gc<Node>,
}

/// Peak resident memory of this process, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn build<C: Collector>(s: &mut Scope<'_, C>, depth: u32) {
    let top = s.alloc(Node::default());
    s.scope("build", |s| {
        let (l, r) = (s.alloc(Node::default()), s.alloc(Node::default()));
        s.set(top, |n| &n.left, l);
        s.set(top, |n| &n.right, r);
        let mut level = vec![l, r];
        for _ in 2..=depth {
            let mut next = Vec::with_capacity(level.len() * 2);
            for &p in &level {
                let (l, r) = (s.alloc(Node::default()), s.alloc(Node::default()));
                s.set(p, |n| &n.left, l);
                s.set(p, |n| &n.right, r);
                next.extend([l, r]);
            }
            level = next;
        }
    });
}

fn measure<C: Collector>(name: &str) {
    let mut heap = Heap::<C>::new(HeapConfig::default()).expect("valid config");
    heap.scope("snapshot_cost", |s| {
        build(s, 19);
        s.collect();
        let before = peak_mib();
        let start = Instant::now();
        let graph = s.heap_graph();
        let walked = start.elapsed();
        gc_snapshot::write_heap_snapshot(&graph, std::io::sink()).expect("sink");
        println!(
            "{name}: {} objects; peak RSS {before:.1} MiB with the heap, {:.1} MiB after the \
             snapshot (+{:.1} MiB); graph {:.0} ms, graph and write {:.0} ms",
            graph.objects.len(),
            peak_mib(),
            peak_mib() - before,
            walked.as_secs_f64() * 1e3,
            start.elapsed().as_secs_f64() * 1e3,
        );
    });
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("mark-sweep") => measure::<gc_mark_sweep::MarkSweep>("mark-sweep"),
        Some("copying") => measure::<gc_copying::Copying>("copying"),
        Some("refcount") => measure::<gc_refcount::RefCount>("refcount"),
        _ => {
            let me = std::env::current_exe().expect("own path");
            for backend in ["mark-sweep", "copying", "refcount"] {
                let status = std::process::Command::new(&me).arg(backend).status();
                assert!(status.is_ok_and(|s| s.success()), "{backend} failed");
            }
        }
    }
}
