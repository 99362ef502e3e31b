//! The Lisp-2 algorithm: mark, compute forwarding addresses, update every
//! reference, slide. Four passes: marking visits the live objects; the plan
//! walks the whole space in address order, dead objects too, and leaves in
//! the first object of each run of dead ones the address where the run
//! ends, so that the update and the slide visit the survivors and skip each
//! dead run in one step.
//!
//! ```text
//!  before   ┌──A──┬─dead─┬──B──┬─dead─┬─dead─┬───C───┬─────────────
//!           │  ·──┼──────┼──►  │      │      │       │
//!  1. mark  │  A✓ │      │  B✓ │      │      │  C✓   │   (✓: bit 0 of meta)
//!  2. plan  │A→0  │      │B→|A||      │      │C→|A|+|B|  (meta = new address | ✓)
//!  3. update: every root and every live object's fields read their
//!           target's new address out of its header; dead objects are
//!           finalised (their `Drop` runs, in place)
//!  4. slide ┌──A──┬──B──┬───C───┬──────────────────────────────────
//!           │  ·──┼─►   │       │ free
//! ```
//!
//! Why this order works:
//! - **Sliding preserves address order**, so an object's new address is
//!   never above its old one, and moving objects in address order never
//!   overwrites one that has not moved yet (`ptr::copy`, a memmove,
//!   handles an object that overlaps its own new place).
//! - **Forwarding addresses live in the header** (the `meta` word), where
//!   step 3 finds them in O(1) per reference. The words they overwrite are
//!   the objects' identities ([`Collector::identity`]): step 1 saves each
//!   non-zero one in a side list, as HotSpot's serial mark-compact saves
//!   the mark words it must keep ("preserved marks"), and step 4 puts it
//!   back at the object's new address.
//! - **References are updated before anything moves** (step 3 reads
//!   headers at the old addresses); once the slide starts, no header is
//!   read at an old address again.
//! - **Dead objects are finalised in step 3** (step 2 lists the ones with a
//!   destructor: no drop list is kept between collections), after the weak
//!   step (between 2 and 3: the new addresses are known, so a surviving
//!   entry moves with its object) and before step 4 slides live objects
//!   over their memory.
//!
//! Large objects (over 8 KiB) never move: gc-core's [`LargeObjectSpace`]
//! marks them in step 1 (its side bits), their fields are updated in step 3,
//! and unmarked ones are swept after it.
//!
//! [`LargeObjectSpace`]: gc_core::space::LargeObjectSpace
//! [`Collector::identity`]: gc_core::Collector::identity

use crate::space::Space;
use gc_core::ephemeron::{EphemeronMarker, EphemeronTable};
use gc_core::finalize::Finalizer;
use gc_core::object::ObjectRef;
use gc_core::space::LargeObjectSpace;
use gc_core::{Slot, Tracer};
use std::ptr::NonNull;

/// Bit 0 of a header's `meta` word during a collection: the object is
/// marked (live). Objects are 16-aligned, so a new address leaves it free;
/// outside collections `meta` holds an identity shifted left by one, so
/// the bit is always clear then.
const MARKED: usize = 1;

/// Buffers reused across collections, so a collection allocates nothing in
/// the steady state.
pub(crate) struct Buffers {
    /// Marked objects whose fields are not yet traced.
    stack: Vec<ObjectRef>,
    /// The `meta` words step 2 overwrites and step 4 restores: (the object,
    /// at its old address and from step 2 on at its new one; the word).
    preserved: Vec<(ObjectRef, usize)>,
    /// Slots reported by the object being traced.
    tracer: Tracer,
    /// The marked large objects, whose fields step 3 updates.
    large: Vec<ObjectRef>,
    /// Dead objects with a destructor, listed by step 2 for step 3.
    dead: Vec<ObjectRef>,
    /// The most objects on the mark stack at once in the last collection.
    pub(crate) peak: usize,
    /// While the ephemeron phase marks: every object marked, for
    /// [`EphemeronMarker::mark_from`]'s `newly`.
    newly: Option<Vec<ObjectRef>>,
}

impl Default for Buffers {
    fn default() -> Buffers {
        Buffers {
            stack: Vec::new(),
            preserved: Vec::new(),
            // SAFETY: `for_collection`'s bullet: these buffers serve
            // collections only (`Lisp2`), which run between mutation
            // regions: no lock guard of a traced object is in use.
            tracer: unsafe { Tracer::for_collection() },
            large: Vec::new(),
            dead: Vec::new(),
            peak: 0,
            newly: None,
        }
    }
}

/// What step 2 found: the survivors' bytes and count, which is where the
/// space ends after the slide.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Plan {
    /// The end of the last survivor after the slide.
    pub(crate) free: usize,
    /// Surviving objects in the space.
    pub(crate) objects: usize,
    /// Bytes of the survivors that change address.
    pub(crate) moved_bytes: usize,
}

/// One collection's passes over the space.
pub(crate) struct Lisp2<'a> {
    pub(crate) space: &'a Space,
    pub(crate) large: &'a mut LargeObjectSpace,
    pub(crate) buffers: &'a mut Buffers,
}

impl Lisp2<'_> {
    /// Step 1, the roots: marks the object each root refers to.
    pub(crate) fn mark_roots(&mut self, roots: &[Slot]) {
        for obj in roots.iter().filter_map(Slot::get) {
            self.mark(obj);
        }
    }

    /// Step 1, the rest: traces marked objects until the stack is empty.
    /// An explicit stack, never recursion: a list of ten million nodes
    /// needs no Rust stack.
    pub(crate) fn mark_loop(&mut self) {
        while let Some(obj) = self.buffers.stack.pop() {
            // SAFETY: `trace`'s bullet: a marked object is reachable, so live,
            // with an initialised payload (`Collector::collect`'s bullet).
            unsafe { obj.trace(&mut self.buffers.tracer) };
            while let Some(slot) = self.buffers.tracer.pop() {
                // SAFETY: `as_ref`: a slot reported just now by the trace
                // of a live object; nothing moves during marking.
                if let Some(target) = unsafe { slot.as_ref() }.get() {
                    self.mark(target);
                }
            }
        }
    }

    /// Marks `obj` and pushes it if this marked it and it has fields.
    #[inline(always)]
    fn mark(&mut self, obj: ObjectRef) {
        let newly = if self.space.contains(obj.addr()) {
            // SAFETY: `meta`'s bullet: a slot's target in the space is live.
            let meta = unsafe { obj.meta() };
            let word = meta.get();
            if word & MARKED != 0 {
                false
            } else {
                if word != 0 {
                    self.buffers.preserved.push((obj, word));
                }
                meta.set(MARKED);
                true
            }
        } else {
            self.large.mark(obj)
        };
        if newly {
            if let Some(list) = &mut self.buffers.newly {
                list.push(obj);
            }
        }
        // SAFETY: `info`'s bullet: the object is live (a slot's target).
        if newly && unsafe { obj.info() }.needs_trace {
            self.buffers.stack.push(obj);
            self.buffers.peak = self.buffers.peak.max(self.buffers.stack.len());
        }
    }

    /// Step 2: gives every marked object of the space its new address, the
    /// sum of the sizes of the survivors below it, kept in its `meta`
    /// word; moves each preserved word's object to its new address. The
    /// first object of each run of dead ones gets the address where the
    /// run ends instead, so steps 3 and 4 skip the run in one step
    /// ([`survivors`]); the dead objects with a destructor are
    /// listed for step 3.
    pub(crate) fn plan(&mut self) -> Plan {
        let mut plan = Plan {
            free: self.space.start(),
            ..Plan::default()
        };
        let mut run: Option<ObjectRef> = None;
        for obj in self.space.objects() {
            // SAFETY: `meta`'s bullet: every object of the walk has an
            // intact header (nothing is finalised or moved before step 3).
            let meta = unsafe { obj.meta() };
            if meta.get() & MARKED == 0 {
                // SAFETY: `info`'s bullet: the header is intact, as above.
                if unsafe { obj.info() }.drop.is_some() {
                    self.buffers.dead.push(obj);
                }
                run.get_or_insert(obj);
                continue;
            }
            if let Some(head) = run.take() {
                // SAFETY: `meta`'s bullet: a dead object's header is intact
                // until step 4 slides over it; its word is not needed again
                // (dead objects' identities die with them).
                unsafe { head.meta() }.set(obj.addr());
            }
            meta.set(plan.free | MARKED);
            // SAFETY: `size`'s bullet: the header and a slice's length are
            // intact: nothing is finalised or moved before step 3.
            let size = unsafe { obj.size() };
            if plan.free != obj.addr() {
                plan.moved_bytes += size;
            }
            plan.free += size;
            plan.objects += 1;
        }
        if let Some(head) = run {
            // SAFETY: `meta`'s bullet: the last run's first object is dead,
            // its header intact until step 4 slides over it.
            unsafe { head.meta() }.set(self.space.free());
        }
        for (obj, _) in &mut self.buffers.preserved {
            // SAFETY: `forwarded`'s bullet: a preserved object was marked in
            // step 1, so walked just now, and nothing has moved yet.
            *obj = unsafe { forwarded(*obj) }.expect("a preserved object is marked");
        }
        plan
    }

    /// Step 3: points every root and every live object's fields (large
    /// objects' too) at their targets' new addresses, and finalises the
    /// dead objects of the space that step 2 listed. `SKIP_DENSE_PREFIX`
    /// is the seeded bug of `seeded_bug::SkippedDensePrefix`: objects that
    /// do not move are not updated. `false` but in tests.
    ///
    /// # Safety
    /// - Step 2 has run on this collection's marks, and the weak table has
    ///   been swept (after this, dead objects are finalised).
    pub(crate) unsafe fn update<const SKIP_DENSE_PREFIX: bool>(
        &mut self,
        roots: &[Slot],
        ephemerons: &EphemeronTable,
        finalizer: &mut Finalizer,
    ) {
        roots.iter().for_each(|slot| self.update_slot(slot));
        ephemerons.value_slots(|slot| self.update_slot(slot));
        for obj in self.buffers.dead.drain(..) {
            // SAFETY: `finalize`'s bullets: an object of the space with an
            // initialised payload, not marked so unreachable; step 2 listed
            // it once and it leaves the list now, and step 4 slides over
            // its memory, so this is its first and only finalisation.
            unsafe { finalizer.finalize(obj) };
        }
        let space = self.space;
        // SAFETY: `survivors`'s bullet: step 2 has run (this function's
        // bullet), and nothing moves before step 4.
        for obj in unsafe { survivors(space) } {
            // SAFETY: `forwarded`'s bullet: a survivor whose header the
            // walk read just now; nothing moves before step 4.
            let stays = SKIP_DENSE_PREFIX && unsafe { forwarded(obj) } == Some(obj);
            if !stays {
                self.update_fields(obj);
            }
        }
        let mut queue = std::mem::take(&mut self.buffers.large);
        let large = &self.large;
        queue.extend(large.objects().filter(|&obj| large.is_marked(obj)));
        queue.drain(..).for_each(|obj| self.update_fields(obj));
        self.buffers.large = queue;
    }

    /// Rewrites each field of the live object `obj` to its target's new address.
    fn update_fields(&mut self, obj: ObjectRef) {
        // SAFETY: `trace`'s bullet: `obj` is marked, so live and initialised.
        unsafe { obj.trace(&mut self.buffers.tracer) };
        while let Some(slot) = self.buffers.tracer.pop() {
            // SAFETY: `as_ref`: a field reported just now by a live
            // object's trace; nothing has moved yet.
            self.update_slot(unsafe { slot.as_ref() });
        }
    }

    /// Points `slot` at its target's new address (a large target stays).
    #[inline(always)]
    fn update_slot(&self, slot: &Slot) {
        let Some(obj) = slot.get() else { return };
        if self.space.contains(obj.addr()) {
            // SAFETY: `forwarded`'s bullet: a live slot's target in the
            // space is a marked object whose header holds its new address.
            let new = unsafe { forwarded(obj) }.expect("a reachable object is marked");
            slot.set(Some(new));
        }
    }

    /// Step 4: moves every marked object down to its new address in
    /// address order, clears its `meta` word, then restores the preserved
    /// words at the new addresses.
    ///
    /// # Safety
    /// - Step 3 has run: no root or field refers to an old address, and
    ///   every dead object of the space is finalised.
    pub(crate) unsafe fn slide(&mut self) {
        // SAFETY: `survivors`'s bullet: step 2 has run, and each object is
        // moved only after the walk has read its header and passed it.
        for obj in unsafe { survivors(self.space) } {
            // SAFETY: `forwarded`'s bullet: a survivor whose header the walk
            // read just now, before anything was moved onto it.
            let new = unsafe { forwarded(obj) }.expect("a survivor is marked");
            if new != obj {
                // SAFETY: `size`'s bullet: the header and a slice's length
                // are intact: nothing has been moved onto `obj` yet.
                let size = unsafe { obj.size() };
                // SAFETY: both ranges lie in the space's mapping; `copy` is
                // a memmove, so an object overlapping its new place is
                // copied correctly; the bytes overwritten below `obj` belong
                // to dead (finalised) objects or to survivors already moved.
                unsafe { std::ptr::copy(obj.start().as_ptr(), new.start().as_ptr(), size) };
            }
            // SAFETY: `meta`'s bullet: `new` now starts the moved object.
            unsafe { new.meta() }.set(0);
        }
        for (obj, word) in self.buffers.preserved.drain(..) {
            // SAFETY: `meta`'s bullet: step 2 moved each entry to its
            // object's new address, where the object now lies.
            unsafe { obj.meta() }.set(word);
        }
    }
}

/// The space's survivors in address order, each run of dead objects
/// skipped in one step (step 2 left the run's end in its first
/// object's header). Each header is read when the walk reaches it, so
/// the caller may move the object it is given down (step 4): that
/// never reaches the header that follows.
///
/// # Safety
/// - Step 2 has run, and no object at or above the walk's position
///   has been moved onto.
unsafe fn survivors(space: &Space) -> impl Iterator<Item = ObjectRef> + '_ {
    let (mut at, free) = (space.start(), space.free());
    std::iter::from_fn(move || loop {
        if at >= free {
            return None;
        }
        // SAFETY: `from_addr`'s bullet: `at` is the space's start, the
        // end of a survivor or the end of a dead run: an object start
        // with an intact header (the function's bullet).
        let obj = unsafe { ObjectRef::from_addr(at) };
        // SAFETY: `meta`'s bullet: the header is intact, as above.
        let word = unsafe { obj.meta() }.get();
        if word & MARKED == 0 {
            at = word;
            continue;
        }
        // SAFETY: `size`'s bullet: the header and a slice's length
        // are intact, as above.
        at += unsafe { obj.size() };
        return Some(obj);
    })
}

/// The new address step 2 gave `obj`, or `None` if it is not marked.
///
/// # Safety
/// - `obj` is an object of the space with an intact header, in a
///   collection between step 1 and the slide.
pub(crate) unsafe fn forwarded(obj: ObjectRef) -> Option<ObjectRef> {
    // SAFETY: `meta`'s bullet: the header is intact (this function's bullet).
    let word = unsafe { obj.meta() }.get();
    // SAFETY: `from_addr`'s bullet: a marked object's word is, after step 2,
    // its new address, where step 4 puts the object, header first.
    (word & MARKED != 0).then(|| unsafe { ObjectRef::from_addr(word & !MARKED) })
}

// SAFETY: `is_live` is this collection's mark (the header bit of an object
// of the space, set since its marks were cleared by the last collection's
// slide; the large-object space's mark); nothing moves before the weak
// step, so an object's address is the one it had at the start.
// `mark_from` marks what the slots refer to and runs the mark loop to the
// end, recording every object `mark` newly marks, and hands them to
// `newly` before it returns.
unsafe impl EphemeronMarker for Lisp2<'_> {
    fn is_live(&self, obj: ObjectRef) -> bool {
        if self.space.contains(obj.addr()) {
            // SAFETY: `meta`'s bullet: the trait's caller asks about objects
            // of the heap that were live when the collection started.
            unsafe { obj.meta() }.get() & MARKED != 0
        } else {
            self.large.is_marked(obj)
        }
    }

    fn mark_from(&mut self, slots: &[NonNull<Slot>], newly: &mut dyn FnMut(ObjectRef)) {
        self.buffers.newly = Some(Vec::new());
        for slot in slots {
            // SAFETY: `as_ref`: the trait's caller lends slots valid for the
            // call (values of weak-map entries); nothing moves while marking.
            if let Some(target) = unsafe { slot.as_ref() }.get() {
                self.mark(target);
            }
        }
        self.mark_loop();
        for obj in self.buffers.newly.take().unwrap_or_default() {
            newly(obj);
        }
    }
}
