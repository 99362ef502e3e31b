//! Loom models of the work-stealing termination protocol in
//! `gc_core::parallel`: every item is processed exactly once and every
//! worker stops, under every interleaving loom explores.
//!
//! Run: `LOOM_MAX_PREEMPTIONS=3 RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p gc-core --release --test loom`
//! (unbounded preemptions do not finish in reasonable time because of the idle
//! workers' spin loop). Teeth: dropping the re-activation before a steal makes
//! the first two models fail.
#![cfg(loom)]

use gc_core::parallel::{setup, Worker};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// Each item is a tree depth: processing it pushes two children one level down.
fn expand(depth: u32, worker: &Worker<u32>, seen: &AtomicUsize) {
    seen.fetch_add(1, Ordering::Relaxed);
    if depth > 0 {
        worker.push(depth - 1);
        worker.push(depth - 1);
    }
}

fn model(initial: Vec<u32>, expected: usize) {
    loom::model(move || {
        let (shared, workers) = setup(2, initial.clone());
        let shared = Arc::new(shared);
        let seen = Arc::new(AtomicUsize::new(0));
        let mut workers = workers.into_iter();
        let (first, second) = (workers.next().unwrap(), workers.next().unwrap());
        let thief = {
            let (shared, seen) = (shared.clone(), seen.clone());
            thread::spawn(move || shared.work(1, &second, |d, w| expand(d, w, &seen)))
        };
        shared.work(0, &first, |d, w| expand(d, w, &seen));
        thief.join().unwrap();
        assert_eq!(
            seen.load(Ordering::Relaxed),
            expected,
            "each item exactly once"
        );
    });
}

#[test]
fn work_created_by_one_worker_is_finished_before_both_stop() {
    // One root on worker 0; worker 1 starts empty and must wait or steal.
    model(vec![1], 3);
}

#[test]
fn work_on_both_workers_terminates() {
    model(vec![1, 0], 4);
}

#[test]
fn no_work_terminates_at_once() {
    model(vec![], 0);
}
