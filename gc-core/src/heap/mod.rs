//! [`Heap`]: a backend plus everything the backends share. The heap's
//! rooms, each on one screen:
//!
//! - this file: the heap value, its creation, its drop and poisoning;
//! - [`alloc`]: the allocation paths (the fast path, the slow path that
//!   collects, the path inside mutation regions);
//! - [`collect`]: a collection as named phases (roots, the backend's
//!   trace and reclaim, record, pace, verify, notify);
//! - [`budget`]: the one budget for object and external bytes, and the
//!   growth policy's state;
//! - [`roots`]: every root a collector sees (the shadow stack and the
//!   persistent roots);
//! - [`cleanup`]: post-mortem cleanups, queued by collections and run at
//!   safe points;
//! - [`scope`]: [`Scope`], the handle API's door into the heap.

mod alloc;
mod budget;
mod cleanup;
mod collect;
mod roots;
pub(crate) mod scope;

use crate::collector::{Collector, HeapUsage, SendCollector};
use crate::config::HeapConfig;
use crate::error::GcError;
use crate::heap_id::HeapId;
use crate::object::ObjectRef;
use crate::space::buffer::BufferSpace;
use crate::stats::GcStats;
use crate::threads::{Local, OnCollection, Sendable, Threads};
pub(crate) use budget::Budget;
use budget::Pacer;
pub use cleanup::Cleanup;
use cleanup::Cleanups;
pub(crate) use roots::{Frame, PersistentSlot, Roots};
pub use scope::Scope;
use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Instant;

/// A garbage-collected heap managed by the backend `C`.
///
/// All access goes through [`Heap::scope`], which opens a frame on the
/// heap's shadow stack and hands a [`Scope`] to a closure. A heap is
/// [`Local`] by default, not `Send`: its objects and roots belong to one
/// thread. A `Heap<C, Sendable>` may move to another thread between scopes,
/// and holds only [`HeapSend`](crate::HeapSend) values ([`Sendable`]).
///
/// ```
/// use gc_core::{Collector, Gc, Heap, HeapConfig, Trace};
///
/// #[derive(Trace, Default)]
/// struct Node { value: u64, next: Gc<Node> }
///
/// // Written once, runs on any backend.
/// fn sum_list<C: Collector>(heap: &mut Heap<C>, n: u64) -> u64 {
///     heap.scope("sum_list", |s| {
///         let head = s.alloc(Node::default());
///         for value in 1..=n {
///             let node = s.alloc(Node { value, next: Gc::null() });
///             s.set(node, |n| &n.next, head);
///             s.assign(head, node); // re-point the root: no new slot per node
///         }
///         s.collect();
///         let mut sum = 0;
///         let mut cursor = Some(head);
///         while let Some(node) = cursor {
///             sum += s.get(node).value;
///             cursor = s.load(node, |n| &n.next);
///         }
///         sum
///     })
/// }
///
/// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default())?;
/// assert_eq!(sum_list(&mut heap, 100), 5050);
/// # Ok::<(), gc_core::GcError>(())
/// ```
pub struct Heap<C: Collector, Th: Threads = Local> {
    /// Dropped by `Heap::drop` (first, while the shared box is alive),
    /// or never, if the heap is poisoned ([`Heap::poison`]).
    pub(crate) collector: ManuallyDrop<C>,
    pub(crate) roots: Roots,
    /// `_lease`'s id, which the roots carry; [`POISONED`] once a trace
    /// panicked mid-collection, so that no root matches it.
    pub(crate) id: u32,
    /// Keeps `id` from every other live heap; hands it back on drop.
    _lease: HeapId,
    config: HeapConfig,
    stats: GcStats,
    /// The budget, the containers' buffers and the moves counter. Boxed,
    /// and dropped after `collector`: the model's allocators point to it.
    shared: Box<Shared>,
    /// The growth policy's state; with the budget, it counts the bytes
    /// allocated within the budget once.
    pacer: Pacer,
    /// The generator of `HeapConfig::random_collections` (xorshift; never
    /// 0 while in use).
    random: u64,
    /// Ids of objects in heap graphs ([`Scope::heap_graph`]), so that an
    /// object keeps its id from one snapshot to the next.
    pub(crate) snapshot_ids: crate::graph::SnapshotIds,
    /// Post-mortem cleanups, registered and pending.
    cleanups: Cleanups<C, Th>,
    created: Instant,
    on_collection: Option<Box<Th::Callback>>,
    /// `!Send` (but for the `Sendable` impl below) and never `Sync`.
    _not_send: PhantomData<(*const (), Th)>,
}

// SAFETY: a `Heap<C, Sendable>` moves with everything it owns, and nothing
// outside it shares a thread-affine part of it. Field by field:
// - `collector`: `C: SendCollector`, whose objects are all `HeapSend`
//   (every allocation requires `Sendable: Admits<T>`, so `T: HeapSend`);
//   the objects move with it and are used (traced, dropped) only by whoever
//   holds the heap.
// - `roots`: slots pointing to those objects; only scopes use them, and a
//   scope borrows the heap, so none is open on another thread (`Scope` is
//   never `Send`).
// - `shared`: a box with `Cell`s and the buffer space (the containers'
//   buffers: mappings and free-list addresses, owned); the pointers to it
//   (`HeapAlloc`, `Charge`) are branded, so they live only in this heap's
//   objects and regions, and move with it.
// - `roots`: besides the slots, `Arc`s of atomic persistent slots shared
//   with `Persistent` handles, which may sit on another thread: they touch
//   only the reference count (atomic) there; the slot is read and written
//   with the heap in hand.
// - `on_collection`: `Box<dyn FnMut + Send>` for a sendable heap.
// - `cleanups`: boxed `dyn Cleanup<C, Sendable>`s, and every type that
//   implements `Cleanup<C, Sendable>` is `Send` (the trait is sealed; its one
//   impl for sendable heaps requires `Send`); and `GcWeak`s (numbers).
// - `_lease`, `id`, `config`, `stats`, `pacer`, `created`,
//   `snapshot_ids`: owned plain data (a `HeapId` gives its id back to a global `Mutex`-guarded list).
// The heap stays `!Sync` (`_not_send`): nothing in it is made for shared use.
unsafe impl<C: SendCollector> Send for Heap<C, Sendable> {}

impl<C: Collector, Th: Threads> Drop for Heap<C, Th> {
    /// Empties the persistent roots before the objects go: a handle that
    /// outlives its heap then refers to nothing, and using it panics (heap
    /// ids are reused, so the id check alone would not catch it). Before
    /// that, runs every cleanup still registered ([`Scope::on_death`], see
    /// [`Cleanup`]). A cleanup's panic goes on once the heap is gone (unless
    /// the heap is dropped while unwinding, when it is dropped).
    ///
    /// A poisoned heap (a `trace` panicked mid-collection, see [`Trace`](crate::Trace)) leaks its objects and its memory
    /// instead: after a collection interrupted halfway, finalising them
    /// could read half-moved objects or drop one twice.
    fn drop(&mut self) {
        let panicked = match self.id {
            POISONED => None,
            _ => self.run_last_cleanups(),
        };
        self.roots.drop_persistent();
        if self.id != POISONED {
            // SAFETY: dropped once, here, and never used again.
            unsafe { ManuallyDrop::drop(&mut self.collector) };
            if let Some(payload) = panicked.filter(|_| !std::thread::panicking()) {
                std::panic::resume_unwind(payload);
            }
        } else {
            // SAFETY: taken once, here, and `self.collector` is never used
            // again.
            let collector = unsafe { ManuallyDrop::take(&mut self.collector) };
            park_poisoned(Box::new(collector));
        }
    }
}

/// Keeps a poisoned heap's backend (its objects, spaces and buffers) for
/// the rest of the process: leaked, but reachable from this list, so that
/// leak checkers report it as kept rather than lost.
fn park_poisoned<C>(collector: Box<C>) {
    static PARKED: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());
    let address = Box::into_raw(collector).expose_provenance();
    PARKED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(address);
}

/// The id a poisoned heap takes ([`Heap::poison`]): never a live heap's
/// (ids stop at `u32::MAX - 1`), so no root matches it.
pub(crate) const POISONED: u32 = u32::MAX;

/// Panics for a root whose heap id is not `id`: a root of another heap, or
/// any root of a poisoned heap.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn wrong_heap(root: u32, id: u32) -> ! {
    if id == POISONED {
        poisoned();
    }
    panic!("a root of heap {root} was used with heap {id}")
}

#[cold]
#[inline(never)]
#[track_caller]
fn poisoned() -> ! {
    panic!(
        "this heap is poisoned: a `Trace` implementation panicked during a collection \
         (Trace's rule 3), which may have left objects half-moved; it cannot be used again"
    )
}

/// What a heap's objects reach of it: the budget (which the model's
/// containers and charges spend), the containers' buffer space, and the
/// count of collections that may have moved objects. Boxed, so that the
/// allocators stored in objects can point at it while the `Heap` value moves.
pub(crate) struct Shared {
    pub(crate) budget: Budget,
    /// Where the containers' buffers live.
    pub(crate) buffers: BufferSpace,
    /// Collections so far that may have moved objects (0 forever on a
    /// non-moving backend): a map whose keys hash by address rehashes when
    /// this passes the count it was hashed at.
    moves: Cell<u64>,
}

impl Shared {
    /// Collections so far that may have moved objects.
    #[inline(always)]
    pub(crate) fn moves(&self) -> u64 {
        self.moves.get()
    }
}

impl<C: Collector, Th: Threads> Heap<C, Th> {
    /// Creates a heap, reserving `config.capacity` bytes of address space.
    /// Its id (which its roots carry) is unique among the heaps alive now.
    /// `Heap::<C>::new` makes a [`Local`] heap, `Heap::<C, Sendable>::new` a
    /// sendable one.
    pub fn new(config: HeapConfig) -> Result<Heap<C, Th>, GcError> {
        config.validate()?;
        if config.marking.is_incremental() && !C::CAPABILITIES.marks_incrementally {
            return Err(crate::error::GcErrorKind::InvalidConfig(format!(
                "{} cannot mark incrementally: use mark-sweep, or Marking::StopTheWorld",
                C::NAME
            ))
            .into());
        }
        let collector = C::new(&config)?;
        let lease = HeapId::take();
        let mut heap = Heap {
            collector: ManuallyDrop::new(collector),
            roots: Roots::default(),
            id: lease.get(),
            _lease: lease,
            stats: GcStats::new(C::NAME),
            shared: Box::new(Shared {
                budget: Budget::new(config.capacity),
                buffers: BufferSpace::new(config.capacity),
                moves: Cell::new(0),
            }),
            pacer: Pacer::default(),
            random: config.random_collections.map_or(0, |seed| seed | 1),
            snapshot_ids: Default::default(),
            cleanups: Cleanups::default(),
            created: Instant::now(),
            on_collection: None,
            config,
            _not_send: PhantomData,
        };
        heap.pace(heap.pacer.growth(&heap.config));
        Ok(heap)
    }

    /// Opens the outermost frame on the shadow stack and runs `f` in it; the
    /// frame's roots are dropped when `f` returns. `name` labels the frame in
    /// [`Scope::backtrace`].
    pub fn scope<R>(
        &mut self,
        name: &'static str,
        f: impl for<'s> FnOnce(&mut Scope<'s, C, Th>) -> R,
    ) -> R {
        let result = Scope::enter(self, None, name, f);
        if self.cleanups_pending() {
            Scope::enter(self, None, "cleanups", |s| s.run_cleanups());
        }
        result
    }

    /// A snapshot of the cumulative statistics.
    pub fn stats(&self) -> GcStats {
        let mut stats = self.stats.clone();
        stats.allocated_bytes += self.pacer.spent(&self.shared.budget) as u64;
        stats.external_bytes = self.shared.budget.external();
        let usage = self.collector.usage();
        stats.heap_bytes = usage.bytes;
        stats.heap_objects = usage.objects;
        stats.peak_heap_bytes = stats.peak_heap_bytes.max(usage.bytes);
        stats
    }

    /// Calls `callback` after every collection with its event. Replaces any
    /// earlier callback. The collection is recorded in [`Heap::stats`]
    /// before the callback runs; if it panics, the panic reaches the code
    /// whose allocation or `collect` ran the collection. A sendable heap's
    /// callback must be `Send` ([`OnCollection`]).
    pub fn on_collection(&mut self, callback: impl OnCollection<Th>) {
        self.on_collection = Some(callback.boxed());
    }

    /// The configuration the heap was built with.
    pub fn config(&self) -> &HeapConfig {
        &self.config
    }

    /// Bytes and objects the backend holds now.
    pub fn usage(&self) -> HeapUsage {
        self.collector.usage()
    }

    /// The backend, for its own diagnostics.
    pub fn collector(&self) -> &C {
        &self.collector
    }

    /// Bytes in use: the backend's objects and the external bytes.
    fn in_use(&self) -> usize {
        self.collector.usage().bytes + self.shared.budget.external()
    }

    /// The shared box, for the model's allocators.
    pub(crate) fn shared(&self) -> NonNull<Shared> {
        NonNull::from(&*self.shared)
    }

    /// The out-of-memory error for `requested` bytes inside a region
    /// ([`Budget::out_of_memory`]).
    pub(crate) fn region_out_of_memory(&self, requested: usize) -> GcError {
        self.shared.budget.out_of_memory(requested)
    }

    /// `true` if the budget ran out in the current region.
    pub(crate) fn collection_due(&self) -> bool {
        self.shared.budget.due()
    }

    /// Adds a persistent root for `obj`; returns its slot and this heap's id.
    pub(crate) fn add_persistent(&mut self, obj: ObjectRef) -> (Arc<PersistentSlot>, u32) {
        (self.roots.add_persistent(obj), self.id)
    }

    /// The object `weak` refers to, if a collection has not found it dead:
    /// the one way the program obtains an object from a weak reference
    /// (both APIs come here; weak-map lookups have their own), so the
    /// collector's read barrier ([`Collector::weak_read`]) sees every such
    /// object.
    ///
    /// # Panics
    /// If `weak` was made by another heap.
    #[inline]
    pub(crate) fn upgrade<T: ?Sized>(&self, weak: &crate::GcWeak<T>) -> Option<ObjectRef> {
        let obj = self.collector.weak_table().target(weak)?;
        // SAFETY: `weak_read`'s bullet: a weak table entry refers to a live
        // object (the collection that finds it dead clears the entry).
        unsafe { self.collector.weak_read(obj) };
        Some(obj)
    }

    /// Panics unless `heap` is this heap's id (a root or handle of another
    /// heap was used with this one).
    #[inline(always)]
    pub(crate) fn check_root(&self, heap: u32) {
        if heap != self.id {
            wrong_heap(heap, self.id);
        }
    }

    /// Panics if the heap is poisoned: at every entry that could reach its
    /// objects without a root (scopes, regions, collections, the slow path
    /// of allocation, which the fast path reaches since poisoning empties
    /// the budget).
    #[inline(always)]
    #[track_caller]
    pub(crate) fn check_usable(&self) {
        if self.id == POISONED {
            poisoned();
        }
    }

    /// Poisons the heap after a panic out of a `trace` mid-collection:
    /// every later use panics ([`check_usable`](Heap::check_usable), the
    /// root check), and dropping it leaks rather than finalises.
    #[cold]
    fn poison(&mut self) {
        self.id = POISONED;
        self.shared.budget.empty();
    }
}
