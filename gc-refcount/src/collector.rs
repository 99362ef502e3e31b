//! [`RefCount`]: the backend's state and its [`Collector`] implementation.

use crate::count::{Counts, Flag, Word, NEW_OBJECT};
use crate::cycles::TrialDeletion;
use crate::deferred::flag_roots;
use gc_core::barrier::WriteLog;
use gc_core::object::{ObjectRef, TypeInfo};
use gc_core::space::{Fragmentation, FreeListSpace};
use gc_core::stats::{Cause, CollectionEvent, Phase};
use gc_core::weak::WeakTable;
use gc_core::{Capabilities, Collector, GcError, Growth, HeapConfig, HeapUsage, Slot, Tracer};

/// The cycle collector also runs at a collection of any cause once the
/// candidate buffer holds more than this many objects (or twice as many as
/// the last run left behind, whichever is more). This bounds the buffer; the
/// trigger that adapts to the heap's size counts bytes (see
/// `RefCount::wants_cycle_collection`).
pub const MIN_CYCLE_TRIGGER: usize = 10_000;

/// The deferred reference-counting backend. Use it as `Heap<RefCount>`.
pub struct RefCount {
    pub(crate) space: FreeListSpace,
    pub(crate) counts: Counts,
    pub(crate) tracer: Tracer,
    pub(crate) cycles: TrialDeletion,
    /// Buffer length above which any collection runs the cycle collector.
    cycle_trigger: usize,
    /// Object bytes above which a collection runs the cycle collector:
    /// those the last one left plus half the heap's budget at that size.
    cycle_bytes_trigger: usize,
    /// The heap's growth policy and object capacity, which set
    /// `cycle_bytes_trigger`.
    growth: Growth,
    capacity: usize,
    /// Candidates flagged `DEAD` (released, their memory held by the
    /// buffer) since the buffer was last cleaned.
    pub(crate) dead_candidates: usize,
    /// The last ZCT's allocation, reused by the next reconciliation.
    pub(crate) spare_zct: Vec<ObjectRef>,
    /// The ZCT entries a reconciliation found referenced from the heap
    /// (empty between collections; kept for its allocation).
    pub(crate) referenced: Vec<ObjectRef>,
    /// The worklist of [`RefCount::reconcile`]'s cascades.
    pub(crate) release_stack: Vec<ObjectRef>,
    /// The most objects `release_stack` held at once in this collection.
    pub(crate) peak_release_stack: usize,
    /// The object model's write log, replayed into counts at each collection.
    pub(crate) log: WriteLog,
    /// Weak references, cleared at the end of each collection for the
    /// objects it freed ([`gc_core::weak`]), with the weak maps' entries.
    pub(crate) weak: WeakTable,
}

impl RefCount {
    /// The number of heap fields that refer to the object starting at `addr`
    /// (as [`Scope::address`](gc_core::Scope::address) reports it), or
    /// `None` if no object starts there. Roots are not counted.
    ///
    /// ```
    /// use gc_core::{Gc, Heap, HeapConfig, Trace};
    /// use gc_refcount::RefCount;
    ///
    /// #[derive(Trace, Default)]
    /// struct Pair { a: Gc<Pair>, b: Gc<Pair> }
    ///
    /// let mut heap = Heap::<RefCount>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| {
    ///     let p = s.alloc(Pair::default());
    ///     let q = s.alloc(Pair::default());
    ///     s.set(p, |p| &p.a, q);
    ///     s.set(p, |p| &p.b, q);
    ///     assert_eq!(s.collector().count_at(s.address(q)), Some(2));
    ///     assert_eq!(s.collector().count_at(s.address(p)), Some(0)); // only rooted
    /// });
    /// ```
    pub fn count_at(&self, addr: usize) -> Option<usize> {
        if !self.space.is_object(addr) {
            return None;
        }
        // SAFETY: `from_addr`'s and `Word::of`'s bullets: `is_object` says
        // an allocated object, with an initialised header, starts at `addr`,
        // and nothing frees it while `&self` is borrowed.
        Some(unsafe { Word::of(ObjectRef::from_addr(addr)) }.count())
    }

    /// Objects in the zero-count table: new or unreferenced from the heap,
    /// to be reconciled against the roots at the next collection.
    pub fn zct_len(&self) -> usize {
        self.counts.zct.borrow().len()
    }

    /// Objects in the cycle collector's candidate buffer.
    pub fn candidates_len(&self) -> usize {
        self.counts.candidates.borrow().len()
    }

    /// Objects the last cycle collection examined (painted gray): the cost
    /// of trial deletion, which is bounded by what the candidates reach,
    /// not by the heap.
    pub fn last_cycle_scan(&self) -> usize {
        self.cycles.last_scanned
    }

    /// A collection. `UNFLAG_ROOTS_EARLY` plants a bug for the seeded-bug
    /// test (see `seeded_bug`): the `ROOTED` flags are cleared before trial
    /// deletion instead of after it, so it takes a cycle that only roots
    /// hold for garbage. The real collector passes `false`.
    /// `WEAK_BEFORE_CYCLES` plants the seeded bug `WeakBeforeCycles`: the
    /// weak step runs after reconciliation and before trial deletion, so
    /// it clears the references of acyclic garbage but not those of the
    /// cycles trial deletion frees. The real collector passes `false`.
    ///
    /// # Safety
    /// - As [`Collector::collect`].
    #[inline(always)]
    pub(crate) unsafe fn collect_with<
        const UNFLAG_ROOTS_EARLY: bool,
        const WEAK_BEFORE_CYCLES: bool,
    >(
        &mut self,
        roots: &[Slot],
        event: &mut CollectionEvent,
    ) {
        event.time(Phase::Reclaim, || self.replay_log());
        event.time(Phase::Roots, || flag_roots(roots, true));
        event.time(Phase::Reclaim, || self.reconcile());
        event.peak_work_list = std::mem::take(&mut self.peak_release_stack);
        if UNFLAG_ROOTS_EARLY {
            event.time(Phase::Roots, || flag_roots(roots, false));
        }
        if WEAK_BEFORE_CYCLES {
            // SAFETY: none: the seeded bug breaks `sweep`'s first bullet
            // (trial deletion below frees objects after this weak step, and
            // their entries are never cleared). Only its tests run this; the
            // harness stops at the first upgrade of such an entry, before
            // reading the object or collecting again.
            unsafe { self.sweep_weak() };
        }
        // Values of maps the reconciliation freed, uncounted before trial
        // deletion looks for cycles (a value in a cycle of its own is then
        // found at once).
        event.time(Phase::Reclaim, || self.release_orphans());
        if self.wants_cycle_collection(event.cause) {
            // SAFETY: `TrialDeletion::collect`'s bullets: roots are flagged
            // (unless `UNFLAG_ROOTS_EARLY`, the seeded bug, which breaks
            // exactly this) and the ZCT was just reconciled, which leaves
            // every candidate allocated (released ones are flagged `DEAD`,
            // not freed) and every count-0 object rooted or `DEAD`. Trial
            // deletion frees the DEAD candidates as it meets them.
            let freed = event.time(Phase::Cycles, || unsafe {
                self.cycles
                    .collect(&self.counts, &mut self.space, self.weak.ephemerons())
            });
            self.dead_candidates = 0;
            event.freed_by_cycles = freed;
            self.cycle_trigger = MIN_CYCLE_TRIGGER.max(2 * self.candidates_len());
            self.cycle_bytes_trigger = self.bytes_trigger(self.space.bytes());
        } else {
            event.time(Phase::Reclaim, || self.free_dead_candidates());
        }
        if !self.counts.collect_cycles {
            event.leaked_objects = event.time(Phase::Trace, || {
                crate::leak::count_leaked(
                    &mut self.space,
                    roots,
                    &mut self.tracer,
                    self.weak.ephemerons(),
                )
            });
        }
        if event.cause == Cause::AllocationFailure || self.blocks_short() {
            event.time(Phase::Reclaim, || self.space.release_empty_blocks());
        }
        event.time(Phase::Reclaim, || self.release_orphans());
        if !UNFLAG_ROOTS_EARLY {
            event.time(Phase::Roots, || flag_roots(roots, false));
        }
        if !WEAK_BEFORE_CYCLES {
            // SAFETY: every object this collection freed was freed above,
            // and no cell is reused before the next allocation; no code that
            // could upgrade ran in between (destructors have no scope).
            unsafe { self.sweep_weak() };
        }
        // Every table is consistent again: a destructor's panic goes on now.
        self.space.finalizer().resume();
    }

    /// Weak maps that died with live keys: their entries go, and the
    /// values they held (counted as their keys' references) are uncounted;
    /// those left unreferenced are freed now, with the ZCT reconciled again
    /// (which may free more maps), until none is left. `ROOTED` flags must
    /// be set. Entries of dead keys go without uncounting: releasing a key
    /// released its values (`for_each_child`), and trial deletion that
    /// freed a key subtracted its edges to them.
    fn release_orphans(&mut self) {
        if self.weak.ephemerons().is_empty() {
            return;
        }
        let mut orphans = Vec::new();
        loop {
            let space = &self.space;
            // SAFETY: `sweep_orphans`' bullets (`WeakTable::sweep`'s): every
            // object freed so far in this collection is freed, no cell is
            // reused before the next allocation, and the objects freed by
            // the reconciliation below are swept by the next round or the
            // final weak step; `survivor` answers as in `sweep_weak`.
            unsafe {
                self.weak
                    .sweep_orphans(|obj| survives(space, obj), |v| orphans.push(v))
            };
            if orphans.is_empty() {
                return;
            }
            for value in orphans.drain(..) {
                // SAFETY: `decrement`'s bullets: the value of an entry whose
                // key lives is allocated (the entry's reference, which its
                // count includes, kept it), so its count is above 0.
                unsafe { self.counts.decrement(value) };
            }
            self.reconcile();
            // Candidates it released wait flagged `DEAD`: freed now, as
            // every collection leaves none.
            self.free_dead_candidates();
        }
    }

    /// The weak step: an object survives if its cell is still allocated
    /// and it is not a released candidate waiting in the buffer (`DEAD`).
    ///
    /// # Safety
    /// - As [`WeakTable::sweep`]: every object this collection frees has
    ///   been freed, and no cell has been reused since.
    unsafe fn sweep_weak(&mut self) {
        let space = &self.space;
        // SAFETY: forwarded to the caller; `survives` answers as below.
        unsafe { self.weak.sweep(|obj| survives(space, obj)) };
    }

    /// The write barrier: stores `new` into `slot`, a field of `owner`.
    /// `new` becomes a cycle candidate if the store may close a cycle
    /// (`Counts::stored`; building an acyclic structure, in any order, never
    /// does), the old target if its count drops to a value above 0.
    ///
    /// `MISS_DECREMENT` plants a bug for the seeded-bug test (see
    /// `seeded_bug`): the old target is never uncounted, so its count stays
    /// too high and it outlives its last reference. The real collector
    /// passes `false`, which compiles the check away.
    #[inline(always)]
    pub(crate) fn barrier<const MISS_DECREMENT: bool>(
        &self,
        owner: ObjectRef,
        slot: &Slot,
        new: Option<ObjectRef>,
    ) {
        let old = slot.replace(new);
        if old == new {
            return;
        }
        if let Some(new) = new {
            // SAFETY: `stored`'s bullet: `write_barrier`'s bullets say
            // `owner` and `new` are live objects of this collector, so
            // allocated with initialised payloads.
            unsafe { self.counts.stored(owner, new) };
        }
        if let Some(old) = old.filter(|_| !MISS_DECREMENT) {
            // SAFETY: `decrement`'s bullets: `slot` is a field of the live
            // `owner` (`write_barrier`'s bullet), so its old target is
            // allocated (a referenced object is never freed) and its count
            // includes that field: above 0.
            unsafe { self.counts.decrement(old) };
        }
    }

    /// Turns the object model's write log into counts: a reference every
    /// logged or born object holds now is counted, and one a logged object
    /// held at its first write is uncounted (increments first, so no count
    /// passes through 0 on the way). Counts are then exact again, however
    /// the objects were changed. Each reference counted is a store into its
    /// object for the cycle-candidate rule (`Counts::stored`): whatever the
    /// order of the replay, the last edge of a new cycle to be counted finds
    /// the rest of the cycle counted, so the cycle gets a candidate.
    fn replay_log(&mut self) {
        let counts = &self.counts;
        // SAFETY: `replay`'s bullet, and the bullets of `stored` and
        // `decrement` that its closures call: logged and born objects are
        // allocated: nothing is freed between a log and its replay (the ZCT
        // is reconciled after this), and the closures free nothing.
        // Every target was live when logged (an old reference) or is held
        // by a live object now, and every old reference was counted (by the
        // barrier or by an earlier replay), so its count is above 0 after
        // the increments; owners and targets are initialised objects.
        unsafe {
            self.log.replay(
                |owner, target| counts.stored(owner, target),
                |target| counts.decrement(target),
                |obj| Word::of(obj).clear(Flag::LOGGED),
            )
        };
    }

    /// The cycle-collection policy: always on an explicit collection or when
    /// the heap is out of room; otherwise once the bytes left after
    /// reconciling pass the bytes trigger, or the candidate buffer its
    /// length trigger; never when `HeapConfig::collect_cycles` is off.
    ///
    /// The bytes trigger adapts to the heap: garbage cycles may take at most
    /// half the budget the heap gets after a trial deletion (the growth
    /// policy's headroom, which stays an eighth of the capacity below it),
    /// so trial deletion runs well before a collection at the trigger leaves
    /// the heap full of cycles. In a 1 MiB heap that is a few hundred KiB of
    /// cycles, where a candidate count (`MIN_CYCLE_TRIGGER`) was never met.
    fn wants_cycle_collection(&self, cause: Cause) -> bool {
        self.counts.collect_cycles
            && (matches!(cause, Cause::Explicit | Cause::AllocationFailure)
                || self.space.bytes() > self.cycle_bytes_trigger
                || self.candidates_len() > self.cycle_trigger)
    }

    /// Whether the blocks no size class holds are fewer than the heap's
    /// region reserve (an eighth of the capacity): cells freed one at a time
    /// leave empty blocks with their class, so a collection then gives them
    /// back to the pool, where any class (or a large object) can take them.
    fn blocks_short(&self) -> bool {
        self.space.unheld_bytes() < self.capacity / gc_core::REGION_RESERVE_FRACTION
    }

    /// The bytes trigger after a trial deletion that left `live` bytes.
    fn bytes_trigger(&self, live: usize) -> usize {
        live + self.growth.region_budget(live, self.capacity) / 2
    }
}

/// An object survives the collection if its cell is still allocated and it
/// is not a released candidate waiting in the buffer (`DEAD`).
fn survives(space: &FreeListSpace, obj: ObjectRef) -> Option<ObjectRef> {
    // SAFETY: `Word::of` asks for an allocated object: the cell is
    // allocated (`is_object`), so its header is intact; a freed cell's
    // header is never read.
    let alive = space.is_object(obj.addr()) && !unsafe { Word::of(obj) }.has(Flag::DEAD);
    alive.then_some(obj)
}

// SAFETY: every part of the state is owned and has no thread affinity:
// the free-list space (as in mark-sweep), the count tables (`RefCell`s of
// object references, used through `&self` by the barrier of whoever holds
// the heap; the heap is never `Sync`), the trial-deletion buffers, the
// write log, scratch tracers and plain numbers. Its object references and
// slots point only into its own mappings, which move with it.
unsafe impl gc_core::SendCollector for RefCount {}

// SAFETY: `alloc` hands out fresh cells of the free-list space with
// initialised headers (rule 1). Nothing moves. `collect` frees only objects
// that no root refers to and whose count shows no heap reference (the ZCT),
// whose freeing released their children first, or that trial deletion proved
// referenced only from inside a garbage subgraph; rooted objects count as
// externally referenced, so everything reachable from the roots survives
// (rule 2). Each object leaves every table before the space finalises it,
// once; the space finalises the rest on drop (rule 3). The space keeps a
// destructor's panic, so no pass is cut short, and `collect` resumes it
// only after its last pass (rule 4). `write_barrier` stores first and only
// updates counts and tables (rule 5). Only `collect` frees, after replaying
// the write log, and only objects no remaining object refers to (counts,
// or trial deletion's whole garbage subgraph), so between collections every
// field of an allocated object refers to an allocated one (rule 6).
unsafe impl Collector for RefCount {
    const NAME: &'static str = "refcount";
    const CAPABILITIES: Capabilities = Capabilities {
        moves_objects: false,
        collects_cycles: true,
        logs_writes: true,
        marks_incrementally: false,
    };

    fn new(config: &HeapConfig) -> Result<Self, GcError> {
        let mut refcount = RefCount {
            space: FreeListSpace::for_heap(config)?,
            counts: Counts::new(config.collect_cycles),
            // SAFETY: `for_collection`'s bullet: this tracer traces only
            // inside collections (between mutation regions) and at teardown:
            // no lock guard of a traced object can be in use.
            tracer: unsafe { Tracer::for_collection() },
            cycles: TrialDeletion::default(),
            cycle_trigger: MIN_CYCLE_TRIGGER,
            cycle_bytes_trigger: 0,
            growth: config.growth(),
            capacity: Self::object_capacity(config),
            dead_candidates: 0,
            spare_zct: Vec::new(),
            referenced: Vec::new(),
            release_stack: Vec::new(),
            peak_release_stack: 0,
            log: WriteLog::default(),
            weak: WeakTable::new(),
        };
        refcount.cycle_bytes_trigger = refcount.bytes_trigger(0);
        Ok(refcount)
    }

    /// A new object starts with count 0, in the zero-count table.
    #[inline(always)]
    unsafe fn alloc(&mut self, info: &'static TypeInfo, size: usize) -> Option<ObjectRef> {
        // SAFETY: `FreeListSpace::alloc`'s bullets are `Collector::alloc`'s,
        // which this function's caller upholds: `size` is the object's
        // size, and the caller initialises the payload before it calls any
        // other method of this collector, so of its space.
        let obj = unsafe { self.space.alloc(info, size, NEW_OBJECT) }?;
        self.counts.zct.get_mut().push(obj);
        Some(obj)
    }

    unsafe fn collect(&mut self, roots: &[Slot], event: &mut CollectionEvent) {
        // SAFETY: `collect_with`'s bullet is `Collector::collect`'s, this
        // function's own.
        unsafe { self.collect_with::<false, false>(roots, event) };
    }

    /// Stores `new`, counts it, and uncounts the old target. Frees nothing:
    /// an old target left at 0 goes to the zero-count table, one left above
    /// 0 becomes a cycle candidate, and so does `new` if the store may close
    /// a cycle (see `RefCount::barrier`).
    #[inline(always)]
    unsafe fn write_barrier(&self, owner: ObjectRef, slot: &Slot, new: Option<ObjectRef>) {
        self.barrier::<false>(owner, slot, new);
    }

    /// Logs `obj` on its first write since the last collection.
    #[inline(always)]
    unsafe fn log_write(&mut self, obj: ObjectRef) {
        // SAFETY: `Word::of`'s bullet: `obj` is a live object of this
        // collector (`log_write`'s bullet).
        let word = unsafe { Word::of(obj) };
        if !word.has(Flag::LOGGED) {
            word.set(Flag::LOGGED);
            // SAFETY: `log`'s bullet: `obj` is live with an initialised
            // payload (`log_write`'s bullet).
            unsafe { self.log.log(obj) };
        }
    }

    /// A new object with references: logged at birth, with nothing to uncount.
    #[inline(always)]
    /// Flags a weak-map key or map object, so that `for_each_child` counts
    /// the values of its entries among its references.
    unsafe fn ephemeron(&mut self, obj: ObjectRef) {
        // SAFETY: `Word::of`'s bullet: `obj` is live (this function's bullet).
        unsafe { Word::of(obj) }.set(Flag::EPHEMERON);
    }

    unsafe fn born(&mut self, obj: ObjectRef) {
        // SAFETY: `Word::of`'s bullet: `obj` was just allocated by this
        // collector (`born`'s bullet), so it is allocated.
        unsafe { Word::of(obj) }.set(Flag::LOGGED);
        self.log.born(obj);
    }

    fn weak_table(&self) -> &WeakTable {
        &self.weak
    }

    fn weak_table_mut(&mut self) -> &mut WeakTable {
        &mut self.weak
    }

    fn usage(&self) -> HeapUsage {
        self.space.usage()
    }

    /// The blocks no size class holds: free cells serve their class only,
    /// and cells freed one at a time leave empty blocks with their class
    /// until a collection gives them back (`RefCount::blocks_short`).
    fn room(&self) -> usize {
        self.space.unheld_bytes()
    }

    /// The size class's cell (`FreeListSpace::footprint`).
    #[inline(always)]
    fn footprint(size: usize) -> usize {
        FreeListSpace::footprint(size)
    }

    fn fragmentation(&self) -> Option<Fragmentation> {
        Some(self.space.fragmentation())
    }

    unsafe fn verify(&self, roots: &[Slot]) -> Result<(), String> {
        crate::verify::verify(self, roots)
    }

    /// Every allocated cell: reference counting frees only in collections,
    /// so what it holds between them is whole, leaked cycles included.
    fn for_each_object(&self, f: &mut dyn FnMut(ObjectRef)) -> bool {
        self.space.for_each_object(f);
        true
    }
}

#[cfg(test)]
mod tests;
