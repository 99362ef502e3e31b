//! [`MarkCompact`]: the backend's state and its [`Collector`] implementation.

use crate::lisp2::{forwarded, Buffers, Lisp2};
use crate::space::Space;
use gc_core::finalize::Finalizer;
use gc_core::object::{IdentityCounter, ObjectRef, TypeInfo};
use gc_core::space::{Fragmentation, LargeObjectSpace, LARGE_OBJECT_THRESHOLD};
use gc_core::stats::{CollectionEvent, Phase};
use gc_core::weak::WeakTable;
use gc_core::{Capabilities, Collector, GcError, Growth, HeapConfig, HeapUsage, Slot};

/// The mark-compact backend. Use it as `Heap<MarkCompact>`.
///
/// ```text
///  space: the whole capacity, one reservation
///  ┌────────────────────────┬──────────────────────┬─────────┐
///  │ objects, back to back  │ free                 │ LOS     │
///  │ (compacted after a GC) │ (pages released)     │ share   │
///  └────────────────────────┴──────────────────────┴─────────┘
///  start                    free                   limit     end
/// ```
///
/// Unlike [copying](https://docs.rs/gc-copying), no half of the capacity
/// is kept back as a copy reserve: objects slide within the one space, so
/// the live data may fill all of it.
pub struct MarkCompact {
    pub(crate) space: Space,
    /// Objects above [`LARGE_OBJECT_THRESHOLD`]: never move; marked and swept.
    pub(crate) large: LargeObjectSpace,
    buffers: Buffers,
    /// Runs the dead objects' destructors; a panic among them resumes at
    /// the end of the collection (or teardown) that ran it.
    finalizer: Finalizer,
    /// The growth policy: how many vacated pages a collection keeps.
    growth: Growth,
    /// Gives objects their identities (`Collector::identity`).
    identities: IdentityCounter,
    /// Weak references, cleared or moved between planning and updating.
    weak: WeakTable,
}

// SAFETY: every part of the state is owned and has no thread affinity: the
// space (a mapping and its bump pointer), the large-object space (a table of
// mappings), the buffers (object references into its own mappings, which
// move with it, empty between collections), a finalizer (its kept panic
// payload is `Send`), the growth policy, a counter and the weak table.
unsafe impl gc_core::SendCollector for MarkCompact {}

// SAFETY: `alloc` bumps fresh, 16-aligned memory past every object and
// writes the header (rule 1). `collect` marks every object reachable from
// the roots, gives each its new address, rewrites every root and every
// traced field of a live object (large ones included) before moving
// anything, then moves each live object whole, payload byte for byte
// (rule 2). A dead object of the space is finalised once, in the update
// pass that walks each object once, before the slide reuses its memory;
// large ones by the large-object sweep; `Drop` finalises the rest (rule 3).
// A destructor's panic resumes once the collection, or teardown, is
// complete (rule 4). The write barrier is the default plain store (rule 5).
unsafe impl Collector for MarkCompact {
    const NAME: &'static str = "mark-compact";
    const CAPABILITIES: Capabilities = Capabilities {
        moves_objects: true,
        ..Capabilities::DEFAULT
    };

    fn new(config: &HeapConfig) -> Result<Self, GcError> {
        Ok(MarkCompact {
            space: Space::new(config.capacity)?,
            large: LargeObjectSpace::default(),
            buffers: Buffers::default(),
            finalizer: Finalizer::new(),
            growth: config.growth(),
            identities: IdentityCounter::default(),
            weak: WeakTable::new(),
        })
    }

    #[inline(always)]
    unsafe fn alloc(&mut self, info: &'static TypeInfo, size: usize) -> Option<ObjectRef> {
        if size > LARGE_OBJECT_THRESHOLD {
            // SAFETY: `alloc_large`'s bullets are `Collector::alloc`'s,
            // this function's own.
            return unsafe { self.alloc_large(info, size) };
        }
        let start = self.space.bump(size)?;
        // SAFETY: `init`'s bullet: `bump` handed out `size` fresh,
        // 16-aligned bytes past every object, and `size` is the object's
        // size (`Collector::alloc`'s bullet).
        Some(unsafe { ObjectRef::init(start, info, 0) })
    }

    unsafe fn collect(&mut self, roots: &[Slot], event: &mut CollectionEvent) {
        // SAFETY: `collect_with`'s bullet, every root refers to a live
        // object and every payload is initialised, is this function's own.
        unsafe { self.collect_with::<false>(roots, event) }
    }

    /// Objects move, so an identity cannot be the address: the first time
    /// an object is asked, it gets the next number of a counter
    /// ([`IdentityCounter`]), kept in its header's `meta` word (bit 0, the
    /// mark bit during collections, stays clear). A collection saves the word while the forwarding
    /// address takes its place, and puts it back at the new address.
    unsafe fn identity(&mut self, obj: ObjectRef) -> u64 {
        // SAFETY: `identity`'s bullet: the object is live (this
        // function's bullet), and outside collections this backend keeps
        // in `meta` only 0 or an identity the counter gave.
        unsafe { self.identities.identity(obj) }
    }

    fn weak_table(&self) -> &WeakTable {
        &self.weak
    }

    fn weak_table_mut(&mut self) -> &mut WeakTable {
        &mut self.weak
    }

    fn usage(&self) -> HeapUsage {
        HeapUsage {
            bytes: self.space.used() + self.large.bytes(),
            objects: self.space.object_count() + self.large.len(),
        }
    }

    /// After a collection the survivors lie back to back from the space's
    /// start: the used span has no hole (between collections, the dead
    /// objects in it are not yet known).
    fn fragmentation(&self) -> Option<Fragmentation> {
        Some(Fragmentation {
            span_bytes: self.space.used(),
            free_bytes: 0,
            largest_free_run: 0,
        })
    }

    unsafe fn verify(&self, roots: &[Slot]) -> Result<(), String> {
        crate::verify::verify(self, roots)
    }
}

impl MarkCompact {
    /// A full collection; `SKIP_DENSE_PREFIX` is the seeded bug of
    /// [`Lisp2::update`], `false` but in tests.
    ///
    /// # Safety
    /// - As for [`Collector::collect`].
    pub(crate) unsafe fn collect_with<const SKIP_DENSE_PREFIX: bool>(
        &mut self,
        roots: &[Slot],
        event: &mut CollectionEvent,
    ) {
        self.large.clear_marks();
        self.buffers.peak = 0;
        let mut lisp2 = Lisp2 {
            space: &self.space,
            large: &mut self.large,
            buffers: &mut self.buffers,
        };
        event.time(Phase::Roots, || lisp2.mark_roots(roots));
        event.time(Phase::Trace, || lisp2.mark_loop());
        // SAFETY: `trace_values`' bullet: ordinary marking is complete, the
        // weak step is next, and no entry changes in a collection.
        event.time(Phase::Trace, || unsafe {
            self.weak.ephemerons().trace_values(&mut lisp2)
        });
        let plan = event.time(Phase::Reclaim, || lisp2.plan());
        let large = &*lisp2.large;
        // SAFETY: `sweep`'s bullets: marking is complete and nothing is
        // finalised or moved yet; a small object survives exactly if it is
        // marked, at the address step 2 gave it; a large one if marked,
        // where it is. Every entry's object was live at the start.
        unsafe {
            self.weak.sweep(|obj| match large.contains(obj) {
                true => large.is_marked(obj).then_some(obj),
                false => forwarded(obj),
            })
        };
        let finalizer = &mut self.finalizer;
        event.time(Phase::Reclaim, || {
            // SAFETY: `update`'s bullet: step 2 ran, and the weak table was
            // swept just now.
            unsafe { lisp2.update::<SKIP_DENSE_PREFIX>(roots, self.weak.ephemerons(), finalizer) };
            // SAFETY: `slide`'s bullet: the update pass rewrote every root
            // and field and finalised every dead object of the space.
            unsafe { lisp2.slide() };
        });
        event.peak_work_list = self.buffers.peak;
        event.bytes_copied = plan.moved_bytes;
        event.time(Phase::Reclaim, || self.reclaim(plan.free, plan.objects));
        // The collection is complete: a destructor's panic goes on now.
        self.finalizer.resume();
    }

    /// After the slide: ends the space after the survivors (vacating the
    /// pages past the growth policy's headroom) and sweeps the large objects.
    fn reclaim(&mut self, free: usize, objects: usize) {
        let live = free - self.space.start();
        let headroom = self.growth.headroom(live + self.large.bytes());
        let keep = headroom.min(self.growth.max_headroom() / 2);
        // SAFETY: `truncate`'s bullets: the slide left exactly `objects`
        // survivors back to back below `free`, and every root and field
        // was rewritten to their new addresses, all below it.
        unsafe { self.space.truncate(free, objects, keep) };
        // SAFETY: `sweep`'s bullet: marking marked every large object
        // reachable from the roots, after `clear_marks`.
        unsafe { self.large.sweep(&mut self.finalizer) };
        self.space.set_limit(self.large.bytes());
    }

    /// # Safety
    /// - As [`Collector::alloc`].
    #[cold]
    #[inline(never)]
    unsafe fn alloc_large(&mut self, info: &'static TypeInfo, size: usize) -> Option<ObjectRef> {
        let room = self.space.room() + self.large.bytes();
        // SAFETY: `LargeObjectSpace::alloc`'s bullets are `Collector::alloc`'s,
        // this function's own: `size` is the object's size, and the caller
        // initialises the payload before it calls any other method of this
        // collector, so of its large-object space.
        let obj = unsafe { self.large.alloc(info, size, 0, room) }?;
        self.space.set_limit(self.large.bytes());
        Some(obj)
    }
}

impl Drop for MarkCompact {
    /// Teardown: finalises every object of the space and every large
    /// object, then resumes the first destructor panic (if any).
    fn drop(&mut self) {
        for obj in self.space.objects() {
            // SAFETY: `finalize`'s bullets: every object of the space has an
            // initialised payload; no program can reach the heap during
            // teardown; the walk meets each object once and the space is
            // never walked again (its size was read before this call).
            unsafe { self.finalizer.finalize(obj) };
        }
        // SAFETY: `free_all`'s bullet: teardown, so no object of the space
        // is used again.
        unsafe { self.large.free_all(&mut self.finalizer) };
        self.finalizer.resume();
    }
}

#[cfg(test)]
mod tests;
