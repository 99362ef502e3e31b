//! Cycle collection by trial deletion (Bacon and Rajan, "Concurrent Cycle
//! Collection in Reference Counted Systems", ECOOP 2001, synchronous version).
//!
//! A garbage cycle keeps every member's count above 0. Starting from the
//! buffered *candidates* (possible roots of garbage cycles):
//! 1. **mark gray**: paint everything reachable from the candidates gray,
//!    subtracting each reference found inside that subgraph from its target;
//! 2. **scan**: a gray object with a count still above 0, or a root, is
//!    referenced from outside: it and everything it reaches become black
//!    again and get their references back; the rest turn white;
//! 3. **collect white**: white objects are garbage; they are freed without
//!    touching counts, as trial deletion already took their references away.
//!
//! Each pass is a loop over an explicit stack. Scanning lists the objects
//! it paints white, so collecting them needs no third traversal (an object
//! painted white and later reached from a black one is black again, and
//! skipped).
//!
//! **One candidate at a time, then the rest together.** The paper runs each
//! pass over all candidates before the next (a *batch*), so an object
//! reachable from many candidates is examined once; but three passes over a
//! buffer of 100,000 candidates each walk megabytes of heap. Most candidates
//! reach only a few objects (a dropped ring, a closure and its
//! environment), so each candidate is first tried *alone*, its subgraph
//! decided while it is in cache:
//! - gray marking logs the objects it paints and the references it
//!   subtracts; if nothing gray is referenced from outside, all of it is
//!   garbage and is freed; if the candidate itself is, all of it is live
//!   and the logged references are given back: neither needs a scan;
//! - only a subgraph with both runs the scan (and its white objects are
//!   garbage at once: after the scan nothing the candidate reaches is
//!   gray, no black object refers to a white one, and no object outside
//!   the subgraph does);
//! - a candidate whose subgraph passes [`LOCAL_LIMIT`] references is
//!   undone from the logs and left to one batch run at the end;
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
//! (Until issue 13, every object that entered the ZCT and had gained a heap
//! reference by the next reconciliation was a candidate instead of the
//! first source: so was every node of a tree built between two
//! collections, and binary-trees built children first spent 0.9 s of 2.9 s
//! of pauses at depth 18 in this module, freeing nothing.)
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

use crate::count::{for_each_child, Color, Counts, Flag, Word};
use gc_core::object::ObjectRef;
use gc_core::space::FreeListSpace;
use gc_core::Tracer;

/// References a candidate examined alone may subtract (its subgraph's
/// edges) before it is left to the batch run. (4 in this crate's unit
/// tests, whose harness run then exercises the batch run and the switch.)
pub const LOCAL_LIMIT: usize = if cfg!(test) { 4 } else { 128 };

/// Futile work (references subtracted by candidates that freed nothing)
/// allowed before the batch takes every remaining candidate: this much
/// plus twice the work of the candidates that freed garbage. (None in unit
/// tests, as for [`LOCAL_LIMIT`].)
const ABANDON_SLACK: usize = if cfg!(test) { 0 } else { 16 * LOCAL_LIMIT };

/// The trial-deletion passes and the stacks they reuse.
pub(crate) struct TrialDeletion {
    tracer: Tracer,
    stack: Vec<ObjectRef>,
    black: Vec<ObjectRef>,
    whites: Vec<ObjectRef>,
    /// The objects a candidate examined alone painted gray.
    grays: Vec<ObjectRef>,
    /// The references it subtracted (their targets), once each.
    edges: Vec<ObjectRef>,
    /// Candidates left to the batch run.
    batch: Vec<ObjectRef>,
    /// Objects painted gray by the last run.
    pub(crate) last_scanned: usize,
}

impl Default for TrialDeletion {
    fn default() -> TrialDeletion {
        TrialDeletion {
            // SAFETY: trial deletion runs only inside collections, between
            // regions: no lock guard is in use.
            tracer: unsafe { Tracer::for_collection() },
            stack: Vec::new(),
            black: Vec::new(),
            whites: Vec::new(),
            grays: Vec::new(),
            edges: Vec::new(),
            batch: Vec::new(),
            last_scanned: 0,
        }
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
    /// Frees every garbage cycle (and what hangs off it) reachable from the
    /// candidates; returns the number of objects freed that way. Also frees
    /// the candidates flagged `DEAD` (released by reconciliation).
    ///
    /// # Safety
    /// - Every object a root refers to is flagged `ROOTED`.
    /// - The ZCT was just reconciled, so every candidate is allocated and
    ///   every object with count 0 is rooted or `DEAD`.
    pub(crate) unsafe fn collect(&mut self, counts: &Counts, space: &mut FreeListSpace) -> usize {
        let candidates = std::mem::take(&mut *counts.candidates.borrow_mut());
        self.last_scanned = 0;
        let mut freed = 0;
        // Work of the candidates examined alone that freed garbage, and of
        // those that did not (found live, or too big).
        let (mut fruitful, mut futile) = (0, 0);
        // Candidates keep their `BUFFERED` flag until their turn: a white
        // object still waiting for its turn is left white, and freed then.
        for &obj in &candidates {
            // SAFETY: candidates are allocated until their turn (caller, and
            // the loop frees a waiting candidate only here).
            let word = unsafe { Word::of(obj) };
            if word.has(Flag::DEAD) {
                // SAFETY: released by reconciliation; this was its last mention.
                unsafe { space.free(obj) };
                continue;
            }
            if word.color() == Color::White {
                // Garbage found from an earlier candidate.
                freed += 1;
                // SAFETY: white: unreachable, in no other table.
                unsafe { space.free(obj) };
                continue;
            }
            word.clear(Flag::BUFFERED);
            if word.count() == 0 {
                // Rooted (reconciliation freed the rest), so in no garbage
                // cycle. Its count may have dropped to 0 just now, when an
                // earlier candidate's garbage that referred to it was freed.
                word.clear(Flag::SEEN);
                // SAFETY: allocated.
                unsafe { counts.enter_zct(obj) };
                continue;
            }
            if word.has(Flag::SEEN) {
                // Reached from an earlier candidate, which covers whatever
                // it reaches (see the module docs).
                word.clear(Flag::SEEN);
                // SAFETY: allocated.
                unsafe { blacken(obj, counts) };
                continue;
            }
            if futile > ABANDON_SLACK + 2 * fruitful {
                word.set(Flag::BUFFERED);
                self.batch.push(obj);
                continue;
            }
            // SAFETY: allocated; every object is black between candidates.
            match unsafe { self.alone(obj, counts, space) } {
                Alone::Done(work, 0) => futile += work,
                Alone::Done(work, garbage) => {
                    fruitful += work;
                    freed += garbage;
                }
                Alone::TooBig(work) => {
                    futile += work;
                    word.set(Flag::BUFFERED);
                    self.batch.push(obj);
                }
            }
        }
        if !self.batch.is_empty() {
            // SAFETY: the batch's candidates are allocated.
            freed += unsafe { self.run_batch(counts, space) };
        }
        for &obj in counts.candidates.borrow().iter() {
            // Rooted survivors went back into the buffer; one whose heap
            // references were all garbage is down to 0 and joins the ZCT.
            // SAFETY: black objects survive: allocated.
            let word = unsafe { Word::of(obj) };
            // Flagged if a later candidate reached it (it was `BUFFERED`).
            word.clear(Flag::SEEN);
            if word.count() == 0 {
                // SAFETY: as above.
                unsafe { counts.enter_zct(obj) };
            }
        }
        freed
    }

    /// Trial deletion from `root` alone. Gray marking logs the objects it
    /// paints and the references it subtracts, so the two common outcomes
    /// need no second traversal: nothing gray is referenced from outside
    /// (all of it is garbage: free it), or `root` itself is (all of it is
    /// live: give the logged references back). Only a mix runs the scan.
    ///
    /// # Safety
    /// - `root` is allocated and out of the buffer, and every object is black.
    unsafe fn alone(
        &mut self,
        root: ObjectRef,
        counts: &Counts,
        space: &mut FreeListSpace,
    ) -> Alone {
        self.grays.clear();
        self.edges.clear();
        let mut next = 0;
        let mut obj = root;
        loop {
            // SAFETY: `root` or a field's target: allocated.
            let word = unsafe { Word::of(obj) };
            if word.color() != Color::Gray {
                word.paint(Color::Gray);
                self.grays.push(obj);
                let edges = &mut self.edges;
                let subtract = |child| {
                    // SAFETY: a field's target; its count includes that
                    // field, and each gray object's fields are subtracted once.
                    unsafe { Word::of(child) }.decrement();
                    edges.push(child);
                };
                // SAFETY: `obj` is allocated; the closure frees nothing.
                unsafe { for_each_child(obj, &mut self.tracer, subtract) };
                if self.edges.len() > LOCAL_LIMIT {
                    let work = self.edges.len();
                    self.last_scanned += self.grays.len();
                    // SAFETY: the logs hold what was painted and subtracted.
                    unsafe { self.settle_black(counts, false) };
                    return Alone::TooBig(work);
                }
            }
            let Some(&child) = self.edges.get(next) else {
                break;
            };
            next += 1;
            obj = child;
        }
        self.last_scanned += self.grays.len();
        let work = self.edges.len();
        let external = |obj: ObjectRef| {
            // SAFETY: gray objects are allocated.
            let word = unsafe { Word::of(obj) };
            word.count() > 0 || word.has(Flag::ROOTED)
        };
        if external(root) {
            // SAFETY: as above; `root` reaches every gray object.
            unsafe { self.settle_black(counts, true) };
            return Alone::Done(work, 0);
        }
        let whites = if self.grays.iter().any(|&obj| external(obj)) {
            // SAFETY: allocated, gray marking has run.
            unsafe { self.scan(root, counts) };
            &self.whites
        } else {
            // Every gray object is white: nothing outside refers to any.
            &self.grays
        };
        let mut freed = 0;
        for &obj in whites {
            // SAFETY: every listed object is allocated until freed here,
            // and listed once.
            let word = unsafe { Word::of(obj) };
            if word.color() == Color::Black {
                continue; // painted white, then reached from a black object
            }
            debug_assert!(
                !word.has(Flag::ROOTED) && !word.has(Flag::IN_ZCT),
                "white object {obj:?} is rooted or in the ZCT"
            );
            if word.has(Flag::BUFFERED) {
                // A candidate still waiting for its turn: freed then.
                word.paint(Color::White);
                continue;
            }
            freed += 1;
            // SAFETY: garbage: after this candidate's whole scan no root, no
            // black object and no object outside the subgraph refers to it;
            // in no table.
            unsafe { space.free(obj) };
        }
        self.whites.clear();
        Alone::Done(work, freed)
    }

    /// Gives back every reference [`TrialDeletion::alone`] logged and paints
    /// every gray object black: what scanning does when `root` is
    /// referenced from outside. Waiting candidates among them are flagged
    /// `SEEN`; with `blacken`, rooted objects stay candidates.
    ///
    /// # Safety
    /// - The logs hold exactly the objects painted gray and the references
    ///   subtracted since they were cleared.
    unsafe fn settle_black(&mut self, counts: &Counts, blacken: bool) {
        for &child in &self.edges {
            // SAFETY: logged targets of fields of allocated objects.
            unsafe { Word::of(child) }.increment();
        }
        for &obj in &self.grays {
            // SAFETY: as above.
            let word = unsafe { Word::of(obj) };
            word.paint(Color::Black);
            if word.has(Flag::BUFFERED) {
                word.set(Flag::SEEN);
            } else if blacken && word.has(Flag::ROOTED) {
                // SAFETY: allocated.
                unsafe { counts.possible_root(obj) };
            }
        }
    }

    /// The paper's batch: gray from every candidate of `self.batch`, then
    /// scan from every one, then free the white objects. Returns how many.
    ///
    /// # Safety
    /// - As [`TrialDeletion::collect`], for the batch's candidates.
    unsafe fn run_batch(&mut self, counts: &Counts, space: &mut FreeListSpace) -> usize {
        let mut batch = std::mem::take(&mut self.batch);
        let mut freed = 0;
        batch.retain(|&obj| {
            // SAFETY: batch entries are allocated.
            let word = unsafe { Word::of(obj) };
            word.clear(Flag::BUFFERED);
            word.clear(Flag::SEEN);
            if word.color() != Color::White {
                return true;
            }
            freed += 1;
            // SAFETY: found white from a candidate examined alone: garbage.
            unsafe { space.free(obj) };
            false
        });
        for &obj in &batch {
            // SAFETY: allocated; gray marking only follows fields of live objects.
            unsafe { self.mark_gray(obj) };
        }
        // Scanning from the candidates referenced from outside first paints
        // what they reach black at once. (The result does not depend on the
        // order; the work does: scanned first, a candidate that only they
        // reach, say the old end of a list built by prepending, would be
        // painted white all the way down and then black again.)
        for &obj in &batch {
            // SAFETY: as above.
            let word = unsafe { Word::of(obj) };
            if word.color() == Color::Gray && (word.count() > 0 || word.has(Flag::ROOTED)) {
                // SAFETY: as above.
                unsafe { self.scan_black(obj, counts) };
            }
        }
        for &obj in &batch {
            // SAFETY: as above.
            unsafe { self.scan(obj, counts) };
        }
        for &obj in &self.whites {
            // SAFETY: nothing is freed before this loop, and each object is
            // listed once.
            let word = unsafe { Word::of(obj) };
            if word.color() == Color::White {
                debug_assert!(
                    !word.has(Flag::ROOTED) && !word.has(Flag::IN_ZCT) && !word.has(Flag::BUFFERED),
                    "white object {obj:?} is rooted or in a table"
                );
                word.paint(Color::Black);
                freed += 1;
                // SAFETY: white after every scan: garbage, in no table.
                // Freeing it reads nothing of the other white objects.
                unsafe { space.free(obj) };
            }
        }
        self.whites.clear();
        batch.clear();
        self.batch = batch;
        freed
    }

    /// Paints `root` and everything it reaches gray, subtracting each
    /// reference between them from its target's count.
    ///
    /// # Safety
    /// - `root` is allocated.
    unsafe fn mark_gray(&mut self, root: ObjectRef) {
        self.stack.push(root);
        while let Some(obj) = self.stack.pop() {
            // SAFETY: `root` or a field's target: allocated.
            let word = unsafe { Word::of(obj) };
            if word.color() == Color::Gray {
                continue;
            }
            word.paint(Color::Gray);
            self.last_scanned += 1;
            let stack = &mut self.stack;
            let subtract = |child| {
                // SAFETY: a field's target; its count includes that field,
                // and each gray object's fields are subtracted once.
                unsafe { Word::of(child) }.decrement();
                stack.push(child);
            };
            // SAFETY: `obj` is allocated; the closure frees nothing.
            unsafe { for_each_child(obj, &mut self.tracer, subtract) };
        }
    }

    /// Decides each gray object reachable from `root`: externally referenced
    /// (count above 0, or rooted) objects are restored to black with all they
    /// reach; the others turn white and are listed in `whites`.
    ///
    /// # Safety
    /// - `root` is allocated and gray marking has run.
    unsafe fn scan(&mut self, root: ObjectRef, counts: &Counts) {
        self.stack.push(root);
        while let Some(obj) = self.stack.pop() {
            // SAFETY: `root` or a field's target: allocated.
            let word = unsafe { Word::of(obj) };
            if word.color() != Color::Gray {
                continue;
            }
            if word.count() > 0 || word.has(Flag::ROOTED) {
                // SAFETY: `obj` is allocated.
                unsafe { self.scan_black(obj, counts) };
                continue;
            }
            word.paint(Color::White);
            self.whites.push(obj);
            let stack = &mut self.stack;
            // SAFETY: `obj` is allocated; the closure frees nothing.
            unsafe { for_each_child(obj, &mut self.tracer, |child| stack.push(child)) };
        }
    }

    /// Paints `root` and every non-black object it reaches black, giving
    /// back the references gray marking subtracted.
    ///
    /// # Safety
    /// - `root` is allocated.
    unsafe fn scan_black(&mut self, root: ObjectRef, counts: &Counts) {
        // SAFETY: allocated (caller).
        unsafe { blacken(root, counts) };
        self.black.push(root);
        while let Some(obj) = self.black.pop() {
            let black = &mut self.black;
            let restore = |child| {
                // SAFETY: a field's target: allocated.
                let word = unsafe { Word::of(child) };
                word.increment();
                if word.color() != Color::Black {
                    // SAFETY: as above.
                    unsafe { blacken(child, counts) };
                    black.push(child);
                }
            };
            // SAFETY: `obj` is allocated; the closure frees nothing.
            unsafe { for_each_child(obj, &mut self.tracer, restore) };
        }
    }
}

/// Paints `obj` black; a rooted object stays a candidate for the next run.
///
/// # Safety
/// - `obj` is allocated.
unsafe fn blacken(obj: ObjectRef, counts: &Counts) {
    // SAFETY: forwarded to the caller.
    let word = unsafe { Word::of(obj) };
    word.paint(Color::Black);
    if word.has(Flag::ROOTED) {
        // SAFETY: as above.
        unsafe { counts.possible_root(obj) };
    }
}
