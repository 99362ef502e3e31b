//! Out of memory only when the live data does not fit (issue 29): a program
//! whose live data is a small part of the capacity never runs out, however
//! many garbage cycles it drops (pairs, closure–frame pairs, cycles through
//! containers), through the handle API and inside mutation regions; and a
//! program whose live data passes the capacity gets
//! [`OutOfMemory`](gc_core::GcErrorKind::OutOfMemory) with figures that are
//! true. Like the rest of the suite, each check takes a [`Mode`] and panics
//! on failure.

use super::conformance::Mode;
use gc_core::model::{Gc as ModelGc, GcMap, GcVec, Lock, Mutation, RefLock};
use gc_core::{Collector, Gc, GcError, GcErrorKind, Heap, HeapConfig, Scope, Trace, MIN_CAPACITY};

/// The smallest heap: where a collector that leaves garbage behind runs out
/// first. In stress mode without the verifier: it walks the whole heap,
/// garbage included, after every collection, which is every allocation
/// there (the suite's other stress checks verify).
fn small_heap<C: Collector>(mode: Mode) -> Heap<C> {
    let config = HeapConfig {
        capacity: MIN_CAPACITY,
        verify: mode == Mode::Normal,
        ..mode.config()
    };
    Heap::new(config).expect("valid config")
}

/// Bytes in use now: objects and the buffers they own.
fn in_use<C: Collector>(s: &Scope<'_, C>) -> usize {
    s.usage().bytes + s.stats().external_bytes
}

/// How many times over the capacity the garbage programs allocate: enough
/// that a collector that kept the cycles would run out many times over.
fn rounds(mode: Mode) -> usize {
    mode.size(16, 2)
}

/// Handle-API objects for the cycles.
#[derive(Trace, Default)]
struct Cell2 {
    next: Gc<Cell2>,
    value: u64,
}

#[derive(Trace, Default)]
struct Closure {
    env: Gc<Frame>,
    code: u64,
}

#[derive(Trace, Default)]
struct Frame {
    closure: Gc<Closure>,
    vars: [u64; 2],
}

#[derive(Trace, Default)]
struct Node {
    kids: Vec<Gc<Node>>,
}

/// One round of handle-API garbage: a pair cycle, a closure–frame cycle
/// and a node that holds itself through its `Vec`; `Err` if it ran out.
fn handle_garbage<C: Collector>(s: &mut Scope<'_, C>, i: u64) -> Result<(), GcError> {
    s.scope("garbage", |s| {
        let a = s.try_alloc(Cell2 {
            next: Gc::null(),
            value: i,
        })?;
        let b = s.try_alloc(Cell2::default())?;
        s.set(a, |c| &c.next, b);
        s.set(b, |c| &c.next, a);
        let closure = s.try_alloc(Closure::default())?;
        let frame = s.try_alloc(Frame::default())?;
        s.set(closure, |c| &c.env, frame);
        s.set(frame, |f| &f.closure, closure);
        let node = s.try_alloc(Node {
            kids: vec![Gc::null()],
        })?;
        s.set(node, |n| &n.kids[0], node);
        Ok(())
    })
}

/// Through the handle API, a program with a few KiB live that drops cycles
/// totalling many times the capacity never runs out of memory.
pub fn oom_garbage_cycles_fit_through_handles<C: Collector>(mode: Mode) {
    let mut heap = small_heap::<C>(mode);
    heap.scope("main", |s| {
        let live = s.alloc(Cell2::default());
        for value in 0..32 {
            let cell = s.alloc(Cell2 {
                next: Gc::null(),
                value,
            });
            s.set(cell, |c| &c.next, live);
            s.assign(live, cell);
        }
        let mut i = 0;
        while (s.stats().allocated_bytes as usize) < rounds(mode) * MIN_CAPACITY {
            if let Err(error) = handle_garbage(s, i) {
                panic!("round {i}: {error}");
            }
            i += 1;
        }
        s.collect();
        assert!(
            in_use(s) < 16 << 10,
            "live after the garbage: {}",
            in_use(s)
        );
        let mut cursor = Some(live);
        let mut length = 0;
        while let Some(cell) = cursor {
            length += 1;
            cursor = s.load(cell, |c| &c.next);
        }
        assert_eq!(length, 33, "the live list survived whole");
    });
}

/// Model objects for the cycles.
#[derive(Trace)]
struct Pair<'gc> {
    car: Lock<Option<ModelGc<'gc, Pair<'gc>>>>,
    cdr: Lock<Option<ModelGc<'gc, Pair<'gc>>>>,
}

#[derive(Trace)]
struct Lambda<'gc> {
    env: Lock<Option<ModelGc<'gc, Env<'gc>>>>,
}

#[derive(Trace)]
struct Env<'gc> {
    lambda: Lock<Option<ModelGc<'gc, Lambda<'gc>>>>,
    vars: RefLock<GcVec<'gc, u64>>,
}

#[derive(Trace)]
struct Table<'gc> {
    items: RefLock<GcVec<'gc, Option<ModelGc<'gc, Table<'gc>>>>>,
    map: RefLock<GcMap<'gc, u64, ModelGc<'gc, Table<'gc>>>>,
}

fn pair<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>) -> Result<ModelGc<'gc, Pair<'gc>>, GcError> {
    m.try_alloc(Pair {
        car: Lock::new(None),
        cdr: Lock::new(None),
    })
}

fn table<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>) -> Result<ModelGc<'gc, Table<'gc>>, GcError> {
    m.try_alloc(Table {
        items: RefLock::new(GcVec::new(m)),
        map: RefLock::new(GcMap::new(m)),
    })
}

/// One round of model garbage: a pair that holds itself, a two-pair cycle,
/// a closure–frame cycle (the frame's variables in a `GcVec`), and two
/// tables that hold each other through a `GcVec` and a `GcMap`.
fn model_garbage<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, i: u64) -> Result<(), GcError> {
    let p = pair(m)?;
    m.write(p).project(|p| &p.cdr).set(Some(p));
    let (a, b) = (pair(m)?, pair(m)?);
    m.write(a).project(|p| &p.cdr).set(Some(b));
    m.write(b).project(|p| &p.car).set(Some(a));
    let lambda = m.try_alloc(Lambda {
        env: Lock::new(None),
    })?;
    let env = m.try_alloc(Env {
        lambda: Lock::new(Some(lambda)),
        vars: RefLock::new(GcVec::try_with_capacity(m, 4)?),
    })?;
    m.write(env).project(|e| &e.vars).borrow_mut().try_push(i)?;
    m.write(lambda).project(|l| &l.env).set(Some(env));
    let (t, u) = (table(m)?, table(m)?);
    m.write(t)
        .project(|t| &t.items)
        .borrow_mut()
        .try_push(Some(u))?;
    m.write(u)
        .project(|t| &t.map)
        .borrow_mut()
        .try_insert(m, i, t)?;
    Ok(())
}

/// Inside mutation regions, a program with a few KiB live that drops cycles
/// totalling many times the capacity never runs out of memory: whether its
/// regions end when a collection comes due (an interpreter's step loop) or
/// after a fixed number of rounds.
pub fn oom_garbage_cycles_fit_in_regions<C: Collector>(mode: Mode) {
    for until_due in [true, false] {
        let mut heap = small_heap::<C>(mode);
        heap.scope("main", |s| {
            let live = s.mutate(|m| {
                let live = table(m).expect("room for the first table");
                for i in 0..16 {
                    let t = table(m).expect("room for the live tables");
                    m.write(live)
                        .project(|t| &t.map)
                        .borrow_mut()
                        .insert(m, i, t);
                }
                m.root(live)
            });
            let mut i = 0;
            while (s.stats().allocated_bytes as usize) < rounds(mode) * MIN_CAPACITY {
                let result = s.mutate(|m| {
                    for _ in 0..32 {
                        model_garbage(m, i)?;
                        i += 1;
                        if until_due && m.collection_due() {
                            break;
                        }
                    }
                    Ok::<(), GcError>(())
                });
                if let Err(error) = result {
                    panic!("ending regions when due: {until_due}; round {i}: {error}");
                }
            }
            s.collect();
            assert!(
                in_use(s) < 16 << 10,
                "live after the garbage: {}",
                in_use(s)
            );
            let kept = s.mutate(|m| m.get(live).map.borrow().len());
            assert_eq!(kept, 16, "the live tables survived");
        });
    }
}

/// An object whose size is not a size class: 1,056 bytes, which a free
/// list keeps in 1,280-byte cells.
#[derive(Trace)]
struct Chunk {
    next: Gc<Chunk>,
    data: [u64; 129],
}

#[derive(Trace)]
struct ModelChunk<'gc> {
    next: Option<ModelGc<'gc, ModelChunk<'gc>>>,
    data: [u64; 129],
}

#[derive(Trace)]
struct Hoard<'gc> {
    chunks: Lock<Option<ModelGc<'gc, ModelChunk<'gc>>>>,
    buffers: RefLock<GcVec<'gc, GcVec<'gc, u64>>>,
}

/// The kind of an out-of-memory error, or a panic naming what came instead.
fn out_of_memory(error: &GcError) -> (usize, usize, usize, bool) {
    match *error.kind() {
        GcErrorKind::OutOfMemory {
            requested,
            limit,
            in_use,
            collected,
        } => (requested, limit, in_use, collected),
        _ => panic!("expected OutOfMemory, got {error:?}"),
    }
}

/// A program whose live data passes the capacity gets `OutOfMemory`, with
/// true figures. Through the handle API, after a full collection: its
/// `in_use` is what that collection left live (the next full collection
/// finds exactly as much). Inside a region, where nothing collects, it says
/// so, and its `in_use` (the bytes taken) bounds what the heap holds and
/// stays within the limit, objects counted as the cells they take (1,056
/// bytes in 1,280-byte cells here) beside buffers.
pub fn oom_live_data_past_capacity_is_a_true_error<C: Collector>(mode: Mode) {
    let mut heap = small_heap::<C>(mode);
    heap.scope("handles", |s| {
        let head = s.alloc(Chunk {
            next: Gc::null(),
            data: [0; 129],
        });
        let error = loop {
            match s.try_alloc(Chunk {
                next: Gc::null(),
                data: [1; 129],
            }) {
                Ok(chunk) => {
                    s.set(chunk, |c| &c.next, head);
                    s.assign(head, chunk);
                }
                Err(error) => break error,
            }
        };
        let (requested, limit, reported, collected) = out_of_memory(&error);
        assert_eq!((requested, limit), (1056, MIN_CAPACITY));
        assert!(collected, "{error}");
        assert!(error
            .to_string()
            .contains("still live after a full collection"));
        assert!(reported <= limit, "{error}");
        s.collect();
        assert_eq!(reported, in_use(s), "{error}");
    });
    let mut heap = small_heap::<C>(mode);
    heap.scope("region", |s| {
        let hoard = s.mutate(|m| {
            m.root(m.alloc(Hoard {
                chunks: Lock::new(None),
                buffers: RefLock::new(GcVec::new(m)),
            }))
        });
        // A quarter of the capacity in buffers, the rest in chunks.
        s.mutate(|m| {
            let buffer = GcVec::try_with_capacity(m, MIN_CAPACITY / 4 / 8).expect("room");
            m.write(m.get(hoard))
                .project(|h| &h.buffers)
                .borrow_mut()
                .push(buffer);
        });
        let error = loop {
            let result = s.mutate(|m| {
                let hoard = m.get(hoard);
                for _ in 0..64 {
                    let next = hoard.chunks.get();
                    let chunk = m.try_alloc(ModelChunk {
                        next,
                        data: [2; 129],
                    })?;
                    m.write(hoard).project(|h| &h.chunks).set(Some(chunk));
                    if m.collection_due() {
                        break;
                    }
                }
                Ok::<(), GcError>(())
            });
            if let Err(error) = result {
                break error;
            }
        };
        let (requested, limit, taken, collected) = out_of_memory(&error);
        assert_eq!((requested, limit), (1056, MIN_CAPACITY));
        assert!(!collected, "{error}");
        let message = error.to_string();
        assert!(message.contains("inside a mutation region"), "{message}");
        assert!(!message.contains("after a full collection"), "{message}");
        assert!(taken <= limit, "{error}");
        // The region's end collected (everything is rooted): what the heap
        // holds is within what the error said was taken.
        let held = in_use(s);
        assert!(held <= taken && held <= limit, "{held} held; {error}");
    });
}

/// A region that runs out because garbage from before it fills the heap
/// (garbage below the trigger, so no collection was due) gets its
/// out-of-memory error without a collection; its end then collects, and
/// [`Scope::mutate_retrying`] runs it again, which fits. In normal mode the
/// same region run once with `mutate` is shown to fail, so the retry is
/// what made it fit (stress mode collects at every region's end and never
/// leaves the garbage there).
pub fn oom_regions_retried_after_their_collection_fit<C: Collector>(mode: Mode) {
    const BLOCK: usize = 500; // 4,000-byte objects
    let heap = |mode: Mode| {
        let config = HeapConfig {
            capacity: 2 * MIN_CAPACITY,
            initial_trigger: 2 * MIN_CAPACITY,
            ..mode.config()
        };
        Heap::<C>::new(config).expect("valid config")
    };
    // Garbage worth three quarters of what the backend holds (copying: one
    // semispace), allocated while the budget lasts (no collection runs),
    // then a region that keeps two fifths of it.
    let objects = C::object_capacity(&HeapConfig {
        capacity: 2 * MIN_CAPACITY,
        ..HeapConfig::default()
    });
    let kept_blocks = (2 * objects / 5) / (8 * BLOCK);
    let fill = |s: &mut Scope<'_, C>| {
        s.scope("garbage", |s| {
            for _ in 0..(3 * objects / 4) / (8 * BLOCK) {
                if s.stats().collections > 0 {
                    break;
                }
                s.alloc([0u64; BLOCK]);
            }
        });
    };
    type Kept<'gc> = RefLock<GcVec<'gc, ModelGc<'gc, [u64; BLOCK]>>>;
    fn keep<'gc, C: Collector>(
        m: &Mutation<'_, 'gc, C>,
        blocks: usize,
    ) -> Result<ModelGc<'gc, Kept<'gc>>, GcError> {
        let mut kept = GcVec::new(m);
        for i in 0..blocks {
            kept.try_push(m.try_alloc([i as u64; BLOCK])?)?;
        }
        m.try_alloc(RefLock::new(kept))
    }
    let mut once = heap(mode);
    let once_result = once.scope("once", |s| {
        fill(s);
        let before = s.stats().collections;
        let result = s.mutate(|m| keep(m, kept_blocks).map(|_| ()));
        (result, before)
    });
    if mode == Mode::Normal {
        let (result, before) = once_result;
        assert_eq!(before, 0, "the garbage was left uncollected");
        let error = result.expect_err("run once, the region does not fit beside the garbage");
        assert!(
            matches!(
                error.kind(),
                GcErrorKind::OutOfMemory {
                    collected: false,
                    ..
                }
            ),
            "{error}"
        );
    }
    let mut retried = heap(mode);
    retried.scope("retried", |s| {
        fill(s);
        let kept = s
            .mutate_retrying(|m| keep(m, kept_blocks).map(|kept| m.root(kept)))
            .expect("run again after its collection, the region fits");
        s.collect();
        let sum: u64 = s.mutate(|m| m.get(kept).borrow().iter().map(|b| b[0]).sum());
        let n = kept_blocks as u64;
        assert_eq!(sum, n * (n - 1) / 2, "the kept blocks are intact");
    });
}
