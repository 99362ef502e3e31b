//! Cycle collection by trial deletion (Bacon and Rajan, "Concurrent Cycle
//! Collection in Reference Counted Systems", ECOOP 2001, synchronous
//! version).
//!
//! A garbage cycle keeps every member's count above 0. From the buffered
//! *candidates* (possible roots of garbage cycles), three passes decide
//! what the candidates reach, and a fourth frees the garbage:
//! 1. **mark gray** (`TrialDeletion::mark_gray`): paint everything
//!    reachable from the candidates gray, subtracting each reference found
//!    inside that subgraph from its target;
//! 2. **scan** (`TrialDeletion::scan`): a gray object with a count still
//!    above 0, or a rooted one, is referenced from outside;
//! 3. **scan black** (`TrialDeletion::scan_black`): such an object and
//!    everything it reaches become black again and get their references
//!    back; scanning paints the rest white;
//! 4. **collect white** (`collect_white`): white objects are garbage; they
//!    are freed without touching counts, as gray marking already took their
//!    references away.
//!
//! Each pass is a loop over an explicit stack. Scanning lists the objects
//! it paints white, so collecting them needs no further traversal (an
//! object painted white and later reached from a black one is black again,
//! and skipped).
//!
//! **Each candidate alone first, then the rest together.** The paper runs
//! each pass over all candidates before the next (a *batch*). Here each
//! candidate is first examined alone, while its subgraph is in cache
//! ([`alone`]: a bounded, logged gray marking that decides most subgraphs
//! without a scan); the candidates whose subgraphs are too big, and every
//! candidate once examining them alone stops paying, go to one batch run
//! of the four passes at the end (`TrialDeletion::run_batch`).
//!
//! **Which objects are candidates.** The paper buffers an object whose count
//! is decremented to a non-zero value. Roots are not counted here, so a cycle
//! that only roots ever held (built in a scope that then closed) sees no
//! decrement at all. Two more sources close that gap:
//! - the target of a store that may close a cycle (`Counts::stored`): a
//!   store pointing `owner` at `new` closes one only if `new` already
//!   reaches `owner` through fields, so only if a field refers to `owner`
//!   (its count is above 0) and `new` has a non-null field, or `new` is
//!   `owner`. Every cycle is closed by some store, and its target is in the
//!   cycle. Building a structure, parents first or children first, stores
//!   into objects nothing refers to yet (or stores leaves), so acyclic data
//!   never becomes a candidate this way, whatever its allocation order;
//! - every rooted object trial deletion reaches: a root is a reference that
//!   may vanish without a decrement, so the object stays a candidate.
//!
//! For the same reason a candidate that is incremented again stays in the
//! buffer (the paper's synchronous version drops it): the store that
//! incremented it had it rooted, and that root may vanish unseen. Objects
//! of types that own no `Gc` (`TypeInfo::needs_trace` is false) can be in no
//! cycle and are never buffered.
//!
//! Once examined and found live, a candidate leaves the buffer (unless
//! rooted): what kept its cycle alive was a member some field outside the
//! cycle refers to, whose removal is a decrement (a candidate again), or a
//! rooted member, which stays a candidate.

pub mod alone;

use crate::count::{for_each_child, Color, Counts, Flag, Word};
use alone::{Logs, Pace};
use gc_core::ephemeron::EphemeronTable;
use gc_core::object::ObjectRef;
use gc_core::space::FreeListSpace;
use gc_core::Tracer;

pub use alone::LOCAL_LIMIT;

/// The trial-deletion passes and the stacks they reuse.
pub(crate) struct TrialDeletion {
    tracer: Tracer,
    /// The work stack of gray marking and of scanning.
    stack: Vec<ObjectRef>,
    /// The work stack of black scanning, which scanning starts.
    black: Vec<ObjectRef>,
    /// The objects scanning painted white, in the order it did.
    whites: Vec<ObjectRef>,
    /// What a candidate examined alone painted and subtracted.
    logs: Logs,
    /// Candidates left to the batch run.
    batch: Vec<ObjectRef>,
    /// Objects painted gray by the last run.
    pub(crate) last_scanned: usize,
    /// A seeded bug ([`flaw`]), [`flaw::NONE`] but in tests.
    pub(crate) flaw: u8,
}

/// The seeded bugs trial deletion can plant (`seeded_bug`), as its `flaw`.
pub(crate) mod flaw {
    /// The real collector.
    pub(crate) const NONE: u8 = 0;
    /// Each object's first child is visited twice (`TraceTwice`).
    pub(crate) const TRACE_TWICE: u8 = 1;
    /// Freeing the white objects decrements their children again
    /// (`FreeDecrementsAgain`).
    pub(crate) const FREE_DECREMENTS: u8 = 2;
    /// A released candidate leaves the buffer without being freed
    /// (`LeakDeadCandidate`).
    pub(crate) const LEAK_DEAD_CANDIDATE: u8 = 3;
    /// Reconciliation frees a released candidate while the buffer still
    /// holds it (`FreeBufferedCandidate`).
    pub(crate) const FREE_BUFFERED: u8 = 4;
}

/// In debug builds and wherever the seeded bugs exist (tests, the
/// `seeded-bugs` feature), checks [`Counts`]' invariant that every
/// buffered candidate is allocated and flagged `BUFFERED` before a pass
/// reads the buffer: a candidate freed while buffered (its cell free, or
/// reused by a later object) panics here instead of being read after its
/// free (the seeded bug `FreeBufferedCandidate`).
pub(crate) fn check_buffer(candidates: &[ObjectRef], space: &FreeListSpace) {
    if cfg!(any(debug_assertions, test, feature = "seeded-bugs")) {
        for &obj in candidates {
            // `is_object` reads the space's tables, not the cell; `&&`
            // reads the header (`Word::of`) only of an allocated object.
            // SAFETY: `Word::of`'s bullet: allocated, as just checked.
            let buffered =
                space.is_object(obj.addr()) && unsafe { Word::of(obj) }.has(Flag::BUFFERED);
            assert!(buffered, "the candidate buffer holds {obj:?}, which is no buffered object (freed while buffered?)");
        }
    }
}

impl Default for TrialDeletion {
    fn default() -> TrialDeletion {
        TrialDeletion {
            // SAFETY: `for_collection`'s bullet: this tracer traces only in
            // `TrialDeletion::collect`, which runs inside collections,
            // between mutation regions, so no lock guard of a traced object
            // can be in use.
            tracer: unsafe { Tracer::for_collection() },
            stack: Vec::new(),
            black: Vec::new(),
            whites: Vec::new(),
            logs: Logs::default(),
            batch: Vec::new(),
            last_scanned: 0,
            flaw: flaw::NONE,
        }
    }
}

impl TrialDeletion {
    /// Frees every garbage cycle (and what hangs off it) reachable from the
    /// candidates; returns the number of objects freed that way. Also frees
    /// the candidates flagged `DEAD` (released by reconciliation).
    ///
    /// # Safety
    /// - Every object a root refers to is flagged `ROOTED`.
    /// - The ZCT was just reconciled, so every candidate is allocated and
    ///   every object with count 0 is rooted or `DEAD`.
    pub(crate) unsafe fn collect(
        &mut self,
        counts: &Counts,
        space: &mut FreeListSpace,
        eph: &EphemeronTable,
    ) -> usize {
        let candidates = std::mem::take(&mut *counts.candidates.borrow_mut());
        check_buffer(&candidates, space);
        self.last_scanned = 0;
        let (mut pace, mut freed) = (Pace::default(), 0);
        for &obj in &candidates {
            // SAFETY: `turn`'s bullets: `obj` is allocated (the caller's
            // second bullet; a waiting candidate keeps `BUFFERED`, so only
            // its own turn frees it), the caller's bullets hold, and each
            // turn leaves every object black but the waiting candidates it
            // found garbage, which it paints white.
            freed += unsafe { self.turn(obj, counts, space, &mut pace, eph) };
        }
        if !self.batch.is_empty() {
            // SAFETY: `run_batch`'s bullets: the batch holds candidates that
            // kept `BUFFERED` through every turn, so none was freed, and
            // the caller's bullets hold.
            freed += unsafe { self.run_batch(counts, space, eph) };
        }
        // SAFETY: `requeue_survivors`' bullet: the buffer holds only rooted
        // objects that `blacken` or `settle_black` kept, allocated.
        unsafe { requeue_survivors(counts) };
        freed
    }

    /// The paper's collection over the candidates of the batch: gray from
    /// each, scan black from those referenced from outside, scan from
    /// each, then collect the white objects. Returns how many it freed.
    ///
    /// # Safety
    /// - Every entry of the batch is allocated and flagged `BUFFERED`.
    /// - As [`TrialDeletion::collect`].
    unsafe fn run_batch(
        &mut self,
        counts: &Counts,
        space: &mut FreeListSpace,
        eph: &EphemeronTable,
    ) -> usize {
        let mut batch = std::mem::take(&mut self.batch);
        // SAFETY: `leave_buffer`'s bullet is this function's first one.
        let mut freed = unsafe { alone::leave_buffer(&mut batch, space) };
        for &obj in &batch {
            // SAFETY: `mark_gray`'s bullet: entries left are allocated.
            unsafe { self.mark_gray(obj, eph) };
        }
        // Scanning black from the candidates referenced from outside first
        // saves work, not a different result: scanned first, a candidate
        // that only they reach (the old end of a list built by prepending)
        // would be painted white all the way down, then black again.
        for &obj in &batch {
            // SAFETY: `Word::of`'s bullet: entries left are allocated.
            let word = unsafe { Word::of(obj) };
            if word.color() == Color::Gray && external(word) {
                // SAFETY: `scan_black`'s bullet: allocated (an entry left).
                unsafe { self.scan_black(obj, counts, eph) };
            }
        }
        for &obj in &batch {
            // SAFETY: `scan`'s bullet: allocated, and gray marking has run
            // from every entry.
            unsafe { self.scan(obj, counts, eph) };
        }
        // SAFETY: `collect_white`'s bullets: `whites` lists each object
        // once, as scanning painted it; every white one is garbage (after
        // every scan no root, no black object and nothing outside the
        // gray subgraphs refers to it) and in no table (rooted objects are
        // never white, the batch left the buffer, the ZCT holds only
        // rooted objects); nothing was freed since it was listed.
        freed += unsafe {
            collect_white(
                &self.whites,
                counts,
                space,
                (self.flaw, &mut self.tracer, eph),
            )
        };
        self.whites.clear();
        batch.clear();
        self.batch = batch;
        freed
    }

    /// Mark gray: paints `root` and everything it reaches gray, subtracting
    /// each reference between them from its target's count.
    ///
    /// # Safety
    /// - `root` is allocated.
    unsafe fn mark_gray(&mut self, root: ObjectRef, eph: &EphemeronTable) {
        self.stack.push(root);
        while let Some(obj) = self.stack.pop() {
            // SAFETY: `Word::of`'s bullet: `root` (this function's bullet) or a field's
            // target, and nothing is freed during marking: allocated.
            let word = unsafe { Word::of(obj) };
            if word.color() == Color::Gray {
                continue;
            }
            word.paint(Color::Gray);
            self.last_scanned += 1;
            let stack = &mut self.stack;
            let subtract = |child| {
                // SAFETY: `Word::of`'s bullet: a field's target, allocated.
                // Its count includes that field, and each gray object's
                // fields are subtracted once, so it does not underflow.
                unsafe { Word::of(child) }.decrement();
                stack.push(child);
            };
            // SAFETY: `for_each_child`'s bullets: `obj` is allocated (above)
            // and initialised (every allocated object is, between regions);
            // the closure frees nothing.
            unsafe { children(obj, &mut self.tracer, eph, self.flaw, subtract) };
        }
    }

    /// Scan: decides each gray object reachable from `root`. One referenced
    /// from outside (count above 0, or rooted) is scanned black with all it
    /// reaches; the others turn white and are listed in `whites`.
    ///
    /// # Safety
    /// - `root` is allocated and gray marking has run from it.
    unsafe fn scan(&mut self, root: ObjectRef, counts: &Counts, eph: &EphemeronTable) {
        self.stack.push(root);
        while let Some(obj) = self.stack.pop() {
            // SAFETY: `Word::of`'s bullet: `root` (this function's bullet) or a field's
            // target, and scanning frees nothing: allocated.
            let word = unsafe { Word::of(obj) };
            if word.color() != Color::Gray {
                continue;
            }
            if external(word) {
                // SAFETY: `scan_black`'s bullet: allocated (above).
                unsafe { self.scan_black(obj, counts, eph) };
                continue;
            }
            word.paint(Color::White);
            self.whites.push(obj);
            let stack = &mut self.stack;
            // SAFETY: `for_each_child`'s bullets: `obj` is allocated (above)
            // and initialised; the closure frees nothing.
            unsafe {
                children(obj, &mut self.tracer, eph, self.flaw, |child| {
                    stack.push(child)
                })
            };
        }
    }

    /// Scan black: paints `root` and every non-black object it reaches
    /// black, giving back the references gray marking subtracted.
    ///
    /// # Safety
    /// - `root` is allocated.
    unsafe fn scan_black(&mut self, root: ObjectRef, counts: &Counts, eph: &EphemeronTable) {
        // SAFETY: `blacken`'s bullet: allocated (this function's bullet).
        unsafe { blacken(root, counts) };
        self.black.push(root);
        while let Some(obj) = self.black.pop() {
            let black = &mut self.black;
            let restore = |child| {
                // SAFETY: `Word::of`'s bullet: a field's target, and
                // scanning frees nothing: allocated.
                let word = unsafe { Word::of(child) };
                word.increment();
                if word.color() != Color::Black {
                    // SAFETY: `blacken`'s bullet: `child` is allocated (above).
                    unsafe { blacken(child, counts) };
                    black.push(child);
                }
            };
            // SAFETY: `for_each_child`'s bullets: `obj` is `root` or a
            // field's target, allocated and initialised; `restore` frees
            // nothing.
            unsafe { children(obj, &mut self.tracer, eph, self.flaw, restore) };
        }
    }
}

/// Collect white: frees the objects of `listed` that are still white (or
/// gray: a subgraph found garbage without a scan); returns how many. A
/// black one was reached from a black object after it was listed and is
/// skipped. A waiting candidate is painted white instead, and freed at its
/// turn.
///
/// # Safety
/// - Every listed object is allocated, and listed once.
/// - Every one that is neither black nor `BUFFERED` is garbage: no root,
///   no black object and no object outside the listed ones refers to it;
///   and it is in no table.
///
/// `flaw` [`flaw::FREE_DECREMENTS`] plants a seeded bug: before freeing,
/// each white object's black children are decremented again (gray marking
/// already took those references away).
#[inline(always)]
unsafe fn collect_white(
    listed: &[ObjectRef],
    counts: &Counts,
    space: &mut FreeListSpace,
    (flaw, tracer, eph): (u8, &mut Tracer, &EphemeronTable),
) -> usize {
    if flaw == flaw::FREE_DECREMENTS {
        // SAFETY: none needed beyond the bullets: nothing is freed yet, so
        // every listed object and its children are allocated. The seeded
        // bug breaks the counts (a live child can reach 0), not memory.
        unsafe { decrement_black_children(listed, counts, tracer, eph) };
    }
    let mut freed = 0;
    for &obj in listed {
        // SAFETY: `Word::of`'s bullet: allocated (first bullet: freed only
        // here, and listed once).
        let word = unsafe { Word::of(obj) };
        if word.color() == Color::Black {
            continue;
        }
        debug_assert!(
            !word.has(Flag::ROOTED) && !word.has(Flag::IN_ZCT),
            "white object {obj:?} is rooted or in the ZCT"
        );
        if word.has(Flag::BUFFERED) {
            word.paint(Color::White);
            continue;
        }
        freed += 1;
        // SAFETY: `free`'s bullet: an object of this space (allocated, first
        // bullet), unreachable (second bullet: what refers to it is garbage
        // too), and not yet finalised (listed once, freed only here).
        unsafe { space.free(obj) };
    }
    freed
}

/// The seeded bug [`flaw::FREE_DECREMENTS`]: decrements the black
/// children of the white objects of `listed`.
///
/// # Safety
/// - Every listed object is allocated.
unsafe fn decrement_black_children(
    listed: &[ObjectRef],
    counts: &Counts,
    tracer: &mut Tracer,
    eph: &EphemeronTable,
) {
    for &obj in listed {
        // SAFETY: `Word::of`'s bullet is this function's.
        if unsafe { Word::of(obj) }.color() != Color::White {
            continue;
        }
        let decrement = |child| {
            // SAFETY: `Word::of`'s bullet: a field's target, allocated.
            if unsafe { Word::of(child) }.color() == Color::Black {
                // SAFETY: `decrement`'s bullets: allocated (as above); its
                // count is above 0 unless only garbage referred to it: then
                // the seeded bug underflows it, which the debug check
                // reports (part of what the bug shows; tests only).
                unsafe { counts.decrement(child) };
            }
        };
        // SAFETY: `for_each_child`'s bullets: `obj` is allocated and
        // initialised; `decrement` frees nothing.
        unsafe { for_each_child(obj, tracer, eph, decrement) };
    }
}

/// [`for_each_child`] as trial deletion sees it. With the seeded bug
/// [`flaw::TRACE_TWICE`] the first child an object reports is visited
/// twice, as by a `Trace` that reports one field twice.
///
/// # Safety
/// - As [`for_each_child`].
#[inline(always)]
unsafe fn children(
    obj: ObjectRef,
    tracer: &mut Tracer,
    eph: &EphemeronTable,
    flaw: u8,
    mut f: impl FnMut(ObjectRef),
) {
    let mut first = None;
    let visit = |child| {
        first.get_or_insert(child);
        f(child)
    };
    // SAFETY: `for_each_child`'s bullets are this function's.
    unsafe { for_each_child(obj, tracer, eph, visit) };
    if let Some(child) = first.filter(|_| flaw == flaw::TRACE_TWICE) {
        f(child);
    }
}

/// Whether a gray object is referenced from outside its gray subgraph:
/// gray marking left its count above 0, or a root refers to it.
#[inline(always)]
fn external(word: Word<'_>) -> bool {
    word.count() > 0 || word.has(Flag::ROOTED)
}

/// Paints `obj` black; a rooted object stays a candidate for the next run.
///
/// # Safety
/// - `obj` is allocated.
unsafe fn blacken(obj: ObjectRef, counts: &Counts) {
    // SAFETY: `Word::of`'s bullet is this function's.
    let word = unsafe { Word::of(obj) };
    word.paint(Color::Black);
    if word.has(Flag::ROOTED) {
        // SAFETY: `possible_root`'s bullet is this function's.
        unsafe { counts.possible_root(obj) };
    }
}

/// After a run: the candidates buffered again are the rooted objects it
/// reached; one whose heap references were all garbage is down to 0 and
/// joins the ZCT.
///
/// # Safety
/// - Every buffered candidate is allocated.
unsafe fn requeue_survivors(counts: &Counts) {
    for &obj in counts.candidates.borrow().iter() {
        // SAFETY: `Word::of`'s bullet is this function's.
        let word = unsafe { Word::of(obj) };
        // Flagged if a later candidate reached it (it was `BUFFERED`).
        word.clear(Flag::SEEN);
        if word.count() == 0 {
            // SAFETY: `enter_zct`'s bullet: a buffered candidate, allocated
            // (this function's bullet).
            unsafe { counts.enter_zct(obj) };
        }
    }
}
