//! Resource checks: what a program costs in memory and work follows what it
//! uses, never a setting or the size of an unrelated object. Like the rest
//! of the suite, each takes a [`Mode`] and panics on failure, and every
//! backend runs them (normal and stress).
//!
//! Work is counted, not timed (a trace visit counter, `visits`); resident
//! memory is read from `/proc/self/statm` as a delta around one operation,
//! the smallest of a few tries: a test running beside it in the same
//! process that allocates can only make a try look worse, so it cannot fail
//! the check alone. One that frees a lot could hide growth; the checks here
//! that move the most memory hold a lock so they never overlap one another
//! (speed goals live in the criterion benches).

use super::conformance::Mode;
use gc_core::model::{Gc, GcVec, Lock, RefLock};
use gc_core::{Collector, GcErrorKind, Heap, HeapConfig, Rebrand, Trace, Tracer};
use std::cell::Cell;

thread_local! {
    /// Trace calls on [`Visit`] and [`HandleVisit`] values in this thread.
    static VISITS: Cell<usize> = const { Cell::new(0) };
}

/// Trace calls counted so far in this thread.
fn visits() -> usize {
    VISITS.with(Cell::get)
}

fn visit() {
    VISITS.with(|v| v.set(v.get() + 1));
}

/// An object-model element whose trace counts its calls.
#[derive(Clone, Copy)]
pub struct Visit<'gc>(pub Gc<'gc, u64>);

// SAFETY: reports its one pointer, like `Gc`'s own implementation.
unsafe impl Trace for Visit<'_> {
    const NEEDS_TRACE: bool = true;
    const MODEL_POINTERS: bool = true;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, tracer: &mut Tracer) {
        visit();
        self.0.trace(tracer);
    }
}

// SAFETY: the same value with its brand replaced.
unsafe impl<'a> Rebrand<'a> for Visit<'_> {
    type Output = Visit<'a>;
}

/// A handle-API element whose trace counts its calls.
pub struct HandleVisit(pub gc_core::Gc<u64>);

// SAFETY: reports its one pointer, like `Gc`'s own implementation.
unsafe impl Trace for HandleVisit {
    const NEEDS_TRACE: bool = true;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = true;
    fn trace(&self, tracer: &mut Tracer) {
        visit();
        self.0.trace(tracer);
    }
}

// SAFETY: no brand to replace.
unsafe impl<'a> Rebrand<'a> for HandleVisit {
    type Output = HandleVisit;
}

fn heap<C: Collector>(mode: Mode) -> Heap<C> {
    Heap::new(mode.config()).expect("valid config")
}

/// Elements of the big target object in the store checks.
const TARGET_LEN: usize = 2_000;
/// Objects that store a pointer to it.
const OWNERS: usize = 100;

/// Fails if `work` element traces passed [`store_work_bound`].
fn assert_store_work(work: usize) {
    assert!(
        work <= store_work_bound(),
        "{OWNERS} stores of a pointer to a {TARGET_LEN}-element object and one \
         collection traced {work} elements (at most {} allowed): a store traces its target",
        store_work_bound()
    );
}

/// The trace work the stores and one collection may cost: a few traces of
/// the target per collection (marking, the verifier, the phases of trial
/// deletion: 5 on reference counting), nothing per store.
fn store_work_bound() -> usize {
    8 * TARGET_LEN
}

/// Stores of a pointer to an object that holds a 2,000-element vector, made
/// through the object model into 100 objects the heap already refers to,
/// cost no trace of the target each: the stores and the collection that
/// counts them trace its elements a few times in all (a tracing backend
/// marks it once; reference counting's replay must not trace it per store).
pub fn resources_model_store_cost_is_independent_of_the_target<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Owner<'gc> {
        target: Lock<Option<Gc<'gc, RefLock<GcVec<'gc, Visit<'gc>>>>>>,
    }
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let (target, owners) = s.mutate(|m| {
            let leaf = m.alloc(7u64);
            let mut items = GcVec::new(m);
            for _ in 0..TARGET_LEN {
                items.push(Visit(leaf));
            }
            let target = m.alloc(RefLock::new(items));
            let mut owners = GcVec::new(m);
            for _ in 0..OWNERS {
                owners.push(m.alloc(Owner {
                    target: Lock::new(None),
                }));
            }
            (m.root(target), m.root(m.alloc(owners)))
        });
        // The owners are referred to from the heap (the vector) and known
        // to every backend's books before the stores.
        s.collect();
        let before = visits();
        s.mutate(|m| {
            let target = m.get(target);
            for &owner in m.get(owners).iter() {
                m.write(owner).project(|o| &o.target).set(Some(target));
            }
        });
        s.collect();
        assert_store_work(visits() - before);
        s.mutate(|m| assert_eq!(m.get(target).borrow().len(), TARGET_LEN));
    });
}

/// The same through the handle API: 100 stores with [`Scope::set`](gc_core::Scope::set)
/// of a pointer to an object that holds a 2,000-element vector, into
/// objects other objects refer to, trace its elements a few times in all.
pub fn resources_handle_store_cost_is_independent_of_the_target<C: Collector>(mode: Mode) {
    #[derive(Trace, Default)]
    struct Owner {
        next: gc_core::Gc<Owner>,
        target: gc_core::Gc<Big>,
    }
    #[derive(Trace)]
    struct Big {
        items: Vec<HandleVisit>,
    }
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let leaf = s.alloc(7u64);
        let items = (0..TARGET_LEN)
            .map(|_| HandleVisit(gc_core::Gc::null()))
            .collect();
        let target = s.alloc(Big { items });
        for i in 0..TARGET_LEN {
            s.set(target, |b| &b.items[i].0, leaf);
        }
        // A chain of owners, so that each but the first is referred to.
        let head = s.alloc(Owner::default());
        let cursor = s.root(head);
        for _ in 1..OWNERS {
            s.scope("owner", |t| {
                let owner = t.alloc(Owner::default());
                t.set(cursor, |o| &o.next, owner);
                t.assign(cursor, owner);
            });
        }
        s.collect();
        let before = visits();
        s.assign(cursor, head);
        for _ in 0..OWNERS {
            s.set(cursor, |o| &o.target, target);
            s.scope("next", |t| {
                if let Some(next) = t.load(cursor, |o| &o.next) {
                    t.assign(cursor, next);
                }
            });
        }
        s.collect();
        assert_store_work(visits() - before);
        assert_eq!(s.get(target).items.len(), TARGET_LEN);
    });
}

/// Resident bytes of this process (`/proc/self/statm`), or `None` where
/// there is no such file.
fn resident_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * gc_core::os::page_size())
}

/// Tries of a resident-memory measurement; the smallest growth counts.
const TRIES: usize = 3;

/// Held by every resident-memory check, so that none measures while
/// another frees (a heap of one dropped inside another's window would hide
/// the growth that one is looking for).
static RESIDENT: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn resident_lock() -> std::sync::MutexGuard<'static, ()> {
    RESIDENT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The most a check lets resident memory grow: "a few MiB".
const FEW_MIB: usize = 8 << 20;

/// How much resident memory `f` adds (it returns the resident bytes at the
/// moment that counts), the least of [`TRIES`] runs, or `None` where it
/// cannot be read.
fn resident_growth(mut f: impl FnMut() -> usize) -> Option<usize> {
    let _lock = resident_lock();
    (0..TRIES)
        .map(|_| {
            let before = resident_bytes()?;
            let during = f();
            Some(during.saturating_sub(before))
        })
        .min()?
}

/// A heap with large settings (1 GiB capacity, a 512 MiB first trigger
/// and headroom) that holds a few objects commits what they use, not what
/// the settings allow: resident memory after `Heap::new`, a thousand
/// allocations and two collections grows by less than a few MiB.
pub fn resources_heap_commits_what_it_uses_not_its_settings<C: Collector>(mode: Mode) {
    let config = HeapConfig {
        capacity: 1 << 30,
        initial_trigger: 512 << 20,
        max_headroom: 512 << 20,
        ..mode.config()
    };
    let growth = resident_growth(|| {
        let mut heap = Heap::<C>::new(config.clone()).expect("valid config");
        heap.scope("main", |s| {
            let kept = s.alloc(0u64);
            for i in 0..mode.size(1_000, 100) {
                s.scope("garbage", |t| {
                    t.alloc(i as u64);
                });
            }
            s.collect();
            s.collect();
            assert_eq!(*s.get(kept), 0);
        });
        resident_bytes().unwrap_or(0)
    });
    if let Some(growth) = growth {
        assert!(
            growth < FEW_MIB,
            "a heap of a few objects made the process {growth} bytes larger \
             (at most {FEW_MIB} allowed): memory follows a setting, not use"
        );
    }
}

/// An empty container with room for 256 MiB commits nothing: resident
/// memory grows by less than a few MiB while it lives.
pub fn resources_empty_reservations_commit_nothing<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let growth = resident_growth(|| {
            s.mutate(|m| {
                let vector = GcVec::<u8>::try_with_capacity(m, 256 << 20).expect("within capacity");
                assert!(vector.capacity() >= 256 << 20);
                resident_bytes().unwrap_or(0)
            })
        });
        if let Some(growth) = growth {
            assert!(
                growth < FEW_MIB,
                "an empty vector with room for 256 MiB made the process {growth} bytes \
                 larger (at most {FEW_MIB} allowed)"
            );
        }
    });
}

/// A container reservation far beyond what the machine can back (1 TiB,
/// in a heap whose capacity allows it) is a typed error, or commits
/// nothing; it never commits memory the machine does not have.
pub fn resources_reservations_beyond_the_machine_are_errors<C: Collector>(mode: Mode) {
    let config = HeapConfig {
        capacity: 4 << 40,
        ..mode.config()
    };
    // A heap reserves its capacity's address space: the system may refuse
    // that already, and must say so.
    let mut heap = match Heap::<C>::new(config) {
        Ok(heap) => heap,
        Err(error) => {
            assert!(
                matches!(error.kind(), GcErrorKind::InvalidConfig(_)),
                "{error}"
            );
            return;
        }
    };
    heap.scope("main", |s| {
        let _lock = resident_lock();
        let before = resident_bytes();
        s.mutate(|m| match GcVec::<u8>::try_with_capacity(m, 1 << 40) {
            Ok(vector) => assert!(vector.capacity() >= 1 << 40),
            Err(error) => assert!(
                matches!(error.kind(), GcErrorKind::SystemMemory { .. }),
                "{error}"
            ),
        });
        if let (Some(before), Some(after)) = (before, resident_bytes()) {
            let growth = after.saturating_sub(before);
            assert!(
                growth < 64 << 20,
                "a refused reservation committed {growth} bytes"
            );
        }
    });
}

/// Memory that containers freed serves buffers of any other size: a heap
/// of 4 MiB filled with 16-byte buffers, all freed, then gives buffers of
/// 104 bytes, 3 KiB and 1 MiB; filled with 800-byte ones, 16 bytes and the
/// others.
pub fn resources_freed_container_memory_serves_any_size<C: Collector>(mode: Mode) {
    let capacity = 4 << 20;
    let config = HeapConfig {
        capacity,
        ..mode.config()
    };
    let mut heap = Heap::<C>::new(config).expect("valid config");
    heap.scope("main", |s| {
        // Lengths in u64: 16 and 800 bytes, then 104 bytes, 3 KiB, 1 MiB.
        for (fill, others) in [
            (2usize, [13usize, 384, 128 << 10]),
            (100, [2, 384, 128 << 10]),
        ] {
            let filled = s.mutate(|m| {
                let mut buffers = Vec::new();
                while let Ok(buffer) = GcVec::<u64>::try_with_capacity(m, fill) {
                    buffers.push(buffer);
                }
                buffers.len()
            });
            let bytes = filled * fill * size_of::<u64>();
            assert!(
                bytes >= capacity / 4,
                "{filled} buffers of {fill} u64 ({bytes} bytes) filled a {capacity}-byte heap"
            );
            s.collect();
            assert_eq!(s.stats().external_bytes, 0, "every buffer was freed");
            for len in others {
                s.mutate(|m| {
                    if let Err(error) = GcVec::<u64>::try_with_capacity(m, len) {
                        panic!(
                            "after {filled} buffers of {fill} u64 were freed, one of {len} \
                             failed: {error}"
                        );
                    }
                });
            }
            s.collect();
        }
    });
}

/// A handle-API object whose trace counts its calls: a vector of pointers.
pub struct CountedArray {
    /// The elements.
    pub items: Vec<gc_core::Gc<u64>>,
}

// SAFETY: reports every element, like the derive would.
unsafe impl Trace for CountedArray {
    const NEEDS_TRACE: bool = true;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = true;
    fn trace(&self, tracer: &mut Tracer) {
        visit();
        self.items.trace(tracer);
    }
}

// SAFETY: no brand to replace.
unsafe impl<'a> Rebrand<'a> for CountedArray {
    type Output = CountedArray;
}

/// Handle-API stores into a 100,000-element `Vec<Gc<_>>` field with
/// [`Scope::set_at`](gc_core::Scope::set_at) trace the object zero times
/// (`Scope::set` through the vector traces it once per store), and every
/// store, load and clear lands in its element.
pub fn resources_handle_vector_stores_do_not_trace_the_object<C: Collector>(mode: Mode) {
    let len = mode.size(100_000, 10_000);
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let items = (0..len).map(|_| gc_core::Gc::null()).collect();
        let array = s.alloc(CountedArray { items });
        let value = s.alloc(7u64);
        let before = visits();
        for index in (0..len).step_by(len / 1_000) {
            s.set_at(array, |a| &a.items, index, value);
        }
        s.clear_at(array, |a| &a.items, 0);
        let work = visits() - before;
        assert_eq!(
            work, 0,
            "1,000 stores into a {len}-element vector traced it {work} times"
        );
        s.collect();
        assert!(s.load_at(array, |a| &a.items, 0).is_none());
        let loaded = s.load_at(array, |a| &a.items, len / 1_000).expect("stored");
        assert_eq!(*s.get(loaded), 7);
        let stored = s.get(array).items.iter().filter(|g| !g.is_null()).count();
        assert_eq!(stored, 999);
    });
}

/// [`Scope::set_at`](gc_core::Scope::set_at) refuses a container that is not a
/// field of the object, and an index out of bounds.
pub fn resources_handle_vector_stores_are_checked<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Array {
        items: Vec<gc_core::Gc<u64>>,
        #[allow(clippy::box_collection)] // the case under test
        boxed: Box<Vec<gc_core::Gc<u64>>>,
    }
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let array = s.alloc(Array {
            items: vec![gc_core::Gc::null()],
            boxed: Box::new((0..2).map(|_| gc_core::Gc::null()).collect()),
        });
        let value = s.alloc(7u64);
        let outside: &'static Vec<gc_core::Gc<u64>> =
            Box::leak(Box::new((0..4).map(|_| gc_core::Gc::null()).collect()));
        for (what, store) in [
            (
                "a vector outside the heap",
                &(|| s.set_at(array, |_| outside, 0, value)) as &dyn Fn(),
            ),
            ("a vector behind a box", &|| {
                s.set_at(array, |a| &*a.boxed, 0, value)
            }),
            ("an index out of bounds", &|| {
                s.set_at(array, |a| &a.items, 1, value)
            }),
        ] {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(store));
            assert!(result.is_err(), "a store into {what} was accepted");
        }
        assert!(outside.iter().all(|g| g.is_null()));
        s.set_at(array, |a| &a.items, 0, value);
        s.collect();
        assert_eq!(*s.get(s.load_at(array, |a| &a.items, 0).unwrap()), 7);
    });
}

/// Container memory that was used and freed goes back to the system: a
/// heap whose containers wrote 32 MiB of buffers (2,048 of 16 KiB) and
/// freed them all is less than a few MiB larger than before (the least of
/// a few tries, each on a fresh heap).
pub fn resources_freed_container_memory_is_returned<C: Collector>(mode: Mode) {
    if resident_bytes().is_none() {
        return;
    }
    let _lock = resident_lock();
    let tries = (0..TRIES).map(|_| {
        let mut heap = heap::<C>(mode);
        heap.scope("main", |s| {
            let before = resident_bytes().unwrap_or(0);
            s.mutate(|m| {
                let mut buffers: Vec<GcVec<'_, u64>> = Vec::with_capacity(2_048);
                for _ in 0..2_048 {
                    let mut buffer = GcVec::try_with_capacity(m, 2_048).expect("within capacity");
                    for i in 0..2_048 {
                        buffer.push(i);
                    }
                    buffers.push(buffer);
                }
            });
            s.collect();
            assert_eq!(s.stats().external_bytes, 0, "every buffer was freed");
            resident_bytes().unwrap_or(0).saturating_sub(before)
        })
    });
    let growth = tries.min().unwrap_or(0);
    assert!(
        growth < FEW_MIB,
        "32 MiB of container buffers, written and freed, left the process {growth} bytes \
         larger (at most {FEW_MIB} allowed)"
    );
}
