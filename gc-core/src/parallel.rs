//! Work stealing for parallel tracing: per-worker deques, stealing, and a
//! termination protocol, used by collectors that mark on several threads.
//!
//! The deques are crossbeam-deque's; under `cfg(loom)` they are replaced by
//! `Mutex<VecDeque>` stand-ins (crossbeam-deque is not loom-aware) so that
//! `tests/loom.rs` can check the termination protocol exhaustively.
//!
//! ## Termination
//! `active` counts workers that may still produce work. A worker pushes only
//! to its own deque and only while active; it goes idle (decrements) only
//! once its own deque is empty, and it re-activates (increments) *before*
//! stealing. So an idle worker's deque stays empty, every item is held by an
//! active worker, and when `active` reads 0 no item exists anywhere: every
//! worker may stop.
//!
//! ```
//! use gc_core::parallel::run;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//!
//! // Visit a binary tree of depth 10 given only its root, on 2 threads.
//! let visited = AtomicUsize::new(0);
//! run(2, vec![10u32], || (), |_, depth, worker| {
//!     visited.fetch_add(1, Ordering::Relaxed);
//!     if depth > 0 {
//!         worker.push(depth - 1);
//!         worker.push(depth - 1);
//!     }
//! });
//! assert_eq!(visited.into_inner(), (1 << 11) - 1);
//! ```

use queue::{Local, Stealer};
use sync::{AtomicUsize, Ordering};

#[cfg(not(loom))]
mod sync {
    pub(super) use std::sync::atomic::{AtomicUsize, Ordering};
    pub(super) fn pause() {
        std::thread::yield_now();
    }
}

#[cfg(loom)]
mod sync {
    pub(super) use loom::sync::atomic::{AtomicUsize, Ordering};
    pub(super) fn pause() {
        loom::thread::yield_now();
    }
}

#[cfg(not(loom))]
mod queue {
    use crossbeam_deque::{Steal, Stealer as CbStealer, Worker};

    /// A worker's own deque (LIFO for the owner, FIFO for thieves).
    pub struct Local<T>(Worker<T>);
    /// The handle other workers steal through.
    pub struct Stealer<T>(CbStealer<T>);

    pub fn new<T>() -> (Local<T>, Stealer<T>) {
        let worker = Worker::new_lifo();
        let stealer = worker.stealer();
        (Local(worker), Stealer(stealer))
    }

    impl<T> Local<T> {
        pub fn push(&self, item: T) {
            self.0.push(item);
        }
        pub fn pop(&self) -> Option<T> {
            self.0.pop()
        }
        pub fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    impl<T> Stealer<T> {
        pub fn steal(&self) -> Option<T> {
            loop {
                match self.0.steal() {
                    Steal::Success(item) => return Some(item),
                    Steal::Empty => return None,
                    Steal::Retry => continue,
                }
            }
        }
        pub fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }
}

#[cfg(loom)]
mod queue {
    use loom::sync::{Arc, Mutex};
    use std::collections::VecDeque;

    pub struct Local<T>(Arc<Mutex<VecDeque<T>>>);
    pub struct Stealer<T>(Arc<Mutex<VecDeque<T>>>);

    pub fn new<T>() -> (Local<T>, Stealer<T>) {
        let deque = Arc::new(Mutex::new(VecDeque::new()));
        (Local(deque.clone()), Stealer(deque))
    }

    impl<T> Local<T> {
        pub fn push(&self, item: T) {
            self.0.lock().unwrap().push_back(item);
        }
        pub fn pop(&self) -> Option<T> {
            self.0.lock().unwrap().pop_back()
        }
        pub fn is_empty(&self) -> bool {
            self.0.lock().unwrap().is_empty()
        }
    }

    impl<T> Stealer<T> {
        pub fn steal(&self) -> Option<T> {
            self.0.lock().unwrap().pop_front()
        }
        pub fn is_empty(&self) -> bool {
            self.0.lock().unwrap().is_empty()
        }
    }
}

/// What a worker's `process` callback uses to queue more work.
pub struct Worker<T> {
    local: Local<T>,
}

impl<T> Worker<T> {
    /// Queues `item` on this worker's deque, where idle workers can steal it.
    #[inline]
    pub fn push(&self, item: T) {
        self.local.push(item);
    }

    /// `true` if this worker's deque is empty: nothing is left for idle
    /// workers to steal, so a worker that keeps a private stack should
    /// share an item.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.local.is_empty()
    }
}

/// The state the workers share: everyone's stealer and the active count.
pub struct Shared<T> {
    stealers: Vec<Stealer<T>>,
    active: AtomicUsize,
}

/// Builds `workers` deques, spreading `initial` over them round-robin.
pub fn setup<T>(workers: usize, initial: Vec<T>) -> (Shared<T>, Vec<Worker<T>>) {
    let workers = workers.max(1);
    let (locals, stealers): (Vec<_>, Vec<_>) = (0..workers).map(|_| queue::new()).unzip();
    let locals: Vec<_> = locals.into_iter().map(|local| Worker { local }).collect();
    for (i, item) in initial.into_iter().enumerate() {
        locals[i % workers].push(item);
    }
    let shared = Shared {
        stealers,
        active: AtomicUsize::new(workers),
    };
    (shared, locals)
}

impl<T> Shared<T> {
    /// The loop each worker thread runs: drain its own deque, steal when it is
    /// empty, and stop when no worker is active (see the module docs).
    ///
    /// If `process` panics (a `trace` that breaks its rule 3), the worker
    /// stops counting as active as the panic unwinds, so the others finish
    /// the remaining work and stop instead of waiting for it forever; the
    /// panic then reaches the caller of [`run`] (the heap poisons itself).
    pub fn work(&self, me: usize, worker: &Worker<T>, mut process: impl FnMut(T, &Worker<T>)) {
        /// Leaves the active count if the worker unwinds: a panic can only
        /// come from `process`, which runs while the worker is active.
        struct LeaveOnPanic<'a>(&'a AtomicUsize);
        impl Drop for LeaveOnPanic<'_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0.fetch_sub(1, Ordering::SeqCst);
                }
            }
        }
        let _leave = LeaveOnPanic(&self.active);
        loop {
            while let Some(item) = worker.local.pop().or_else(|| self.steal(me)) {
                process(item, worker);
            }
            self.active.fetch_sub(1, Ordering::SeqCst);
            loop {
                if self.stealers.iter().any(|s| !s.is_empty()) {
                    self.active.fetch_add(1, Ordering::SeqCst);
                    break;
                }
                if self.active.load(Ordering::SeqCst) == 0 {
                    return;
                }
                sync::pause();
            }
        }
    }

    /// Gives the items of worker `me`, which never started, to `to` (the
    /// calling thread's worker, not started yet either) and stops counting
    /// `me` as active: the running workers then stop without waiting for it.
    /// Its deque is empty from then on, as an idle worker's must be.
    #[cfg(not(loom))]
    fn retire(&self, me: usize, to: &Worker<T>) {
        while let Some(item) = self.stealers[me].steal() {
            to.push(item);
        }
        self.active.fetch_sub(1, Ordering::SeqCst);
    }

    fn steal(&self, me: usize) -> Option<T> {
        let n = self.stealers.len();
        (1..n).find_map(|k| self.stealers[(me + k) % n].steal())
    }
}

/// Processes `initial` and everything `process` pushes, on `threads` threads
/// (the calling thread is one of them), returning when no work is left.
/// Each worker builds its own scratch state with `state` on its own thread
/// and passes it to every `process` call it makes. If the system refuses to
/// start a thread, the work goes on with the threads already running (at
/// worst the calling thread alone).
#[cfg(not(loom))]
pub fn run<T: Send, S>(
    threads: usize,
    initial: Vec<T>,
    state: impl Fn() -> S + Sync,
    process: impl Fn(&mut S, T, &Worker<T>) + Sync,
) {
    run_spawning(threads, initial, state, process, |_| true);
}

/// [`run`], where spawning worker `me` fails when `may_spawn(me)` is
/// `false` (as if the system refused): the tests' way to reach the
/// fallback.
#[cfg(not(loom))]
fn run_spawning<T: Send, S>(
    threads: usize,
    initial: Vec<T>,
    state: impl Fn() -> S + Sync,
    process: impl Fn(&mut S, T, &Worker<T>) + Sync,
    may_spawn: impl Fn(usize) -> bool,
) {
    let (shared, workers) = setup(threads, initial);
    let (shared, state, process) = (&shared, &state, &process);
    let work = move |me: usize, worker: Worker<T>| {
        let mut scratch = state();
        shared.work(me, &worker, |item, worker| {
            process(&mut scratch, item, worker)
        });
    };
    std::thread::scope(|scope| {
        let mut workers = workers.into_iter().enumerate();
        let (_, first) = workers.next().expect("at least one worker");
        for (me, worker) in workers.by_ref() {
            let spawned = may_spawn(me)
                && std::thread::Builder::new()
                    .spawn_scoped(scope, move || work(me, worker))
                    .is_ok();
            if !spawned {
                shared.retire(me, &first);
                break;
            }
        }
        // Workers after a failed spawn are not even tried.
        for (me, _) in workers {
            shared.retire(me, &first);
        }
        work(0, first);
    });
}

/// Under `cfg(loom)`, [`run`] processes everything on the calling thread:
/// loom threads exist only inside a `loom::model`, and the loom tests drive
/// [`Shared::work`] directly. This keeps the collectors that call `run`
/// compiling in the loom build.
#[cfg(loom)]
pub fn run<T: Send, S>(
    _threads: usize,
    initial: Vec<T>,
    state: impl Fn() -> S + Sync,
    process: impl Fn(&mut S, T, &Worker<T>) + Sync,
) {
    let (shared, workers) = setup(1, initial);
    let mut scratch = state();
    for worker in &workers {
        shared.work(0, worker, |item, worker| {
            process(&mut scratch, item, worker)
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::run_spawning;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Visits a binary tree of depth 12 from its root and one more item,
    /// spread over 4 workers, when only the workers in `started` start.
    fn visit(started: &[usize]) -> usize {
        let visited = AtomicUsize::new(0);
        let expand = |_: &mut (), depth: u32, worker: &super::Worker<u32>| {
            visited.fetch_add(1, Ordering::Relaxed);
            if depth > 0 {
                worker.push(depth - 1);
                worker.push(depth - 1);
            }
        };
        run_spawning(
            4,
            vec![12, 0, 3, 0],
            || (),
            expand,
            |me| started.contains(&me),
        );
        visited.into_inner()
    }

    /// A refused thread spawn falls back to the threads already running
    /// (here: none, one, two), and every item is still processed once:
    /// before the fallback, the started workers waited forever for the
    /// missing one (the process hung).
    #[test]
    fn a_refused_spawn_falls_back_to_fewer_threads() {
        let expected = (1 << 13) - 1 + 1 + (1 << 4) - 1 + 1;
        for started in [&[][..], &[1], &[1, 2], &[1, 3], &[1, 2, 3]] {
            assert_eq!(visit(started), expected, "workers {started:?} started");
        }
    }
}
