//! Post-mortem cleanups (`docs/WEAK.md`, "Finalization";
//! [`Scope::on_death`]): each runs exactly once, after the collection that
//! finds its object dead and never before, with a scope in which it may
//! allocate, collect and register more; a panicking one stops none of the
//! others; teardown runs every one still registered. Like the rest of the
//! suite, each check takes a [`Mode`] and panics on failure.

use super::conformance::Mode;
use gc_core::model::Lock;
use gc_core::{Collector, Gc, Heap, Scope, Trace};
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

#[derive(Trace, Default)]
struct Node {
    value: u64,
    next: Gc<Node>,
}

fn heap<C: Collector>(mode: Mode) -> Heap<C> {
    Heap::new(mode.config()).expect("valid config")
}

/// A counter the cleanups bump: `runs[i]` for the cleanup registered `i`-th.
#[derive(Clone, Default)]
struct Runs(Rc<RefCell<Vec<u32>>>);

impl Runs {
    fn new(n: usize) -> Runs {
        Runs(Rc::new(RefCell::new(vec![0; n])))
    }
    fn bump(&self, i: usize) {
        self.0.borrow_mut()[i] += 1;
    }
    fn get(&self) -> Vec<u32> {
        self.0.borrow().clone()
    }
}

/// Registers a cleanup that bumps `runs[i]` for a fresh object, which is
/// garbage once this returns.
fn doomed<C: Collector>(s: &mut Scope<'_, C>, runs: &Runs, i: usize) {
    s.scope("doomed", |s| {
        let obj = s.alloc(Node {
            value: i as u64,
            ..Node::default()
        });
        let runs = runs.clone();
        s.on_death(obj, move |_| runs.bump(i));
    });
}

/// A cleanup runs once, after the collection that finds its object dead:
/// not while the object is reachable, not twice.
pub fn cleanup_runs_once_after_its_object_dies<C: Collector>(mode: Mode) {
    let runs = Runs::new(2);
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let kept = s.alloc(Node::default());
        let r = runs.clone();
        s.on_death(kept, move |_| r.bump(0));
        doomed(s, &runs, 1);
        s.collect();
        assert_eq!(runs.get(), [0, 1], "only the dead object's cleanup ran");
        for _ in 0..3 {
            s.collect();
        }
        assert_eq!(runs.get(), [0, 1], "no cleanup runs twice or early");
        let _ = s.get(kept);
    });
    assert_eq!(
        runs.get(),
        [0, 1],
        "the heap is alive, and so is the cleanup"
    );
    drop(heap);
    assert_eq!(
        runs.get(),
        [1, 1],
        "teardown ran the live object's cleanup once"
    );
}

/// The same object registered several times: every cleanup runs once.
pub fn cleanup_every_registration_runs<C: Collector>(mode: Mode) {
    let runs = Runs::new(3);
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        s.scope("obj", |s| {
            let obj = s.alloc(Node::default());
            for i in 0..3 {
                let r = runs.clone();
                s.on_death(obj, move |_| r.bump(i));
            }
        });
        s.collect();
        assert_eq!(runs.get(), [1, 1, 1]);
    });
}

/// A cleanup has a scope: it may allocate 10,000 objects (collecting as
/// it goes, at every allocation in stress mode) and make garbage cycles,
/// which later collections free.
pub fn cleanup_allocates_and_makes_garbage_cycles<C: Collector>(mode: Mode) {
    let made = Rc::new(Cell::new(0u64));
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        s.scope("obj", |s| {
            let obj = s.alloc(Node::default());
            let made = Rc::clone(&made);
            s.on_death(obj, move |s| {
                // 10,000 objects in 100 lists of 100, each summed while it
                // lives: a small live set, so stress mode's collection at
                // every allocation stays cheap.
                let mut sum = 0;
                for list in 0..100u64 {
                    s.scope("list", |s| {
                        let head = s.alloc(Node::default());
                        for i in 0..100 {
                            let node = s.alloc(Node {
                                value: list * 100 + i,
                                ..Node::default()
                            });
                            s.set(node, |n| &n.next, head);
                            s.assign(head, node);
                        }
                        let mut cursor = Some(head);
                        while let Some(node) = cursor {
                            sum += s.get(node).value;
                            cursor = s.load(node, |n| &n.next);
                        }
                    });
                }
                let a = s.alloc(Node::default());
                let b = s.alloc(Node::default());
                s.set(a, |n| &n.next, b);
                s.set(b, |n| &n.next, a);
                made.set(sum);
            });
        });
        s.collect();
        assert_eq!(
            made.get(),
            (0..10_000).sum::<u64>(),
            "the cleanup's list was intact"
        );
        s.collect();
        assert_eq!(
            s.usage().objects,
            0,
            "its list and cycle were collected later"
        );
    });
}

/// A cleanup that panics stops none of the others; the panic reaches the
/// code whose call ran the cleanups, and the heap stays usable.
pub fn cleanup_that_panics_stops_no_other<C: Collector>(mode: Mode) {
    let runs = Runs::new(3);
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        doomed(s, &runs, 0);
        s.scope("panics", |s| {
            let obj = s.alloc(Node::default());
            s.on_death(obj, |_| panic!("a cleanup panicked"));
        });
        doomed(s, &runs, 2);
        let outcome = catch_unwind(AssertUnwindSafe(|| s.collect()));
        assert!(outcome.is_err(), "the cleanup's panic reaches the caller");
        assert_eq!(runs.get(), [1, 0, 1], "the other cleanups ran");
        let obj = s.alloc(Node {
            value: 5,
            ..Node::default()
        });
        s.collect();
        assert_eq!(s.get(obj).value, 5, "the heap is usable");
    });
}

/// A cleanup that collects does not run cleanups inside itself (no
/// nesting), yet every queued cleanup runs once.
pub fn cleanup_that_collects_does_not_nest<C: Collector>(mode: Mode) {
    let depth = Rc::new(Cell::new(0u32));
    let deepest = Rc::new(Cell::new(0u32));
    let runs = Runs::new(4);
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        for i in 0..4 {
            s.scope("obj", |s| {
                let obj = s.alloc(Node::default());
                let (depth, deepest, runs) = (depth.clone(), deepest.clone(), runs.clone());
                s.on_death(obj, move |s| {
                    depth.set(depth.get() + 1);
                    deepest.set(deepest.get().max(depth.get()));
                    if i == 0 {
                        // Makes the next object's death known while draining.
                        s.collect();
                    }
                    runs.bump(i);
                    depth.set(depth.get() - 1);
                });
            });
        }
        s.collect();
        assert_eq!(runs.get(), [1, 1, 1, 1]);
        assert_eq!(deepest.get(), 1, "a cleanup ran inside another");
    });
}

/// Teardown runs every cleanup still registered exactly once, those of
/// objects the persistent roots keep included: one that keeps its own
/// object alive through a persistent root runs only then.
pub fn cleanup_at_teardown_runs_once<C: Collector>(mode: Mode) {
    let runs = Runs::new(3);
    let mut heap = heap::<C>(mode);
    let root = heap.scope("main", |s| {
        s.mutate(|m| {
            let kept = m.alloc(Lock::new(1u64));
            let root = m.persist(kept);
            let own = root.clone();
            let r = runs.clone();
            m.on_death(kept, move |_| {
                let _ = &own; // keeps its own object alive
                r.bump(0);
            });
            let r = runs.clone();
            m.on_death(kept, move |_| r.bump(1));
            root
        })
    });
    heap.scope("later", |s| {
        let obj = s.alloc(Node::default());
        let r = runs.clone();
        s.on_death(obj, move |s| {
            r.bump(2);
            s.alloc(Node::default()); // teardown cleanups may allocate too
        });
        s.collect();
    });
    assert_eq!(runs.get(), [0, 0, 0], "everything is still reachable");
    drop(heap);
    assert_eq!(runs.get(), [1, 1, 1], "teardown ran each cleanup once");
    drop(root);
}

/// Object-model cleanups ([`Mutation::on_death`](gc_core::model::Mutation::on_death))
/// run after the region whose end collected their objects.
pub fn model_cleanups_run_after_their_region<C: Collector>(mode: Mode) {
    let runs = Runs::new(8);
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        s.mutate(|m| {
            for i in 0..8 {
                let obj = m.alloc(Lock::new(i as u64));
                let r = runs.clone();
                m.on_death(obj, move |_| r.bump(i));
            }
        });
        s.collect();
        assert_eq!(runs.get(), [1; 8]);
    });
}
