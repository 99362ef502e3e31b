//! [`Heap`]: a backend plus everything the backends share (the shadow stack,
//! the trigger policy and the statistics).

use crate::collector::{Collector, HeapUsage};
use crate::config::{Growth, HeapConfig, MIN_HEADROOM, REGION_RESERVE_FRACTION};
use crate::error::{GcError, GcErrorKind};
use crate::finalize;
use crate::heap_id::HeapId;
use crate::model::{Accounting, PersistentSlot};
use crate::object::{ObjectRef, TypeInfo, OBJECT_ALIGN};
use crate::scope::Scope;
use crate::shadow_stack::ShadowStack;
use crate::stats::{Cause, CollectionEvent, GcStats};
use crate::collector::SendCollector;
use crate::threads::{Admits, Local, OnCollection, Sendable, Threads};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
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
    /// Dropped by `Heap::drop` (first, while the accounting box is alive),
    /// or never, if the heap is poisoned ([`Heap::poison`]).
    pub(crate) collector: ManuallyDrop<C>,
    pub(crate) roots: ShadowStack,
    /// `_lease`'s id, which the roots carry; [`POISONED`] once a trace
    /// panicked mid-collection, so that no root matches it.
    pub(crate) id: u32,
    /// Keeps `id` from every other live heap; hands it back on drop.
    _lease: HeapId,
    config: HeapConfig,
    stats: GcStats,
    /// The budget (bytes that may still be allocated before the trigger
    /// fires; 0 in stress mode) and the external bytes objects own. Boxed,
    /// and dropped after `collector`: the model's allocators point to it.
    account: Box<Accounting>,
    /// The budget as the last collection set it: the bytes allocated since
    /// then are `budget_set - budget` (plus any the slow path counted in
    /// `stats.allocated_bytes` directly), so allocation counts bytes once.
    budget_set: usize,
    /// Bytes in use (objects and external) after the last collection.
    in_use_after: usize,
    /// Unproductive collections in a row ([`Growth::unproductive`]): the
    /// growth policy's headroom cap is doubled this many times.
    unproductive: u32,
    /// Ids of objects in heap graphs ([`Scope::heap_graph`]), so that an
    /// object keeps its id from one snapshot to the next.
    pub(crate) snapshot_ids: crate::graph::SnapshotIds,
    /// Persistent roots ([`model::Persistent`](crate::model::Persistent));
    /// a slot whose handles are all dropped is pruned at the next collection.
    persistent: Vec<Arc<PersistentSlot>>,
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
// - `account`: a box with `Cell`s and the buffer space (the containers'
//   buffers: mappings and free-list addresses, owned); the pointers to it
//   (`HeapAlloc`, `Charge`) are branded, so they live only in this heap's
//   objects and regions, and move with it.
// - `persistent`: `Arc`s of atomic slots shared with `Persistent` handles,
//   which may sit on another thread: they touch only the reference count
//   (atomic) there; the slot is read and written with the heap in hand.
// - `on_collection`: `Box<dyn FnMut + Send>` for a sendable heap.
// - `_lease`, `id`, `config`, `stats`, `budget_set`, `created`,
//   `snapshot_ids`: owned plain data (a `HeapId` gives its id back to a global `Mutex`-guarded list).
// The heap stays `!Sync` (`_not_send`): nothing in it is made for shared use.
unsafe impl<C: SendCollector> Send for Heap<C, Sendable> {}

impl<C: Collector, Th: Threads> Drop for Heap<C, Th> {
    /// Empties the persistent roots before the objects go: a handle that
    /// outlives its heap then refers to nothing, and using it panics (heap
    /// ids are reused, so the id check alone would not catch it).
    ///
    /// A poisoned heap (a `trace` panicked mid-collection, see [`Trace`](crate::Trace)) leaks its objects and its memory
    /// instead: after a collection interrupted halfway, finalising them
    /// could read half-moved objects or drop one twice.
    fn drop(&mut self) {
        for slot in &self.persistent {
            slot.set(None);
        }
        if self.id != POISONED {
            // SAFETY: dropped once, here, and never used again.
            unsafe { ManuallyDrop::drop(&mut self.collector) };
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

impl<C: Collector, Th: Threads> Heap<C, Th> {
    /// Creates a heap, reserving `config.capacity` bytes of address space.
    /// Its id (which its roots carry) is unique among the heaps alive now.
    /// `Heap::<C>::new` makes a [`Local`] heap, `Heap::<C, Sendable>::new` a
    /// sendable one.
    pub fn new(config: HeapConfig) -> Result<Heap<C, Th>, GcError> {
        config.validate()?;
        let collector = C::new(&config)?;
        let lease = HeapId::take();
        let mut heap = Heap {
            collector: ManuallyDrop::new(collector),
            roots: ShadowStack::default(),
            id: lease.get(),
            _lease: lease,
            stats: GcStats::new(C::NAME),
            account: Box::new(Accounting::new(config.capacity)),
            budget_set: 0,
            in_use_after: 0,
            unproductive: 0,
            persistent: Vec::new(),
            snapshot_ids: Default::default(),
            created: Instant::now(),
            on_collection: None,
            config,
            _not_send: PhantomData,
        };
        heap.reset_budget();
        heap.budget_set = heap.account.budget.get();
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
        Scope::enter(self, None, name, f)
    }

    /// A snapshot of the cumulative statistics.
    pub fn stats(&self) -> GcStats {
        let mut stats = self.stats.clone();
        stats.allocated_bytes += (self.budget_set - self.account.budget.get()) as u64;
        stats.external_bytes = self.account.external.get();
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

    /// Allocates room for one object of type `info` and `size` bytes,
    /// collecting if the trigger fires or the backend is full. The caller
    /// must initialise the payload (a `T`, which this heap must admit)
    /// before anything else uses the heap (`Collector::alloc`).
    #[inline(always)]
    pub(crate) fn alloc_object<T: ?Sized>(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
    ) -> Result<ObjectRef, GcError>
    where
        Th: Admits<T>,
    {
        check_alignment(info)?;
        match self.alloc_within_budget(info, size, 0) {
            Some(obj) => Ok(obj),
            None => self.alloc_slow(info, size),
        }
    }

    /// The fast path of both allocation paths: an object within the budget
    /// less `keep` that the backend has room for, or `None`. The caller
    /// initialises the payload at once (`Collector::alloc`).
    #[inline(always)]
    fn alloc_within_budget(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
        keep: usize,
    ) -> Option<ObjectRef> {
        let account = &*self.account;
        let budget = account.budget.get();
        // What the object really takes (its cell), so that the budget and
        // the ceiling bound the backend's usage; a table lookup at most.
        let footprint = C::footprint(size);
        if footprint > budget.saturating_sub(keep) {
            return None;
        }
        // Charged before the backend runs (whose code the compiler cannot see
        // through, so a charge after it would reload the box's address).
        account.budget.set(budget - footprint);
        // SAFETY: the callers (`Scope::try_alloc`, `Mutation::try_alloc`,
        // `Mutation::try_alloc_slice`) pass the object's size and write the
        // payload at once.
        match unsafe { self.collector.alloc(info, size) } {
            Some(obj) => {
                self.stats.allocated_objects += 1;
                Some(obj)
            }
            None => {
                account.budget.set(budget);
                None
            }
        }
    }

    /// Allocates room for one object inside a mutation region, where
    /// nothing may collect: past the region's budget (the budget less the
    /// region reserve, [`Growth::region_budget`]), the collection is marked
    /// due (it runs when the region ends) and the object is allocated
    /// anyway, into the reserve; only a request past the capacity (objects
    /// and external bytes together, counted as the cells they take) or a
    /// full backend fails. The caller initialises the payload (a `T`,
    /// which this heap must admit) at once.
    #[inline(always)]
    pub(crate) fn alloc_in_region<T: ?Sized>(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
    ) -> Result<ObjectRef, GcError>
    where
        Th: Admits<T>,
    {
        check_alignment(info)?;
        let keep = self.account.reserve.get();
        match self.alloc_within_budget(info, size, keep) {
            Some(obj) => Ok(obj),
            None => self.alloc_in_region_slow(info, size),
        }
    }

    #[cold]
    #[inline(never)]
    fn alloc_in_region_slow(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
    ) -> Result<ObjectRef, GcError> {
        self.account.due.set(true);
        // Past the budget, objects and external memory must still fit.
        let footprint = C::footprint(size);
        let beyond = footprint.saturating_sub(self.account.budget.get());
        let fits = self.account.ceiling.get().saturating_add(beyond) <= self.config.capacity;
        let obj = if fits {
            // SAFETY: as in `alloc_within_budget`.
            unsafe { self.collector.alloc(info, size) }
        } else {
            None
        };
        match obj {
            Some(obj) => {
                self.account(footprint);
                Ok(obj)
            }
            // Nothing could collect: say what was taken, not what is live.
            None => Err(self.account.out_of_memory(size)),
        }
    }

    /// `true` if the budget ran out in the current region.
    pub(crate) fn collection_due(&self) -> bool {
        self.account.due.get()
    }

    /// Ends a mutation region: collects if the budget ran out inside it,
    /// fully if an allocation failed in it.
    pub(crate) fn end_region(&mut self) {
        if self.account.due.get() {
            self.collect(if self.account.failed.get() {
                Cause::AllocationFailure
            } else if self.config.stress {
                Cause::Stress
            } else {
                Cause::Threshold
            });
        }
    }

    /// The objects the persistent roots refer to now, with their positions.
    pub(crate) fn persistent_roots(&self) -> Vec<(u32, ObjectRef)> {
        self.persistent
            .iter()
            .enumerate()
            .filter(|(_, slot)| Arc::strong_count(slot) > 1) // a handle is left
            .filter_map(|(i, slot)| slot.get().map(|obj| (i as u32, obj)))
            .collect()
    }

    /// The out-of-memory error for `requested` bytes inside a region
    /// ([`Accounting::out_of_memory`]).
    pub(crate) fn accounting_error(&self, requested: usize) -> GcError {
        self.account.out_of_memory(requested)
    }

    /// The accounting box, for the model's allocators.
    pub(crate) fn accounting(&self) -> NonNull<Accounting> {
        NonNull::from(&*self.account)
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
        self.account.budget.set(0);
    }

    /// Adds a persistent root for `obj`; returns its slot and this heap's id.
    pub(crate) fn add_persistent(&mut self, obj: ObjectRef) -> (Arc<PersistentSlot>, u32) {
        let slot = Arc::new(PersistentSlot::new(obj));
        self.persistent.push(Arc::clone(&slot));
        (slot, self.id)
    }

    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, info: &'static TypeInfo, size: usize) -> Result<ObjectRef, GcError> {
        let cause = if self.config.stress {
            Cause::Stress
        } else if size > self.account.budget.get() {
            Cause::Threshold
        } else {
            Cause::AllocationFailure
        };
        self.collect(cause);
        // SAFETY: as in `alloc_within_budget`.
        if let Some(obj) = unsafe { self.collector.alloc(info, size) } {
            self.account(C::footprint(size));
            return Ok(obj);
        }
        if cause != Cause::AllocationFailure {
            // Every backend collects everything unreachable for this cause
            // (reference counting runs trial deletion).
            self.collect(Cause::AllocationFailure);
            // SAFETY: as in `alloc_within_budget`.
            if let Some(obj) = unsafe { self.collector.alloc(info, size) } {
                self.account(C::footprint(size));
                return Ok(obj);
            }
        }
        Err(GcError::out_of_memory(
            size,
            self.config.capacity,
            self.collector.usage().bytes + self.account.external.get(),
            true,
        ))
    }

    /// Counts an allocation taking `size` bytes (its footprint) made on the
    /// slow path, which may pass the budget: the part within it is taken
    /// off the budget, the rest counted in the stats directly.
    fn account(&mut self, size: usize) {
        let budget = self.account.budget.get();
        let within = size.min(budget);
        self.account.budget.set(budget - within);
        let ceiling = self.account.ceiling.get();
        self.account
            .ceiling
            .set(ceiling.saturating_add(size - within));
        self.stats.allocated_bytes += (size - within) as u64;
        self.stats.allocated_objects += 1;
    }

    /// Runs a full collection and records its event. A destructor's panic
    /// (which the backend resumes once its collection is complete) and a
    /// panic of the [`Heap::on_collection`] callback go on only after the
    /// collection is recorded and verified; the first of them wins.
    ///
    /// Any other panic out of the backend's collection came from a `trace`
    /// (Trace's rule 3 broken) and left the collection halfway: the heap is
    /// poisoned before the panic goes on.
    pub(crate) fn collect(&mut self, cause: Cause) {
        self.check_usable();
        let before = self.collector.usage();
        let in_use_before = before.bytes + self.account.external.get();
        let id = self.stats.collections + 1;
        let mut event = CollectionEvent::start(id, C::NAME, cause, self.created.elapsed());
        let start = Instant::now();
        let persistent = self.roots.push_persistent(&mut self.persistent);
        let (collector, roots) = (&mut self.collector, &mut self.roots);
        finalize::take_resumed();
        // SAFETY: shadow-stack slots refer to live objects of this heap (roots
        // are checked against the heap id), and `Scope::try_alloc` initialises
        // every payload right after allocating it.
        let mut collected = catch_unwind(AssertUnwindSafe(|| unsafe {
            collector.collect(roots.slots(), &mut event)
        }));
        if let Err(payload) = collected {
            if !finalize::take_resumed() {
                self.poison();
                resume_unwind(payload);
            }
            collected = Err(payload);
        }
        event.pause = start.elapsed();
        if C::CAPABILITIES.moves_objects {
            self.account.moves.set(self.account.moves.get() + 1);
        }
        let after = self.collector.usage();
        event.bytes_before = before.bytes;
        event.objects_before = before.objects;
        event.bytes_after = after.bytes;
        event.objects_after = after.objects;
        event.objects_freed = before.objects.saturating_sub(after.objects);
        self.stats.allocated_bytes += (self.budget_set - self.account.budget.get()) as u64;
        self.account.due.set(false);
        self.account.failed.set(false);
        let in_use_after = after.bytes + self.account.external.get();
        let grown = in_use_before.saturating_sub(self.in_use_after);
        let freed = in_use_before.saturating_sub(in_use_after);
        self.unproductive = if Growth::unproductive(grown, freed) {
            self.unproductive.saturating_add(1).min(usize::BITS)
        } else {
            0
        };
        self.in_use_after = in_use_after;
        self.reset_budget();
        self.budget_set = self.account.budget.get();
        self.stats.record(event.clone(), self.config.event_log);
        if self.config.verify {
            // SAFETY: as for `collect` above; a backend resumes a
            // destructor's panic only once its bookkeeping is consistent.
            if let Err(problem) = unsafe { self.collector.verify(self.roots.slots()) } {
                panic!("heap verification failed after collection {id}: {problem}");
            }
        }
        self.roots.pop_persistent(&self.persistent, persistent);
        let called = match &mut self.on_collection {
            Some(callback) => catch_unwind(AssertUnwindSafe(|| callback(&event))),
            None => Ok(()),
        };
        if let Err(payload) = collected.and(called) {
            resume_unwind(payload);
        }
    }

    /// The budget of a mutation region with `in_use` bytes in use: the
    /// growth policy's region budget for the backend's object capacity, and
    /// a region reserve below the room the backend says it surely has
    /// (`Collector::room`), or the floor on headroom if that is all there is.
    fn region_budget(&self, growth: Growth, in_use: usize) -> usize {
        let limit = C::object_capacity(&self.config);
        let room = self.collector.room();
        let within_room = room
            .saturating_sub(limit / REGION_RESERVE_FRACTION)
            .max(room.min(MIN_HEADROOM));
        growth.region_budget(in_use, limit).min(within_room)
    }

    /// Sets the allocation budget from the growth policy.
    fn reset_budget(&mut self) {
        let in_use = self.collector.usage().bytes + self.account.external.get();
        let growth = self.config.growth().boosted(self.unproductive);
        let (budget, region_budget) = if self.config.stress {
            (0, 0)
        } else {
            let budget = growth.headroom(in_use);
            (budget, self.region_budget(growth, in_use).min(budget))
        };
        self.account.budget.set(budget);
        self.account.reserve.set(budget - region_budget);
        self.account.ceiling.set(in_use + budget);
    }
}

/// Refuses a type aligned to more than [`OBJECT_ALIGN`]: every space puts
/// a payload 16 bytes after a 16-aligned object start. (`info` is a
/// constant per type, so this folds away for the others.)
#[inline(always)]
fn check_alignment(info: &'static TypeInfo) -> Result<(), GcError> {
    if info.align <= OBJECT_ALIGN {
        return Ok(());
    }
    Err(GcError::from(GcErrorKind::AlignmentTooLarge {
        type_name: info.name(),
        align: info.align,
    }))
}
