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
//! Each pass is a loop over an explicit stack.
//!
//! **Which objects are candidates.** The paper buffers an object whose count
//! is decremented to a non-zero value. Roots are not counted here, so a cycle
//! that only roots ever held (built in a scope that then closed) sees no
//! decrement at all. Two more sources close that gap:
//! - an object that entered the ZCT (every new object does) and has gained
//!   a heap reference by the next reconciliation, and
//! - every rooted object trial deletion reaches: a root is a reference that
//!   may vanish without a decrement, so the object stays a candidate.

use crate::count::{for_each_child, Color, Counts, Flag, Word};
use gc_core::object::ObjectRef;
use gc_core::space::FreeListSpace;
use gc_core::Tracer;

/// The trial-deletion passes and the stacks they reuse.
#[derive(Default)]
pub(crate) struct TrialDeletion {
    tracer: Tracer,
    stack: Vec<ObjectRef>,
    black: Vec<ObjectRef>,
    garbage: Vec<ObjectRef>,
    /// Objects painted gray by the last run.
    pub(crate) last_scanned: usize,
}

impl TrialDeletion {
    /// Frees every garbage cycle (and what hangs off it) reachable from the
    /// candidates; returns the number of objects freed.
    ///
    /// # Safety
    /// - Every object a root refers to is flagged `ROOTED`.
    /// - The ZCT was just reconciled and the `DEAD` candidates freed, so every
    ///   candidate is allocated and every object with count 0 is rooted.
    pub(crate) unsafe fn collect(&mut self, counts: &Counts, space: &mut FreeListSpace) -> usize {
        let candidates = std::mem::take(&mut *counts.candidates.borrow_mut());
        for &obj in &candidates {
            // SAFETY: candidates are allocated (caller).
            unsafe { Word::of(obj) }.clear(Flag::BUFFERED);
        }
        self.last_scanned = 0;
        for &obj in &candidates {
            // SAFETY: as above; gray marking only follows fields of live objects.
            unsafe { self.mark_gray(obj) };
        }
        for &obj in &candidates {
            // SAFETY: as above.
            unsafe { self.scan(obj, counts) };
        }
        for &obj in &candidates {
            // SAFETY: as above.
            unsafe { self.collect_white(obj) };
        }
        for &obj in counts.candidates.borrow().iter() {
            // Rooted survivors went back into the buffer; one whose heap
            // references were all garbage is down to 0 and joins the ZCT.
            // SAFETY: black objects survive: allocated.
            if unsafe { Word::of(obj) }.count() == 0 {
                // SAFETY: as above.
                unsafe { counts.enter_zct(obj) };
            }
        }
        let freed = self.garbage.len();
        for obj in self.garbage.drain(..) {
            // SAFETY: white: no root and no object outside the white set
            // refers to it; each white object is listed once (painted black
            // when listed) and is in neither table.
            unsafe { space.free(obj) };
        }
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
    /// reach; the others turn white.
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

    /// Lists `root` and the white objects it reaches as garbage.
    ///
    /// # Safety
    /// - `root` is allocated and scanning has run.
    unsafe fn collect_white(&mut self, root: ObjectRef) {
        self.stack.push(root);
        while let Some(obj) = self.stack.pop() {
            // SAFETY: `root` or a field's target: allocated (nothing is freed
            // before every pass is done).
            let word = unsafe { Word::of(obj) };
            if word.color() != Color::White {
                continue;
            }
            debug_assert!(
                !word.has(Flag::ROOTED) && !word.has(Flag::IN_ZCT) && !word.has(Flag::BUFFERED),
                "white object {obj:?} is rooted or in a table"
            );
            word.paint(Color::Black);
            self.garbage.push(obj);
            let stack = &mut self.stack;
            // SAFETY: `obj` is allocated; the closure frees nothing.
            unsafe { for_each_child(obj, &mut self.tracer, |child| stack.push(child)) };
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
