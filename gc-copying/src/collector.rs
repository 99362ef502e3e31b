//! [`Copying`]: the backend's state and its [`Collector`] implementation.

use crate::cheney::{flaw, forwarding_address, Buffers, Cheney};
use crate::semispace::Semispace;
use gc_core::finalize::Finalizer;
use gc_core::object::{IdentityCounter, ObjectRef, TypeInfo};
use gc_core::os::page_size;
use gc_core::space::{Fragmentation, LargeObjectSpace, LARGE_OBJECT_THRESHOLD};
use gc_core::stats::{CollectionEvent, Phase};
use gc_core::weak::WeakTable;
use gc_core::{Capabilities, Collector, GcError, Growth, HeapConfig, HeapUsage, Slot};

/// The copying backend. Use it as `Heap<Copying>`.
///
/// ```text
///  space: where the mutator allocates       spare: the copy reserve
///  ┌──────────────────┬────────┬──────┐     ┌──────────────────────────┐
///  │ objects          │ free   │ LOS  │     │ empty between collections│
///  │ (back to back)   │        │share │     │ (poisoned or released)   │
///  └──────────────────┴────────┴──────┘     └──────────────────────────┘
///  start              free     limit  end    capacity / 2 bytes each
/// ```
///
/// Small objects and large ones together fit in one semispace
/// (`limit = end - large.bytes()`), so the live small objects always fit in
/// the spare half, and the heap never holds more than `capacity` bytes.
pub struct Copying {
    /// Where the mutator allocates; after a collection, the to-space.
    pub(crate) space: Semispace,
    /// The other half: the to-space during a collection, unused otherwise.
    pub(crate) spare: Semispace,
    /// Objects above [`LARGE_OBJECT_THRESHOLD`]: never move; marked and swept.
    pub(crate) large: LargeObjectSpace,
    /// Every object in `space` whose type has drop glue. A copying collection
    /// never visits dead objects; this list is how it finds their destructors.
    pub(crate) drop_list: Vec<ObjectRef>,
    buffers: Buffers,
    /// Runs the dead objects' destructors; a panic among them resumes at
    /// the end of the collection (or teardown) that ran it.
    finalizer: Finalizer,
    /// The heap's growth policy, which says how many pages of the old
    /// semispace stay committed after a flip (see `Copying::collect`).
    growth: Growth,
    /// Gives objects their identities (`Collector::identity`).
    identities: IdentityCounter,
    /// Weak references, moved or cleared after the copy ([`gc_core::weak`]).
    pub(crate) weak: WeakTable,
}

/// The bytes of each semispace: half the capacity, in whole pages.
fn semispace_size(config: &HeapConfig) -> usize {
    config.capacity / 2 / page_size() * page_size()
}

// SAFETY: every part of the state is owned and has no thread affinity: the
// two semispaces (mappings and bump pointers), the large-object space (a
// table of mappings), `drop_list` and `buffers` (object references and
// scratch slots into its own mappings, which move with it), a finalizer
// (its kept panic payload is `Send`), the growth policy and a counter.
unsafe impl gc_core::SendCollector for Copying {}

// SAFETY: `alloc` bumps fresh, 16-aligned memory and writes the header
// (rule 1). `collect` copies every object reachable from the roots, payload
// byte for byte, and rewrites every root and traced slot that referred to it;
// large objects reached are marked and kept (rule 2). Objects are finalised
// only from the drop list (an entry that was not forwarded is unreachable)
// and by the large-object sweep, each entry taken off its list first; the
// old semispace is reused only after that; `Drop` finalises the rest
// (rule 3). A destructor's panic resumes once the collection, or teardown,
// is complete (rule 4). The write barrier is the default plain store (rule 5).
unsafe impl Collector for Copying {
    const NAME: &'static str = "copying";
    const CAPABILITIES: Capabilities = Capabilities {
        moves_objects: true,
        ..Capabilities::DEFAULT
    };

    fn new(config: &HeapConfig) -> Result<Self, GcError> {
        let half = semispace_size(config);
        Ok(Copying {
            space: Semispace::new(half)?,
            spare: Semispace::new(half)?,
            large: LargeObjectSpace::default(),
            drop_list: Vec::new(),
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
            // SAFETY: `alloc_large`'s bullets are `Collector::alloc`'s, this
            // function's own.
            return unsafe { self.alloc_large(info, size) };
        }
        let start = self.space.bump(size)?;
        // SAFETY: `init`'s bullet: `bump` handed out `size` fresh,
        // 16-aligned bytes of the semispace, which no live object uses, and
        // `size` is the object's size (`Collector::alloc`'s bullet).
        let obj = unsafe { ObjectRef::init(start, info, 0) };
        if info.drop.is_some() {
            self.drop_list.push(obj);
        }
        Some(obj)
    }

    unsafe fn collect(&mut self, roots: &[Slot], event: &mut CollectionEvent) {
        self.collect_with::<{ flaw::NONE }>(roots, event);
    }

    /// Objects move, so an identity cannot be the address: the first time
    /// an object is asked, it gets the next number of a counter
    /// ([`IdentityCounter`]), kept in its header's `meta` word (unused
    /// outside collections; bit 0, the forwarding tag, stays clear), which
    /// a copy carries along.
    unsafe fn identity(&mut self, obj: ObjectRef) -> u64 {
        // SAFETY: `identity`'s bullet: the object is live (this
        // function's bullet), and outside collections this backend keeps
        // in `meta` only 0 or an identity the counter gave.
        unsafe { self.identities.identity(obj) }
    }

    /// One semispace: the other is the copy reserve.
    fn object_capacity(config: &HeapConfig) -> usize {
        semispace_size(config)
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

    /// Small objects lie back to back from the semispace's start, so the
    /// used span has no hole; large objects are outside it.
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

impl Copying {
    /// A full collection; `FLAW` is a seeded bug ([`flaw`], `seeded_bug`),
    /// [`flaw::NONE`] but in tests: [`flaw::STALE_LAST_ROOT`] of
    /// [`Cheney::copy_roots`], [`flaw::SKIP_OUT_OF_LINE`] of
    /// [`Cheney::scan`], [`flaw::STALE_WEAK`]: the weak step keeps a
    /// moved object's entry at its old address, and
    /// [`flaw::KEEP_LARGE_MARKS`]: the large objects' marks are not cleared.
    pub(crate) fn collect_with<const FLAW: u8>(
        &mut self,
        roots: &[Slot],
        event: &mut CollectionEvent,
    ) {
        if FLAW != flaw::KEEP_LARGE_MARKS {
            self.large.clear_marks();
        }
        // Its pages are committed as the copies reach them (`Semispace::bump`).
        self.spare.clear();
        let mut cheney = Cheney {
            from: &self.space,
            to: &mut self.spare,
            large: &mut self.large,
            buffers: &mut self.buffers,
            scanned: 0,
        };
        event.time(Phase::Roots, || cheney.copy_roots::<FLAW>(roots));
        event.time(Phase::Trace, || cheney.scan::<FLAW>());
        // SAFETY: `trace_values`' bullet: the scan is complete, the weak
        // step is next, and no entry changes in a collection.
        event.time(Phase::Trace, || unsafe {
            self.weak.ephemerons().trace_values(&mut cheney)
        });
        let large = &self.large;
        // SAFETY: the copy is complete and nothing is finalised or
        // discarded yet: a surviving small object left a forwarding address
        // in its intact old copy, a surviving large one (never moved) was
        // marked, and a large object is never forwarded. (Unless
        // `flaw::STALE_WEAK`, the seeded bug, which breaks exactly the address
        // answered for a moved object; only its tests run it, and the
        // harness stops at the first upgrade of such an entry, comparing
        // addresses without reading the object.)
        unsafe {
            self.weak.sweep(|obj| match forwarding_address(obj) {
                Some(copy) => Some(if FLAW == flaw::STALE_WEAK { obj } else { copy }),
                None => large.is_marked(obj).then_some(obj),
            })
        };
        event.bytes_copied = self.spare.used();
        event.time(Phase::Reclaim, || self.reclaim());
        // The collection is complete: a destructor's panic goes on now.
        self.finalizer.resume();
    }

    /// # Safety
    /// - As [`Collector::alloc`].
    #[cold]
    #[inline(never)]
    unsafe fn alloc_large(&mut self, info: &'static TypeInfo, size: usize) -> Option<ObjectRef> {
        let room = self.space.len() - self.space.used();
        // SAFETY: `LargeObjectSpace::alloc`'s bullets are `Collector::alloc`'s,
        // this function's own: `size` is the object's size, and the caller
        // initialises the payload before it calls any other method of this
        // collector, so of its large-object space.
        let obj = unsafe { self.large.alloc(info, size, 0, room) }?;
        self.space.set_limit(self.large.bytes());
        Some(obj)
    }

    /// After the copy: flips the semispaces, runs the destructors of dead
    /// objects, sweeps the large objects and discards the old semispace.
    fn reclaim(&mut self) {
        std::mem::swap(&mut self.space, &mut self.spare);
        self.settle_drop_list();
        // SAFETY: `sweep`'s bullet: the copy marked every large object
        // reachable from the roots (`Cheney::forward`), after `clear_marks`.
        unsafe { self.large.sweep(&mut self.finalizer) };
        self.space.set_limit(self.large.bytes());
        // The old half is the next collection's to-space, then the
        // mutator's: keeping the pages the live bytes and the next
        // allocations will need spares page faults, but an idle half costs
        // its pages one for one. So it keeps the copy reserve (the live
        // bytes) plus the headroom, the latter up to half `max_headroom`;
        // a larger headroom faults its pages in as the mutator allocates.
        let live = self.space.used();
        let headroom = self.growth.headroom(live + self.large.bytes());
        let keep = live + headroom.min(self.growth.max_headroom() / 2);
        // SAFETY: `discard`'s bullet: every reachable object was copied out
        // of the old semispace and every slot referring to it rewritten;
        // the dead ones were finalised above and are off the drop list, and
        // no Rust reference into the old half outlives this collection.
        unsafe { self.spare.discard(keep) };
    }

    /// Points each drop-list entry that was copied at its copy, and finalises
    /// the rest (unreachable) while their memory is still intact. Dead
    /// entries leave the list before any destructor runs, so none is
    /// finalised twice; a panicking one stops none of the others.
    fn settle_drop_list(&mut self) {
        let dead = &mut self.buffers.dead;
        self.drop_list.retain_mut(|obj| {
            // SAFETY: `forwarding_address`'s bullet: entries are objects of
            // the old semispace that were live when the collection started
            // (dead ones leave the list when finalised), and its headers are
            // intact until `discard`.
            match unsafe { forwarding_address(*obj) } {
                Some(copy) => {
                    *obj = copy;
                    true
                }
                None => {
                    dead.push(*obj);
                    false
                }
            }
        });
        for obj in self.buffers.dead.drain(..) {
            // SAFETY: `finalize`'s bullets: an object of the intact old
            // semispace with an initialised payload, live until now and not
            // forwarded, so unreachable; it was on the drop list once and
            // has left it, so this is its first and only finalisation.
            unsafe { self.finalizer.finalize(obj) };
        }
    }
}

impl Drop for Copying {
    /// Teardown: finalises every object still on the drop list and every
    /// large object, then resumes the first destructor panic (if any).
    fn drop(&mut self) {
        for obj in self.drop_list.drain(..) {
            // SAFETY: `finalize`'s bullets: every entry is a live object of
            // `space` with an initialised payload, unreachable (no program
            // can reach the heap during teardown), off the list now, so
            // finalised for the first and only time.
            unsafe { self.finalizer.finalize(obj) };
        }
        // SAFETY: `free_all`'s bullet: teardown, so no object of the space
        // is used again.
        unsafe { self.large.free_all(&mut self.finalizer) };
        self.finalizer.resume();
    }
}
