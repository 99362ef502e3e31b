//! Each candidate alone: the shortcut that decides most candidates while
//! their subgraph is in cache, before the batch run.
//!
//! The paper runs each pass over all candidates before the next (a
//! *batch*), so an object reachable from many candidates is examined once;
//! but three passes over a buffer of 100,000 candidates each walk megabytes
//! of heap. Most candidates reach only a few objects (a dropped ring, a
//! closure and its environment), so each candidate is first examined
//! alone:
//! - gray marking logs the objects it paints and the references it
//!   subtracts; if nothing gray is referenced from outside, all of it is
//!   garbage and is freed; if the candidate itself is, all of it is live
//!   and the logged references are given back: neither needs a scan;
//! - only a subgraph with both runs the scan (and its white objects are
//!   garbage at once: after the scan nothing the candidate reaches is
//!   gray, no black object refers to a white one, and no object outside
//!   the subgraph does);
//! - a candidate whose subgraph passes [`LOCAL_LIMIT`] references is
//!   undone from the logs and left to the batch run at the end;
//! - examining candidates alone pays only when it frees garbage: examined
//!   alone, candidates whose subgraphs overlap (the cells of a list built
//!   by prepending each reach the older ones) repeat each other's work,
//!   which the batch does once. So once the work of candidates that freed
//!   nothing (found live, or too big) outweighs twice the work of those
//!   that did, every remaining candidate goes to the batch, and the extra
//!   cost stays within a constant of the garbage freed.
//!
//! Candidates keep their `BUFFERED` flag until their turn. A waiting
//! candidate painted white is garbage already: it stays white and is freed
//! at its turn. A waiting candidate reached (and found black, or undone)
//! from an earlier one is flagged `SEEN` and skipped at its turn: whatever
//! it reaches, the earlier candidate (or the batch) reaches too. That is
//! enough for completeness: take, for each garbage object, the *last*
//! candidate examined that reaches it; every garbage object referring to it
//! either is reached by that candidate too, or had an earlier last
//! candidate and was freed before; so when that candidate is examined,
//! only its own subgraph refers to the object, which turns white.

use super::{blacken, children, collect_white, external, flaw, TrialDeletion};
use crate::count::{Color, Counts, Flag, Word};
use gc_core::ephemeron::EphemeronTable;
use gc_core::object::ObjectRef;
use gc_core::space::FreeListSpace;

/// References a candidate examined alone may subtract (its subgraph's
/// edges) before it is left to the batch run. (4 in this crate's unit
/// tests, whose harness run then exercises the batch run and the switch.)
pub const LOCAL_LIMIT: usize = if cfg!(test) { 4 } else { 128 };

/// Futile work (references subtracted by candidates that freed nothing)
/// allowed before the batch takes every remaining candidate: this much
/// plus twice the work of the candidates that freed garbage. (None in unit
/// tests, as for [`LOCAL_LIMIT`].)
const ABANDON_SLACK: usize = if cfg!(test) { 0 } else { 16 * LOCAL_LIMIT };

/// What gray marking from one candidate did, so that it can be undone or
/// decided without another traversal.
#[derive(Default)]
pub(super) struct Logs {
    /// The objects it painted gray.
    grays: Vec<ObjectRef>,
    /// The references it subtracted (their targets), once each, in the
    /// order it met them: also its queue.
    edges: Vec<ObjectRef>,
}

/// The work (references subtracted) of the candidates examined alone in
/// this run, split by whether they freed garbage.
#[derive(Default)]
pub(super) struct Pace {
    fruitful: usize,
    futile: usize,
}

impl Pace {
    /// Whether examining candidates alone has stopped paying: the rest go
    /// to the batch.
    fn batch_only(&self) -> bool {
        self.futile > ABANDON_SLACK + 2 * self.fruitful
    }
}

/// How a candidate examined alone turned out.
enum Alone {
    /// Decided: the references subtracted (the work), and the garbage freed.
    Done(usize, usize),
    /// Its subgraph passed [`LOCAL_LIMIT`]; everything is restored.
    TooBig(usize),
}

impl TrialDeletion {
    /// The turn of candidate `obj`: unless an earlier turn decided it
    /// ([`settle`]), examines it alone, or leaves it to the batch once
    /// examining candidates alone has stopped paying or its subgraph is too
    /// big. Returns the garbage freed.
    ///
    /// # Safety
    /// - `obj` is allocated.
    /// - Every object is black, but waiting candidates painted white.
    /// - As [`TrialDeletion::collect`].
    pub(super) unsafe fn turn(
        &mut self,
        obj: ObjectRef,
        counts: &Counts,
        space: &mut FreeListSpace,
        pace: &mut Pace,
        eph: &EphemeronTable,
    ) -> usize {
        // SAFETY: `settle`'s bullets are this function's.
        let word = match unsafe { settle(obj, counts, space, self.flaw) } {
            Turn::Settled(freed) => return freed,
            Turn::Open(word) => word,
        };
        if pace.batch_only() {
            self.defer(obj, word);
            return 0;
        }
        // SAFETY: `alone`'s bullets: allocated (first bullet), out of the
        // buffer, not white and not `SEEN` (`settle` saw to it), and the
        // other bullets are this function's.
        match unsafe { self.alone(obj, counts, space, eph) } {
            Alone::Done(work, 0) => pace.futile += work,
            Alone::Done(work, garbage) => {
                pace.fruitful += work;
                return garbage;
            }
            Alone::TooBig(work) => {
                pace.futile += work;
                // A subgraph too big is restored: `obj` is still allocated.
                self.defer(obj, word);
            }
        }
        0
    }

    /// Leaves `obj` (whose header word is `word`) to the batch run; it
    /// waits there flagged `BUFFERED`, like a candidate that has not had
    /// its turn.
    fn defer(&mut self, obj: ObjectRef, word: Word<'_>) {
        word.set(Flag::BUFFERED);
        self.batch.push(obj);
    }

    /// Trial deletion from `root` alone. Gray marking logs the objects it
    /// paints and the references it subtracts, so the two common outcomes
    /// need no second traversal: nothing gray is referenced from outside
    /// (all of it is garbage: free it), or `root` itself is (all of it is
    /// live: give the logged references back). Only a mix runs the scan.
    ///
    /// # Safety
    /// - `root` is allocated and out of the buffer.
    /// - Every object is black, but waiting candidates painted white, which
    ///   `root` does not reach.
    /// - As [`TrialDeletion::collect`].
    unsafe fn alone(
        &mut self,
        root: ObjectRef,
        counts: &Counts,
        space: &mut FreeListSpace,
        eph: &EphemeronTable,
    ) -> Alone {
        // SAFETY: `mark_gray_logged`'s bullets: allocated (first bullet),
        // and nothing it reaches is gray (second bullet).
        let fits = unsafe { self.mark_gray_logged(root, eph) };
        self.last_scanned += self.logs.grays.len();
        let work = self.logs.edges.len();
        if !fits {
            // SAFETY: `settle_black`'s bullet: the logs were just filled.
            unsafe { self.settle_black(counts, false) };
            return Alone::TooBig(work);
        }
        // SAFETY: `Word::of`'s bullet: gray objects are allocated (they were
        // reached from `root`, and nothing is freed yet).
        let gray_external = |obj| external(unsafe { Word::of(obj) });
        if gray_external(root) {
            // SAFETY: `settle_black`'s bullet: the logs were just filled.
            unsafe { self.settle_black(counts, true) };
            return Alone::Done(work, 0);
        }
        let whites = if self.logs.grays.iter().any(|&obj| gray_external(obj)) {
            // SAFETY: `scan`'s bullet: `root` is allocated, and gray
            // marking has run from it.
            unsafe { self.scan(root, counts, eph) };
            &self.whites
        } else {
            // Every gray object is white: nothing outside refers to any.
            &self.logs.grays
        };
        // SAFETY: `collect_white`'s bullets: each object is listed once
        // (scanning lists what it paints white; the log, what marking
        // painted gray). After a scan nothing `root` reaches is gray, and
        // no root, no black object and no object outside the subgraph
        // refers to a white one (it would have kept a count above 0, or
        // turned black); without one, every count is 0 and none is rooted.
        // A white object is not rooted, so not in the ZCT, and waiting
        // candidates are left to their turn.
        let freed =
            unsafe { collect_white(whites, counts, space, (self.flaw, &mut self.tracer, eph)) };
        self.whites.clear();
        Alone::Done(work, freed)
    }

    /// Gray marking from `root` alone, breadth first, filling the logs.
    /// Returns `false` as soon as it has subtracted more than
    /// [`LOCAL_LIMIT`] references (the logs then hold what it did).
    ///
    /// # Safety
    /// - `root` is allocated, and nothing it reaches is gray.
    unsafe fn mark_gray_logged(&mut self, root: ObjectRef, eph: &EphemeronTable) -> bool {
        self.logs.grays.clear();
        self.logs.edges.clear();
        let mut next = 0;
        let mut obj = root;
        loop {
            // SAFETY: `Word::of`'s bullet: `root` (this function's bullet) or a field's
            // target, and nothing is freed during marking: allocated.
            let word = unsafe { Word::of(obj) };
            if word.color() != Color::Gray {
                word.paint(Color::Gray);
                self.logs.grays.push(obj);
                let edges = &mut self.logs.edges;
                let subtract = |child| {
                    // SAFETY: `Word::of`'s bullet: a field's target,
                    // allocated. Its count includes that field, and each
                    // gray object's fields are subtracted once.
                    unsafe { Word::of(child) }.decrement();
                    edges.push(child);
                };
                // SAFETY: `for_each_child`'s bullets: `obj` is allocated
                // (above) and initialised; the closure frees nothing.
                unsafe { children(obj, &mut self.tracer, eph, self.flaw, subtract) };
                if self.logs.edges.len() > LOCAL_LIMIT {
                    return false;
                }
            }
            let Some(&child) = self.logs.edges.get(next) else {
                return true;
            };
            next += 1;
            obj = child;
        }
    }

    /// Gives back every reference the logs hold and paints every gray
    /// object black: what scanning does when the candidate is referenced
    /// from outside. Waiting candidates among them are flagged `SEEN`; with
    /// `requeue`, rooted objects stay candidates.
    ///
    /// # Safety
    /// - The logs hold exactly the objects painted gray and the references
    ///   subtracted since they were cleared, and nothing was freed since.
    unsafe fn settle_black(&mut self, counts: &Counts, requeue: bool) {
        for &child in &self.logs.edges {
            // SAFETY: `Word::of`'s bullet: a logged target of a field of an
            // object that was allocated, and nothing was freed since.
            unsafe { Word::of(child) }.increment();
        }
        for &obj in &self.logs.grays {
            // SAFETY: `Word::of`'s bullet: logged gray objects were
            // allocated, and nothing was freed since.
            let word = unsafe { Word::of(obj) };
            word.paint(Color::Black);
            if word.has(Flag::BUFFERED) {
                word.set(Flag::SEEN);
            } else if requeue && word.has(Flag::ROOTED) {
                // SAFETY: `possible_root`'s bullet: allocated (above).
                unsafe { counts.possible_root(obj) };
            }
        }
    }
}

/// A candidate at its turn.
enum Turn<'a> {
    /// An earlier turn decided it; the garbage freed now.
    Settled(usize),
    /// Still to be examined; its header word.
    Open(Word<'a>),
}

/// Takes `obj` out of the buffer, and settles it if an earlier turn
/// decided it: frees it if it is `DEAD` (released by reconciliation) or
/// white (found garbage from an earlier candidate, counted in the result),
/// sends it to the ZCT if its count is 0 (so it is rooted), or blackens it
/// if an earlier candidate reached it (`SEEN`).
///
/// # Safety
/// - As [`TrialDeletion::turn`].
#[inline(always)]
unsafe fn settle<'a>(
    obj: ObjectRef,
    counts: &Counts,
    space: &mut FreeListSpace,
    flaw: u8,
) -> Turn<'a> {
    // SAFETY: `Word::of`'s bullet: allocated (`turn`'s first bullet).
    let word = unsafe { Word::of(obj) };
    if word.has(Flag::DEAD) && flaw == flaw::LEAK_DEAD_CANDIDATE {
        // The seeded bug: out of the buffer, never freed (a leak).
        return Turn::Settled(0);
    }
    if word.has(Flag::DEAD) {
        // SAFETY: `free`'s bullet: reconciliation released it (its count
        // is 0, it is not rooted) without freeing it, because the buffer
        // held it; this entry is its last mention.
        unsafe { space.free(obj) };
        return Turn::Settled(0);
    }
    if word.color() == Color::White {
        // SAFETY: `free`'s bullet: an earlier candidate's scan found it
        // garbage (nothing outside that subgraph, no root, no black object
        // refers to it) and left it to this turn; in no table once this
        // entry is gone, and finalised only here.
        unsafe { space.free(obj) };
        return Turn::Settled(1);
    }
    word.clear(Flag::BUFFERED);
    if word.count() == 0 {
        // Rooted (reconciliation freed the rest), so in no garbage cycle.
        // Its count may have dropped to 0 just now, when an earlier
        // candidate's garbage that referred to it was freed.
        word.clear(Flag::SEEN);
        // SAFETY: `enter_zct`'s bullet: allocated (as for `Word::of`).
        unsafe { counts.enter_zct(obj) };
        return Turn::Settled(0);
    }
    if word.has(Flag::SEEN) {
        // Reached from an earlier candidate, which covers whatever it
        // reaches (see the module docs).
        word.clear(Flag::SEEN);
        // SAFETY: `blacken`'s bullet: allocated (as for `Word::of`).
        unsafe { blacken(obj, counts) };
        return Turn::Settled(0);
    }
    Turn::Open(word)
}

/// Takes the batch's candidates out of the buffer (they kept `BUFFERED`
/// while they waited) and frees those a candidate examined alone found
/// garbage (painted white); returns how many it freed.
///
/// # Safety
/// - Every entry of `batch` is allocated and flagged `BUFFERED`.
pub(super) unsafe fn leave_buffer(batch: &mut Vec<ObjectRef>, space: &mut FreeListSpace) -> usize {
    let mut freed = 0;
    batch.retain(|&obj| {
        // SAFETY: `Word::of`'s bullet: allocated (the bullet above).
        let word = unsafe { Word::of(obj) };
        word.clear(Flag::BUFFERED);
        word.clear(Flag::SEEN);
        if word.color() != Color::White {
            return true;
        }
        freed += 1;
        // SAFETY: `free`'s bullet: painted white by a candidate examined
        // alone, whose scan found it garbage and left it to the batch, which
        // is its last mention: unreachable and not yet finalised.
        unsafe { space.free(obj) };
        false
    });
    freed
}
