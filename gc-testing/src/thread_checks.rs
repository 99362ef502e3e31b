//! Sendable heaps ([`Sendable`]): a heap with live objects (a linked list,
//! a [`GcVec`], a [`GcMap`], persistent roots, handle-API objects) moves to
//! other threads and back and is used on each; every destructor runs
//! exactly once, on whichever thread holds the heap. Each check takes a
//! [`Mode`] and panics on failure, like the rest of the suite.

use super::conformance::Mode;
use super::{DropCounter, Drops};
use gc_core::model::{Gc, GcMap, GcVec, Lock, Mutation, Persistent, RefLock};
use gc_core::{Heap, SendCollector, Sendable, Trace};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

/// A counted node of a linked list.
#[derive(Trace)]
pub struct Link<'gc> {
    /// The node's id, also its drop counter's.
    pub id: u32,
    /// Records the drop.
    pub counter: DropCounter,
    /// The next node.
    pub next: Lock<Option<Gc<'gc, Link<'gc>>>>,
}

/// Everything the checks keep alive through one persistent root.
#[derive(Trace)]
pub struct World<'gc> {
    /// The head of a linked list.
    pub list: RefLock<Option<Gc<'gc, Link<'gc>>>>,
    /// A vector of nodes.
    pub items: RefLock<GcVec<'gc, Gc<'gc, Link<'gc>>>>,
    /// Nodes by id.
    pub index: RefLock<GcMap<'gc, u32, Gc<'gc, Link<'gc>>>>,
}

type SendHeap<C> = Heap<C, Sendable>;
type M<'m, 's, 'gc, C> = &'m Mutation<'s, 'gc, C, Sendable>;

fn link<'gc, C: SendCollector>(
    m: M<'_, '_, 'gc, C>,
    drops: &Drops,
    id: u32,
    next: Option<Gc<'gc, Link<'gc>>>,
) -> Gc<'gc, Link<'gc>> {
    m.alloc(Link {
        id,
        counter: drops.counter(id),
        next: Lock::new(next),
    })
}

/// A list of the nodes `ids`, first id at the head.
fn list<'gc, C: SendCollector>(
    m: M<'_, '_, 'gc, C>,
    drops: &Drops,
    ids: std::ops::Range<u32>,
) -> Option<Gc<'gc, Link<'gc>>> {
    ids.rev()
        .fold(None, |next, id| Some(link(m, drops, id, next)))
}

fn list_ids<'gc>(head: Option<Gc<'gc, Link<'gc>>>) -> Vec<u32> {
    std::iter::successors(head, |node| node.next.get())
        .map(|node| node.id)
        .collect()
}

/// Runs `f` with the heap on a new thread, and returns the heap.
fn on_thread<T: Send + 'static, C: SendCollector + 'static>(
    heap: SendHeap<C>,
    keep: T,
    f: impl FnOnce(&mut SendHeap<C>, &T) + Send + 'static,
) -> (SendHeap<C>, T) {
    thread::spawn(move || {
        let mut heap = heap;
        f(&mut heap, &keep);
        (heap, keep)
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Panics unless exactly the ids in `dead` were dropped, each once.
fn assert_dropped(drops: &Drops, total: u32, dead: impl Fn(u32) -> bool) {
    drops.assert_no_double_drop();
    for id in 0..total {
        let expected = usize::from(dead(id));
        assert_eq!(drops.count(id), expected, "drops of object {id}");
    }
}

/// A heap holding a list, a vector, a map and garbage, reachable from a
/// persistent root, is built on this thread, moved to another, used there
/// (read, changed, allocated into, collected), moved back and dropped:
/// each object is dropped exactly once, when it becomes garbage or at
/// teardown, and what stays reachable keeps its values on every thread.
pub fn threads_heap_moves_with_live_objects<C: SendCollector + 'static>(mode: Mode) {
    let n = mode.size(200, 40) as u32;
    let drops = Drops::default();
    let mut heap = SendHeap::<C>::new(mode.config()).expect("valid config");
    // Ids: list 0..n, vector n..2n, map 2n..3n, garbage 3n..4n; later the
    // worker adds 4n..5n to the vector; 5n is held by a root of its own.
    let total = 5 * n + 1;
    let (world, lone): (
        Persistent<World<'static>, Sendable>,
        Persistent<Link<'static>, _>,
    ) = heap.scope("build", |s| {
        s.mutate(|m| {
            let world = m.alloc(World {
                list: RefLock::new(list(m, &drops, 0..n)),
                items: RefLock::new(GcVec::new(m)),
                index: RefLock::new(GcMap::new(m)),
            });
            for id in n..2 * n {
                let node = link(m, &drops, id, None);
                m.write(world).project(|w| &w.items).borrow_mut().push(node);
            }
            for id in 2 * n..3 * n {
                let node = link(m, &drops, id, None);
                m.write(world)
                    .project(|w| &w.index)
                    .borrow_mut()
                    .insert(m, id, node);
            }
            list(m, &drops, 3 * n..4 * n); // garbage
            (m.persist(world), m.persist(link(m, &drops, 5 * n, None)))
        })
    });
    heap.scope("collect", |s| s.collect());
    assert_dropped(&drops, total, |id| (3 * n..4 * n).contains(&id));
    // A persistent root alone goes to another thread and is dropped there:
    // its object is garbage at the next collection.
    thread::spawn(move || drop(lone)).join().expect("dropped");
    heap.scope("collect", |s| s.collect());
    let dead_before_worker = |id: u32| (3 * n..4 * n).contains(&id) || id == 5 * n;
    assert_dropped(&drops, total, dead_before_worker);

    let worker_drops = drops.clone();
    let (mut heap, world) = on_thread(heap, world, move |heap, world| {
        heap.scope("worker", |s| {
            s.mutate(|m| {
                let w = m.persistent(world);
                assert_eq!(list_ids(*w.list.borrow()), (0..n).collect::<Vec<_>>());
                let items: Vec<u32> = w.items.borrow().iter().map(|l| l.id).collect();
                assert_eq!(items, (n..2 * n).collect::<Vec<_>>());
                for id in 2 * n..3 * n {
                    assert_eq!(w.index.borrow().get(m, &id).map(|l| l.id), Some(id));
                }
                // Cut the list in half, drop half the map, grow the vector.
                let last = std::iter::successors(*w.list.borrow(), |l| l.next.get())
                    .nth(n as usize / 2 - 1)
                    .expect("the list has n nodes");
                m.write(last).project(|l| &l.next).set(None);
                let write = m.write(w);
                let mut index = write.project(|w| &w.index).borrow_mut();
                for id in (2 * n..3 * n).filter(|id| id.is_multiple_of(2)) {
                    assert!(index.remove(m, &id).is_some());
                }
                drop(index);
                for id in 4 * n..5 * n {
                    let node = link(m, &worker_drops, id, None);
                    write.project(|w| &w.items).borrow_mut().push(node);
                }
            });
            s.collect();
            // The world, half the list, the vector's 2n nodes, half the map.
            let live = 1 + n / 2 + 2 * n + n / 2;
            assert_eq!(
                s.usage().objects as u32,
                live,
                "exactly the reachable objects"
            );
        });
    });
    let half = n / 2;
    let dead_after_worker = |id: u32| {
        dead_before_worker(id)
            || (half..n).contains(&id)
            || ((2 * n..3 * n).contains(&id) && id.is_multiple_of(2))
    };
    assert_dropped(&drops, total, dead_after_worker);

    // Back on this thread: everything reachable is intact after a collection.
    heap.scope("check", |s| {
        s.collect();
        s.mutate(|m| {
            let w = m.persistent(&world);
            assert_eq!(list_ids(*w.list.borrow()), (0..half).collect::<Vec<_>>());
            assert_eq!(w.items.borrow().len() as u32, 2 * n);
            assert_eq!(w.index.borrow().len() as u32, n / 2);
        });
    });
    assert_dropped(&drops, total, dead_after_worker);
    drop(heap);
    assert_dropped(&drops, total, |_| true);
    drop(world); // a handle that outlived its heap: dropping it is harmless
}

/// Several sendable heaps work at once, one per thread (an interpreter per
/// worker), with the handle API and the object model, a `Send` collection
/// callback each, and move back to be dropped: each heap's objects are
/// dropped exactly once and each callback saw its own heap's collections.
pub fn threads_heaps_work_in_parallel<C: SendCollector + 'static>(mode: Mode) {
    let workers = 3u32;
    let per = mode.size(300, 30) as u32;
    let drops = Drops::default();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let mut heap = SendHeap::<C>::new(mode.config()).expect("valid config");
            let collections = Arc::new(AtomicU64::new(0));
            let seen = Arc::clone(&collections);
            heap.on_collection(move |_| {
                seen.fetch_add(1, Ordering::Relaxed);
            });
            let drops = drops.clone();
            thread::spawn(move || {
                let first = w * per;
                heap.scope("worker", |s| {
                    // Handle API: a chain of counted objects, half of it cut off.
                    let counted = |id: u32| super::conformance::Counted {
                        counter: drops.counter(id),
                        next: gc_core::Gc::null(),
                        payload: vec![u64::from(id); 4],
                    };
                    let head = s.scope_escaping("build", |b| {
                        let head = b.alloc(counted(first));
                        let tail = b.root(head); // re-pointed along the chain
                        for id in first + 1..first + per {
                            let next = b.alloc(counted(id));
                            b.set(tail, |c| &c.next, next);
                            b.assign(tail, next);
                        }
                        head
                    });
                    let middle = (0..per / 2).fold(head, |at, _| {
                        s.load(at, |c| &c.next).expect("the chain is whole")
                    });
                    s.clear(middle, |c| &c.next);
                    s.collect();
                    let mut length = 0;
                    let mut cursor = Some(head);
                    while let Some(at) = cursor {
                        assert_eq!(s.get(at).payload[0], u64::from(first + length));
                        length += 1;
                        cursor = s.load(at, |c| &c.next);
                    }
                    assert_eq!(length, per / 2 + 1);
                });
                (heap, collections)
            })
        })
        .collect();
    let heaps: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
        .collect();
    let kept = |id: u32| id % per <= per / 2;
    assert_dropped(&drops, workers * per, |id| !kept(id));
    for (heap, collections) in heaps {
        assert_eq!(
            collections.load(Ordering::Relaxed),
            heap.stats().collections,
            "the callback ran once per collection of its own heap"
        );
        drop(heap);
    }
    assert_dropped(&drops, workers * per, |_| true);
}
