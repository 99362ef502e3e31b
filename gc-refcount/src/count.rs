//! The reference count in each object's header word, and the two tables the
//! write barrier feeds: the zero-count table and the cycle candidates.
//!
//! Layout of the header's `meta` word:
//!
//! ```text
//!  bit 63                   10     9        8        7     6      5      4        3        2   1  0
//!  ┌──────────────────────────┬─────┬────────┬────────┬──────┬──────┬────────┬──────────┬────────┬──────┐
//!  │ count: references from   │ EPH │ OWNER  │ LOGGED │ SEEN │ DEAD │ ROOTED │ BUFFERED │ IN_ZCT │color │
//!  │ heap fields              │     │        │        │      │      │        │          │        │      │
//!  └──────────────────────────┴─────┴────────┴────────┴──────┴──────┴────────┴──────────┴────────┴──────┘
//!   count   roots are not counted (deferred reference counting)
//!   color   Bacon–Rajan trial-deletion color: 0 black, 1 gray, 2 white
//!   IN_ZCT  the object is in the zero-count table
//!   BUFFERED the object is in the cycle-candidate buffer (the paper's "purple")
//!   ROOTED  a shadow-stack slot refers to it (set only during a collection)
//!   DEAD    its children are released but it waits in the candidate buffer
//!           to be freed (freed before the collection returns, by trial
//!           deletion or `RefCount::free_dead_candidates`)
//!   SEEN    a candidate waiting for its turn in trial deletion was found
//!           live from an earlier candidate (set only during trial deletion)
//!   LOGGED  in the object model's write log since the last collection: its
//!           model references are counted when the log is replayed
//!   OWNER   a reference held by the object has been counted (never cleared:
//!           the object may refer to another; see `may_close_cycle`)
//!   EPH     the key or map object of a weak-map entry (never cleared): the
//!           values of its entries count as its references
//! ```
//!
//! The count sits in the high bits, so incrementing it adds `1 << 10`.
//! Freshly allocated objects start with `meta == IN_ZCT`: count 0, black.

use gc_core::ephemeron::EphemeronTable;
use gc_core::object::ObjectRef;
use gc_core::Tracer;
use std::cell::{Cell, RefCell};

const COLOR_MASK: usize = 0b11;
const COUNT_SHIFT: usize = 10;
const ONE: usize = 1 << COUNT_SHIFT;

/// One of the flag bits of the header word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(usize);

impl Flag {
    /// In the zero-count table.
    pub(crate) const IN_ZCT: Flag = Flag(1 << 2);
    /// In the cycle-candidate buffer.
    pub(crate) const BUFFERED: Flag = Flag(1 << 3);
    /// Referred to by a root (set only while a collection runs).
    pub(crate) const ROOTED: Flag = Flag(1 << 4);
    /// Children released, memory still held by the candidate buffer.
    pub(crate) const DEAD: Flag = Flag(1 << 5);
    /// A waiting candidate already examined from another (trial deletion only).
    pub(crate) const SEEN: Flag = Flag(1 << 6);
    /// Written (or born) through the object model since the last collection:
    /// in the write log (`gc_core::barrier::WriteLog`).
    pub(crate) const LOGGED: Flag = Flag(1 << 7);
    /// A reference it holds was counted since it was allocated: it may
    /// refer to another object (`may_close_cycle`).
    pub(crate) const OWNER: Flag = Flag(1 << 8);
    /// The key (or map object) of a weak-map entry: its entries' values
    /// are among its children (`for_each_child`). Never cleared.
    pub(crate) const EPHEMERON: Flag = Flag(1 << 9);
}

/// Trial-deletion colors (Bacon and Rajan, 2001).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Color {
    /// In use, or not being examined.
    Black = 0,
    /// Possibly garbage: its internal references have been subtracted.
    Gray = 1,
    /// Garbage: no reference from outside the gray subgraph reaches it.
    White = 2,
}

/// An object's header word, read as count, color and flags.
#[derive(Clone, Copy)]
pub(crate) struct Word<'a>(&'a Cell<usize>);

impl<'a> Word<'a> {
    /// The word of `obj`.
    ///
    /// # Safety
    /// - `obj` is allocated (not freed) for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn of(obj: ObjectRef) -> Word<'a> {
        // SAFETY: `meta`'s bullet (the object is live for `'a`) is this
        // function's.
        Word(unsafe { obj.meta() })
    }

    /// References from heap fields.
    #[inline(always)]
    pub(crate) fn count(self) -> usize {
        self.0.get() >> COUNT_SHIFT
    }

    #[inline(always)]
    pub(crate) fn increment(self) {
        debug_assert!(self.0.get() < usize::MAX - ONE, "reference count overflow");
        self.0.set(self.0.get() + ONE);
    }

    /// Subtracts one reference; returns the new count.
    #[inline(always)]
    pub(crate) fn decrement(self) -> usize {
        debug_assert!(self.count() > 0, "reference count underflow");
        self.0.set(self.0.get() - ONE);
        self.count()
    }

    #[inline(always)]
    pub(crate) fn color(self) -> Color {
        match self.0.get() & COLOR_MASK {
            0 => Color::Black,
            1 => Color::Gray,
            _ => Color::White,
        }
    }

    #[inline(always)]
    pub(crate) fn paint(self, color: Color) {
        self.0.set(self.0.get() & !COLOR_MASK | color as usize);
    }

    #[inline(always)]
    pub(crate) fn has(self, flag: Flag) -> bool {
        self.0.get() & flag.0 != 0
    }

    #[inline(always)]
    pub(crate) fn set(self, flag: Flag) {
        self.0.set(self.0.get() | flag.0);
    }

    #[inline(always)]
    pub(crate) fn clear(self, flag: Flag) {
        self.0.set(self.0.get() & !flag.0);
    }
}

/// The header word of a new object: count 0, black, in the zero-count table.
pub(crate) const NEW_OBJECT: usize = Flag::IN_ZCT.0;

/// Calls `f` on the object each non-null field of `obj` refers to, and on
/// the value of each weak-map entry whose key is `obj` (an ephemeron's
/// value is counted as a reference its key holds).
///
/// # Safety
/// - `obj` is allocated and its payload initialised, and `f` frees nothing.
#[inline(always)]
pub(crate) unsafe fn for_each_child(
    obj: ObjectRef,
    tracer: &mut Tracer,
    ephemerons: &EphemeronTable,
    mut f: impl FnMut(ObjectRef),
) {
    // SAFETY: `trace`'s bullet: `obj` is allocated and its payload
    // initialised (this function's bullet).
    unsafe { obj.trace(tracer) };
    while let Some(slot) = tracer.pop() {
        // SAFETY: `as_ref`: a field of `obj` reported just now by its trace;
        // `obj` stays allocated, as `f` frees nothing.
        if let Some(child) = unsafe { slot.as_ref() }.get() {
            f(child);
        }
    }
    // SAFETY: `Word::of`'s bullet: `obj` is allocated (this function's
    // bullet; `f` frees nothing).
    if unsafe { Word::of(obj) }.has(Flag::EPHEMERON) {
        ephemerons.values_of(obj, f);
    }
}

/// Whether storing `new` into a field of `owner` may close a cycle: only if
/// `new` already reaches `owner` through heap fields. Then `owner` is the
/// target of a counted field (its count is above 0) and `new` holds a
/// counted reference (its `OWNER` flag is set, by [`Counts::stored`] when
/// that reference was counted), unless `new` is `owner`. Building a
/// structure, in any order, stores into objects nothing refers to yet, or
/// stores leaves: never a cycle.
///
/// Two header reads, whatever `new` holds: the flag stands for "has a
/// child", which a trace of `new` would answer exactly but at the cost of
/// all of `new` (a pointer stored into N objects, to an object holding an
/// N-entry vector, cost O(N²)). The flag is never cleared, so an object that
/// let go of its references may still be buffered: a candidate more, never
/// a cycle missed. The write log's replay counts every edge of a new cycle
/// through `stored`, so the last edge counted finds the flag of its target
/// set by the counting of the target's own edge, whatever the order.
///
/// # Safety
/// - `owner` and `new` are allocated.
#[inline(always)]
unsafe fn may_close_cycle(owner: ObjectRef, new: ObjectRef) -> bool {
    // SAFETY: `Word::of`'s bullet: both are allocated (this function's
    // bullet), and nothing is freed while the words are used.
    let (owner_word, new_word) = unsafe { (Word::of(owner), Word::of(new)) };
    new == owner || (owner_word.count() > 0 && new_word.has(Flag::OWNER))
}

/// The bookkeeping the write barrier does through `&self`.
///
/// Invariants (between collections):
/// - an object is in `zct` exactly when its `IN_ZCT` flag is set, and every
///   object whose count is 0 is in `zct`;
/// - an object is in `candidates` exactly when its `BUFFERED` flag is set;
/// - every entry of both tables is an allocated object.
pub(crate) struct Counts {
    /// The zero-count table: new objects and objects whose count fell to 0.
    /// They are garbage unless a root refers to them (checked when a
    /// collection reconciles the table against the roots).
    pub(crate) zct: RefCell<Vec<ObjectRef>>,
    /// Bacon–Rajan's buffer of possible roots of garbage cycles.
    pub(crate) candidates: RefCell<Vec<ObjectRef>>,
    /// `HeapConfig::collect_cycles`: when `false`, nothing is buffered.
    pub(crate) collect_cycles: bool,
    /// The seeded bug `WrappingCount`: counts wrap to 0 at 4 (tests only).
    #[cfg(any(test, feature = "seeded-bugs"))]
    pub(crate) wrap_at_four: bool,
}

impl Counts {
    pub(crate) fn new(collect_cycles: bool) -> Counts {
        Counts {
            zct: RefCell::default(),
            candidates: RefCell::default(),
            collect_cycles,
            #[cfg(any(test, feature = "seeded-bugs"))]
            wrap_at_four: false,
        }
    }

    /// Records that a field of `owner` now refers to `new`: one more
    /// reference, `owner` flagged as holding one, and `new` a cycle
    /// candidate if the store may close a cycle
    /// (Bacon and Rajan's rule, a decrement to a count above 0, cannot see
    /// a cycle that only roots held: roots are not counted).
    ///
    /// # Safety
    /// - `owner` and `new` are allocated, their payloads initialised.
    #[inline(always)]
    pub(crate) unsafe fn stored(&self, owner: ObjectRef, new: ObjectRef) {
        // SAFETY: `Word::of`'s bullet: `owner` is allocated (this
        // function's bullet).
        unsafe { Word::of(owner) }.set(Flag::OWNER);
        // SAFETY: `may_close_cycle`'s bullet: `owner` and `new` are
        // allocated (this function's bullet).
        if self.collect_cycles && unsafe { may_close_cycle(owner, new) } {
            // SAFETY: `possible_root`'s bullet: `new` is allocated (this
            // function's bullet).
            unsafe { self.possible_root(new) };
        }
        // SAFETY: `increment`'s bullet: `new` is allocated (this function's
        // bullet).
        unsafe { self.increment(new) };
    }

    /// Records one more heap reference to `obj`.
    ///
    /// # Safety
    /// - `obj` is allocated.
    #[inline(always)]
    pub(crate) unsafe fn increment(&self, obj: ObjectRef) {
        // SAFETY: `Word::of`'s bullet (allocated) is this function's.
        let word = unsafe { Word::of(obj) };
        word.increment();
        #[cfg(any(test, feature = "seeded-bugs"))]
        if self.wrap_at_four && word.count() == 4 {
            (0..4).for_each(|_| _ = word.decrement());
        }
    }

    /// Records one heap reference to `obj` fewer. Frees nothing: at 0 the
    /// object enters the zero-count table; above 0 it may be the last
    /// external reference to a cycle, so the object becomes a candidate.
    ///
    /// # Safety
    /// - `obj` is allocated and its count is above 0.
    #[inline(always)]
    pub(crate) unsafe fn decrement(&self, obj: ObjectRef) {
        // SAFETY: `Word::of`'s bullet: `obj` is allocated (this function's
        // first bullet); its count is above 0 (the second), so the
        // decrement does not underflow.
        if unsafe { Word::of(obj) }.decrement() == 0 {
            // SAFETY: `enter_zct`'s bullet: `obj` is allocated (this
            // function's bullet; a decrement frees nothing).
            unsafe { self.enter_zct(obj) };
        } else {
            // SAFETY: `possible_root`'s bullet: `obj` is allocated (this
            // function's bullet; a decrement frees nothing).
            unsafe { self.possible_root(obj) };
        }
    }

    /// Puts `obj` in the zero-count table unless it is there already.
    ///
    /// # Safety
    /// - `obj` is allocated.
    #[inline(always)]
    pub(crate) unsafe fn enter_zct(&self, obj: ObjectRef) {
        // SAFETY: `Word::of`'s bullet (allocated) is this function's.
        let word = unsafe { Word::of(obj) };
        if !word.has(Flag::IN_ZCT) {
            word.set(Flag::IN_ZCT);
            self.zct.borrow_mut().push(obj);
        }
    }

    /// [`Counts::possible_root`] through `&mut self` (no `RefCell` borrow),
    /// for the collector's own passes.
    ///
    /// # Safety
    /// - `obj` is allocated.
    #[inline(always)]
    pub(crate) unsafe fn possible_root_mut(&mut self, obj: ObjectRef) {
        // SAFETY: `Word::of`'s bullet (allocated) is this function's.
        let word = unsafe { Word::of(obj) };
        // SAFETY: `info`'s bullet: `obj` is allocated, so live (this
        // function's bullet).
        if self.collect_cycles && !word.has(Flag::BUFFERED) && unsafe { obj.info() }.needs_trace {
            word.set(Flag::BUFFERED);
            self.candidates.get_mut().push(obj);
        }
    }

    /// Buffers `obj` as a possible root of a garbage cycle (when cycle
    /// collection is on, it is not buffered yet, and its type can own a
    /// `Gc`: an object with no `Gc` field is in no cycle).
    ///
    /// # Safety
    /// - `obj` is allocated.
    #[inline(always)]
    pub(crate) unsafe fn possible_root(&self, obj: ObjectRef) {
        // SAFETY: `Word::of`'s bullet (allocated) is this function's.
        let word = unsafe { Word::of(obj) };
        // SAFETY: `info`'s bullet: `obj` is allocated, so live (this
        // function's bullet).
        if self.collect_cycles && !word.has(Flag::BUFFERED) && unsafe { obj.info() }.needs_trace {
            word.set(Flag::BUFFERED);
            self.candidates.borrow_mut().push(obj);
        }
    }
}
