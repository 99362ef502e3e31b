//! [`Trace`]: how a collector finds the [`Gc`](crate::Gc) fields inside an object.

use crate::edges::Edges;
use crate::heap_send::{HeapSend, IfSend};
use crate::object::ObjectRef;
use std::cell::Cell;

/// A place that holds a (nullable) reference to a heap object: a shadow-stack
/// root or a [`Gc`](crate::Gc) field. Collectors read it and, when they move
/// the object, write the new address back.
pub type Slot = Cell<Option<ObjectRef>>;

/// Types a collector can trace: it reports every [`Gc`](crate::Gc) it owns.
///
/// Derive it with `#[derive(Trace)]`; a hand-written implementation is
/// `unsafe` because the collector's soundness rests on these rules:
///
/// 1. `trace` reports every `Gc` the value owns, directly or through fields,
///    boxes, vectors and other containers, by calling [`Trace::trace`] on it
///    (for a `Gc`, that reports its slot to the [`Tracer`]).
/// 2. `trace` reports the same slots each time while the value is unchanged,
///    and nothing else: no slot of another value, no slot twice.
/// 3. `trace` does not allocate on, collect, or otherwise touch the heap, and
///    does not panic.
/// 4. The type never hands out `&mut` to a `Gc` it owns, and never moves one
///    out through interior mutability (`Cell`, `RefCell`, `Mutex`, ...). A `Gc`
///    leaving its object would be a pointer the collector cannot update.
/// 5. `NEEDS_TRACE` is `false` only if the type can never own a `Gc`.
/// 6. `trace` may run on several collector threads at once while the
///    program is stopped (parallel marking); it must only read. It may not
///    write through interior mutability, nor touch thread-local state, and
///    must give the same answer on any thread.
/// 7. `HANDLE_POINTERS` is `false` only if the type can never own a
///    handle-API [`Gc`](crate::Gc), and `MODEL_POINTERS` is `false` only if
///    it can never own an object-model [`model::Gc`](crate::model::Gc).
/// 8. No destructor that runs when a value is dropped (the type's own
///    `Drop`, or one of a part it owns) reads an object-model pointer: a
///    dead object is dropped while the objects it points to may already be
///    freed, and model pointers are not nulled first. `#[derive(Trace)]`
///    enforces this: a branded or generic type may not implement `Drop`
///    unless it says `#[trace(drop)]`, which makes `MODEL_POINTERS` being
///    `true` a compile-time error.
///
/// ```
/// use gc_core::{Gc, Trace};
///
/// #[derive(Trace)]
/// struct Node {
///     value: i64,
///     children: Vec<Gc<Node>>,
///     next: Gc<Node>,
/// }
/// ```
///
/// A heap type's `Drop` may panic: the collection or teardown that runs it
/// still finalises every other dead object once, and the panic then reaches
/// the code whose `alloc`, `collect` or heap drop ran it (see
/// [`Collector`](crate::Collector), "Destructors that panic").
///
/// A `trace` that panics breaks rule 3. The collection it interrupts stops
/// halfway (a moving collector may have copied some objects and not yet
/// rewritten every pointer to them), so the heap **poisons** itself: the
/// panic reaches the caller, and every later use of the heap (a root read,
/// an allocation, a collection, a region, a nested scope) panics with a
/// message saying so; dropping the heap then unmaps its memory without
/// running any destructor. A derived `Trace` cannot panic: it only calls
/// `trace` on the fields, and this crate's implementations only report
/// slots (none of them looks at a borrow flag: a `RefMut` leaked with
/// `mem::forget` cannot stop a collection).
///
/// # Safety
/// An implementation must follow rules 1 to 8 above.
pub unsafe trait Trace {
    /// `false` if values of this type never own a [`Gc`](crate::Gc); collectors
    /// then never call [`Trace::trace`] on it.
    const NEEDS_TRACE: bool;

    /// `true` if values of this type may hold object-model pointers
    /// ([`model::Gc`](crate::model::Gc)). Such pointers may live only in
    /// memory the heap owns (objects and the model's containers), which a
    /// moving collector can rewrite; `Box`, `Vec` and `VecDeque` refuse them
    /// at compile time (use [`GcVec`](crate::model::GcVec)), and a type
    /// that may hold them may not have a destructor (rule 8). The derive
    /// computes it; the default, `true`, is always sound: a hand-written
    /// leaf says `false` to be allowed in a `Vec`.
    const MODEL_POINTERS: bool = true;

    /// `true` if values of this type may hold handle-API pointers
    /// ([`Gc`](crate::Gc)). Before a dead object's destructor runs, the
    /// collector traces it and nulls these, so a `Drop` impl reads `None`,
    /// never a freed object; a type that cannot hold one is dropped without
    /// that trace (which would read all of a dead table's entries just to
    /// drop it). The derive computes it; the default, `true`, is always
    /// sound.
    const HANDLE_POINTERS: bool = true;

    /// Evaluated by `#[derive(Trace)]` for every field of a type without
    /// type parameters: fails to compile where a field is a `Box`, `Vec` or
    /// `VecDeque` of object-model pointers. Not for implementations to change.
    #[doc(hidden)]
    const CHECK: () = ();

    /// Reports every `Gc` this value owns to `tracer`.
    fn trace(&self, tracer: &mut Tracer);

    /// Reports the same pointers as [`Trace::trace`], with names, for heap
    /// graphs and snapshots ([`Scope::heap_graph`](crate::Scope::heap_graph)):
    /// the derive wraps each field in [`Edges::field`], containers each
    /// element in [`Edges::element`] (or [`Edges::key`] and
    /// [`Edges::value`]) and count their buffers with
    /// [`Edges::owned_bytes`]. Collections never call it. The default
    /// reports what `trace` reports, under the enclosing field's name.
    fn describe(&self, edges: &mut Edges) {
        edges.slots(|tracer| self.trace(tracer));
    }
}

/// A type that owns no [`Gc`](crate::Gc), so it may sit behind interior
/// mutability (`Cell<T>`, `RefCell<T>`) inside a heap object.
///
/// ```
/// use gc_core::Trace;
/// use std::cell::{Cell, RefCell};
///
/// #[derive(Trace)]
/// struct Counter {
///     hits: Cell<u64>,
///     log: RefCell<Vec<String>>,
/// }
/// ```
///
/// # Safety
/// The type must never own a `Gc`, directly or indirectly.
pub unsafe trait NoGc: Trace {}

/// What a [`Tracer`] records; each tracer has one purpose.
/// The order matters: the variants from `HandlePointers` on skip object-model
/// pointers ([`Tracer::report_model`] tests it with one comparison).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Debug)]
pub(crate) enum Records {
    /// Every non-null pointer: a collection, a verification, a heap walk.
    #[default]
    Pointers,
    /// Every pointer slot, null ones too: a field projection's check.
    AllSlots,
    /// Object-model pointers only: the write log's snapshot (the handle
    /// API's `Gc`s are counted by `Collector::write_barrier`).
    ModelPointers,
    /// The handle API's non-null pointers only: a dead object's trace
    /// before its `Drop`, which nulls them (object-model pointers are never
    /// nulled: no model type has a `Drop` that could see them, and a
    /// `Gc<'gc, T>` is never null).
    HandlePointers,
    /// Nothing: only notes whether a pointer is reported ([`holds_pointers`]).
    Probe,
}

/// Collects the slots a traced object reports. Collector-facing: backends
/// trace an object, then [`drain`](Tracer::drain) the slots it reported.
#[derive(Default)]
pub struct Tracer {
    slots: Vec<std::ptr::NonNull<Slot>>,
    /// What this tracer is for: which slots it records.
    records: Records,
    /// Set by [`holds_pointers`]'s probe when a pointer is reported.
    found: bool,
    /// Made by [`Tracer::for_collection`]: no guard of a
    /// [`RefLock`](crate::model::RefLock) it meets can be in use, so a
    /// lock whose flag says "borrowed" (a `RefMut` leaked in an earlier
    /// region) is read all the same; a tracer made by safe code panics there.
    pub(crate) trusted: bool,
}

/// `true` if `value` holds a heap pointer now (one its trace reports): the
/// model's containers ask it of each value they take in, to know that they
/// hold none ([`GcVec`](crate::model::GcVec)). Records nothing.
#[inline(always)]
pub(crate) fn holds_pointers<T: Trace + ?Sized>(value: &T) -> bool {
    if !T::NEEDS_TRACE {
        return false;
    }
    let mut probe = Tracer {
        records: Records::Probe,
        ..Tracer::default()
    };
    value.trace(&mut probe);
    probe.found
}

impl Tracer {
    /// An empty tracer.
    pub fn new() -> Tracer {
        Tracer::default()
    }

    /// A tracer that also records null slots.
    pub fn including_null() -> Tracer {
        Tracer {
            records: Records::AllSlots,
            ..Tracer::default()
        }
    }

    /// [`Tracer::including_null`] for a scope's projection check, outside
    /// every region (so every lock guard is dead).
    pub(crate) fn including_null_outside_regions() -> Tracer {
        Tracer {
            records: Records::AllSlots,
            trusted: true,
            ..Tracer::default()
        }
    }

    /// A tracer for a collection, a verification or a heap walk: like
    /// [`Tracer::new`], but it reads a [`RefLock`](crate::model::RefLock)
    /// whatever its borrow flag says (a `RefMut` leaked with `mem::forget`
    /// leaves it set), so that a leaked guard cannot stop a collection.
    ///
    /// # Safety
    /// - While the tracer is used, no `Ref` or `RefMut` of a lock it traces
    ///   can be used: no mutation region of the heap whose objects it
    ///   traces is open, or the objects were opened for writing only in
    ///   earlier regions (the write barrier's log), or they are dead.
    pub unsafe fn for_collection() -> Tracer {
        Tracer {
            trusted: true,
            ..Tracer::default()
        }
    }

    /// `true` if made by [`Tracer::for_collection`].
    pub(crate) fn trusted(&self) -> bool {
        self.trusted
    }

    /// A tracer that records only object-model pointers, for the write
    /// barrier's log: it traces an object on its first write in a region,
    /// before any guard of that object's locks exists in the region (a
    /// guard needs the `Write` the barrier hands out afterwards), and every
    /// guard of an earlier region is dead.
    pub(crate) fn model_only() -> Tracer {
        Tracer {
            records: Records::ModelPointers,
            trusted: true,
            ..Tracer::default()
        }
    }

    /// Sets what this tracer records and returns what it recorded before.
    pub(crate) fn records(&mut self, records: Records) -> Records {
        std::mem::replace(&mut self.records, records)
    }

    /// Records one non-null slot. Called by `Gc`'s [`Trace`] implementation.
    #[inline(always)]
    pub fn report(&mut self, slot: &Slot) {
        let record = match self.records {
            Records::Pointers | Records::HandlePointers => slot.get().is_some(),
            Records::AllSlots => true,
            Records::ModelPointers => false,
            Records::Probe => {
                self.found |= slot.get().is_some();
                false
            }
        };
        if record {
            self.slots.push(std::ptr::NonNull::from(slot));
        }
    }

    /// Records the slot of an object-model pointer
    /// ([`model::Gc`](crate::model::Gc)) at `field`.
    ///
    /// The slot pointer is rebuilt from the address with the provenance the
    /// heap exposed when it mapped the memory (every `Region` and every
    /// object-owned buffer is exposed), not from the `&` the trace was
    /// given: a moving collector writes through it, and a pointer derived
    /// from a shared reference may not be written through.
    #[inline(always)]
    pub(crate) fn report_model(&mut self, field: *const ()) {
        if self.records >= Records::HandlePointers {
            self.found = true;
        } else {
            let slot = std::ptr::with_exposed_provenance_mut::<Slot>(field.addr());
            // SAFETY: `field` is the address of a `model::Gc`, a reference,
            // so it is not null.
            self.slots
                .push(unsafe { std::ptr::NonNull::new_unchecked(slot) });
        }
    }

    /// Removes and returns the most recently reported slot.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<std::ptr::NonNull<Slot>> {
        self.slots.pop()
    }

    /// Removes and yields every reported slot, most recent first. Each pointer
    /// is valid for as long as the object that reported it is alive and unmoved.
    pub fn drain(&mut self) -> impl Iterator<Item = std::ptr::NonNull<Slot>> + '_ {
        std::iter::from_fn(move || self.slots.pop())
    }

    /// The first slot reported since [`Tracer::len`] was `start`, if any.
    #[inline(always)]
    pub fn first_since(&self, start: usize) -> Option<std::ptr::NonNull<Slot>> {
        self.slots.get(start).copied()
    }

    /// Reverses the slots reported since [`Tracer::len`] was `start`, so
    /// that popping them yields them in the order they were reported (a
    /// depth-first marker then visits fields first to last).
    #[inline(always)]
    pub fn reverse_since(&mut self, start: usize) {
        match &mut self.slots[start..] {
            [] | [_] => {}
            [first, second] => std::mem::swap(first, second),
            more => more.reverse(),
        }
    }

    /// Keeps, of the slots reported since [`Tracer::len`] was `start`, those
    /// `keep` answers `true` for, in their order.
    ///
    /// ```
    /// use gc_core::{Slot, Tracer};
    /// let (a, b): (Slot, Slot) = (Slot::new(None), Slot::new(None));
    /// let mut tracer = Tracer::including_null();
    /// tracer.report(&a);
    /// tracer.report(&b);
    /// tracer.retain_since(1, |_| false);
    /// assert_eq!(tracer.len(), 1);
    /// ```
    pub fn retain_since(
        &mut self,
        start: usize,
        mut keep: impl FnMut(std::ptr::NonNull<Slot>) -> bool,
    ) {
        let mut index = 0;
        self.slots.retain(|&slot| {
            let before = index < start;
            index += 1;
            before || keep(slot)
        });
    }

    /// Number of slots reported and not yet removed.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// `true` when no slots are pending.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

macro_rules! leaf {
    ($($t:ty),* $(,)?) => {$(
        // SAFETY: a leaf owns no `Gc`; an empty trace reports all of them.
        unsafe impl Trace for $t {
            const NEEDS_TRACE: bool = false;
            const MODEL_POINTERS: bool = false;
            const HANDLE_POINTERS: bool = false;
            #[inline(always)]
            fn trace(&self, _: &mut Tracer) {}
        }
        // SAFETY: a leaf owns no `Gc`.
        unsafe impl NoGc for $t {}
        // SAFETY: a leaf names no brand: it is its own rebranding.
        unsafe impl<'a> Rebrand<'a> for $t {
            type Output = $t;
        }
        // SAFETY: a leaf holds no heap pointer: `HeapSend` when `Send`.
        unsafe impl<'a> HeapSend for $t where IfSend<'a, $t>: Send {}
    )*};
}

leaf!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    String,
    &'static str,
    std::num::NonZeroU32,
    std::num::NonZeroU64,
    std::num::NonZeroUsize,
    std::time::Duration,
    std::time::Instant,
);

/// The constants of a `Trace` for a wrapper of `T`s (an `Option`, a
/// container, a lock): what `T` says, all of them, so that no wrapper
/// forgets one and silently takes its default. `CHECK = expr` replaces the
/// forwarded compile-time check.
macro_rules! same_constants_as {
    ($t:ty) => {
        $crate::trace::same_constants_as!($t, CHECK = <$t as $crate::Trace>::CHECK);
    };
    ($t:ty, CHECK = $check:expr) => {
        const NEEDS_TRACE: bool = <$t as $crate::Trace>::NEEDS_TRACE;
        const MODEL_POINTERS: bool = <$t as $crate::Trace>::MODEL_POINTERS;
        const HANDLE_POINTERS: bool = <$t as $crate::Trace>::HANDLE_POINTERS;
        const CHECK: () = $check;
    };
}
pub(crate) use same_constants_as;

macro_rules! container {
    ($(<$t:ident> $ty:ty => |$this:ident, $tracer:ident| $body:expr, |$edges:ident| $describe:expr, $owned:expr;)*) => {$(
        // SAFETY: traces every element it owns (rule 1), once (rule 2).
        unsafe impl<$t: Trace> Trace for $ty {
            same_constants_as!($t, CHECK = assert!(
                !$t::MODEL_POINTERS,
                "object-model pointers (model::Gc) cannot live in malloc'd \
                 containers (Box, Vec, VecDeque): use model::GcVec"
            ));
            #[inline]
            fn trace(&self, $tracer: &mut Tracer) {
                #[allow(clippy::let_unit_value)] // forces the check for generic uses too
                let () = const { Self::CHECK };
                let $this = self;
                if $t::NEEDS_TRACE {
                    $body
                }
            }
            fn describe(&self, $edges: &mut crate::edges::Edges) {
                let $this = self;
                $edges.owned_bytes($owned);
                $describe
            }
        }
        // SAFETY: owns only `T`s, which own no `Gc`.
        unsafe impl<$t: NoGc> NoGc for $ty {}
        // SAFETY: owns only `T`s and memory of its own.
        unsafe impl<$t: HeapSend> HeapSend for $ty {}
    )*};
}

macro_rules! rebrand_container {
    ($($c:ident)::+) => {
        // SAFETY: the same container of the rebranded element type: same
        // layout, same trace.
        unsafe impl<'a, T: Rebrand<'a>> Rebrand<'a> for $($c)::+<T> {
            type Output = $($c)::+<T::Output>;
        }
    };
}
rebrand_container!(Option);
rebrand_container!(Vec);
rebrand_container!(std::collections::VecDeque);
rebrand_container!(Cell);
rebrand_container!(std::cell::RefCell);

rebrand_container!(Box);

// SAFETY: the same boxed slice of the rebranded element type (every type
// with a `Trace` impl has a `Rebrand` one, so that it can be read).
unsafe impl<'a, T: Rebrand<'a>> Rebrand<'a> for Box<[T]> {
    type Output = Box<[T::Output]>;
}

// SAFETY: an array of the rebranded element type.
unsafe impl<'a, T: Rebrand<'a>, const N: usize> Rebrand<'a> for [T; N] {
    type Output = [T::Output; N];
}

/// A heap type with its brand replaced: `Table<'gc>` as `Table<'a>`.
///
/// Object-model types ([`model`](crate::model)) carry the lifetime `'gc` of
/// the mutation region that can see them. A root or a persistent handle
/// names the type with `'static` (`Root<'s, Table<'static>>`), and reading
/// it in a region gives back `Gc<'gc, Table<'gc>>`; this trait maps one to
/// the other. `#[derive(Trace)]` implements it (replacing the type's one
/// lifetime parameter), and gc-core does for its leaves and containers.
///
/// The derive checks what it claims: a type without a brand is its own
/// rebranding only if every traced field's type is (so a field
/// `Lock<Option<Gc<'static, u64>>>` makes the type neither `Rebrand` nor
/// [`Unbranded`]), and a branded type's type parameters must be
/// [`Unbranded`] (they are kept as they are, so they may not carry a brand).
/// A hand-written leaf type implements it as its own rebranding:
///
/// ```
/// use gc_core::{Rebrand, Trace, Tracer, Unbranded};
///
/// struct Leaf(u64);
/// // SAFETY: owns no pointer; reports nothing.
/// unsafe impl Trace for Leaf {
///     const NEEDS_TRACE: bool = false;
///     const MODEL_POINTERS: bool = false;
///     const HANDLE_POINTERS: bool = false;
///     fn trace(&self, _: &mut Tracer) {}
/// }
/// // SAFETY: no brand to replace.
/// unsafe impl<'a> Rebrand<'a> for Leaf {
///     type Output = Leaf;
/// }
/// fn handle_api<T: Unbranded>() {}
/// handle_api::<Leaf>();
/// ```
///
/// # Safety
/// `Output` is `Self` with every brand lifetime replaced by `'a`, and
/// nothing else changed: the same layout, the same `Trace` behaviour. Every
/// object-model pointer that safe code can reach from an `Output` carries
/// the brand `'a` (a handle-API [`Gc<U>`](crate::Gc) is its own rebranding:
/// it lends out its target only when `U` is [`Unbranded`]).
pub unsafe trait Rebrand<'a> {
    /// `Self` with its brand replaced by `'a`.
    type Output;
}

/// A type with no brand: its own [`Rebrand`]ing for every lifetime, so no
/// object-model pointer can be reached through it. Every type of the
/// handle API is one (the derive and gc-core's leaves and containers say
/// so, the derive only when every field's type is one); an object-model
/// type (`Table<'gc>`) is not, whatever lifetime it is named with, and
/// neither is a type with a field that holds a model pointer.
///
/// In generic code, write the bound as `T: Unbranded` (not as its
/// supertrait `for<'a> Rebrand<'a>`, which leaves `Output` open).
///
/// [`Scope`](crate::Scope)'s accessors that lend out `&T` ([`Scope::get`](crate::Scope::get),
/// `load`, `set`, `clear`) take only these: lent from a scope, an
/// object-model type's [`model::Gc`](crate::model::Gc) fields would be
/// `Gc<'static, _>`, free to outlive the next collection. Read those in a
/// mutation region, `s.mutate(|m| m.get(root))`.
///
/// ```
/// use gc_core::{Gc, Trace, Unbranded};
///
/// #[derive(Trace)]
/// struct Node { next: Gc<Node>, label: String }
///
/// fn handle_api<T: Unbranded>() {}
/// handle_api::<Node>();
/// handle_api::<Vec<u64>>();
/// // `handle_api::<Table<'static>>()` for a model type `Table<'gc>` does
/// // not compile (tests/compile_fail/model_gc_read_through_scope_get.rs).
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handle-API type: it may hold object-model pointers (`model::Gc`)",
    label = "an object-model type, or a type with a field that holds a `model::Gc`",
    note = "read object-model types in a mutation region: `s.mutate(|m| m.get(root))`",
    note = "in generic code, bound the type parameter with `T: gc_core::Unbranded`"
)]
pub trait Unbranded: for<'a> Rebrand<'a, Output = Self> {}

impl<T: for<'a> Rebrand<'a, Output = T>> Unbranded for T {}

container! {
    <T> Box<T> => |this, tracer| (**this).trace(tracer),
        |edges| (**this).describe(edges), size_of::<T>();
    <T> Box<[T]> => |this, tracer| this.iter().for_each(|v| v.trace(tracer)),
        |edges| describe_elements(this.iter(), edges), size_of_val(&**this);
    <T> Vec<T> => |this, tracer| this.iter().for_each(|v| v.trace(tracer)),
        |edges| describe_elements(this.iter(), edges), this.capacity() * size_of::<T>();
    <T> std::collections::VecDeque<T> => |this, tracer| this.iter().for_each(|v| v.trace(tracer)),
        |edges| describe_elements(this.iter(), edges), this.capacity() * size_of::<T>();
}

/// Describes each of `elements` as an element edge numbered by position.
pub(crate) fn describe_elements<'a, T: Trace + 'a>(
    elements: impl Iterator<Item = &'a T>,
    edges: &mut Edges,
) {
    for (i, v) in elements.enumerate() {
        edges.element(i, |edges| v.describe(edges));
    }
}

// SAFETY: traces the value if there is one (rules 1, 2).
unsafe impl<T: Trace> Trace for Option<T> {
    same_constants_as!(T);
    #[inline]
    fn trace(&self, tracer: &mut Tracer) {
        if let Some(value) = self {
            value.trace(tracer)
        }
    }
    fn describe(&self, edges: &mut Edges) {
        if let Some(value) = self {
            value.describe(edges)
        }
    }
}
// SAFETY: owns only a `T`, which owns no `Gc`.
unsafe impl<T: NoGc> NoGc for Option<T> {}
// SAFETY: owns only a `T`.
unsafe impl<T: HeapSend> HeapSend for Option<T> {}

// SAFETY: traces every element (rule 1), once (rule 2).
unsafe impl<T: Trace, const N: usize> Trace for [T; N] {
    same_constants_as!(T);
    #[inline]
    fn trace(&self, tracer: &mut Tracer) {
        if T::NEEDS_TRACE {
            self.iter().for_each(|v| v.trace(tracer));
        }
    }
    fn describe(&self, edges: &mut Edges) {
        if T::NEEDS_TRACE {
            describe_elements(self.iter(), edges);
        }
    }
}
// SAFETY: owns only `T`s, which own no `Gc`.
unsafe impl<T: NoGc, const N: usize> NoGc for [T; N] {}
// SAFETY: owns only `T`s.
unsafe impl<T: HeapSend, const N: usize> HeapSend for [T; N] {}
// SAFETY: owns only `T`s (the unsized objects' element type).
unsafe impl<T: HeapSend> HeapSend for [T] {}
// SAFETY: bytes.
unsafe impl HeapSend for str {}

// SAFETY: `T` owns no `Gc`, so there is nothing to report; `Cell` cannot
// move a `Gc` out of the object because there is none (rule 4).
unsafe impl<T: NoGc> Trace for Cell<T> {
    const NEEDS_TRACE: bool = false;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, _: &mut Tracer) {}
}
// SAFETY: a cell of reference-free data owns no `Gc`.
unsafe impl<T: NoGc> NoGc for Cell<T> {}
// SAFETY: a cell of reference-free data owns no `Gc`.
unsafe impl<T: NoGc> NoGc for std::cell::RefCell<T> {}
// SAFETY: `T` owns no `Gc`, so there is nothing to report; `RefCell`
// cannot move a `Gc` out of the object because there is none (rule 4).
unsafe impl<T: NoGc> Trace for std::cell::RefCell<T> {
    const NEEDS_TRACE: bool = false;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, _: &mut Tracer) {}
}
// SAFETY: a cell owning a `T`: `Send` when `T` is (a `HeapSend` type
// without heap pointers, as every `NoGc` one is, is `Send`).
unsafe impl<T: HeapSend> HeapSend for Cell<T> {}
// SAFETY: a cell owning a `T`: `Send` when `T` is (a `HeapSend` type
// without heap pointers, as every `NoGc` one is, is `Send`).
unsafe impl<T: HeapSend> HeapSend for std::cell::RefCell<T> {}

macro_rules! tuple {
    ($($name:ident $index:tt)+) => {
        // SAFETY: traces every element (rule 1), once (rule 2).
        unsafe impl<$($name: Trace),+> Trace for ($($name,)+) {
            const NEEDS_TRACE: bool = $($name::NEEDS_TRACE)||+;
            const MODEL_POINTERS: bool = $($name::MODEL_POINTERS)||+;
            const HANDLE_POINTERS: bool = $($name::HANDLE_POINTERS)||+;
            const CHECK: () = { $(let () = $name::CHECK;)+ };
            #[allow(non_snake_case)]
            #[inline]
            fn trace(&self, tracer: &mut Tracer) {
                let ($($name,)+) = self;
                $($name.trace(tracer);)+
            }
            #[allow(non_snake_case)]
            fn describe(&self, edges: &mut Edges) {
                let ($($name,)+) = self;
                $(edges.field(stringify!($index), |edges| $name.describe(edges));)+
            }
        }
        // SAFETY: owns only elements that own no `Gc`.
        unsafe impl<$($name: NoGc),+> NoGc for ($($name,)+) {}
        // SAFETY: a tuple of the rebranded element types.
        unsafe impl<'a, $($name: Rebrand<'a>),+> Rebrand<'a> for ($($name,)+) {
            type Output = ($($name::Output,)+);
        }
        // SAFETY: owns only its elements.
        unsafe impl<$($name: HeapSend),+> HeapSend for ($($name,)+) {}
    };
}
tuple!(A 0);
tuple!(A 0 B 1);
tuple!(A 0 B 1 C 2);
tuple!(A 0 B 1 C 2 D 3);
tuple!(A 0 B 1 C 2 D 3 E 4);
tuple!(A 0 B 1 C 2 D 3 E 4 F 5);
