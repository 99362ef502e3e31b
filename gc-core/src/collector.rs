//! The [`Collector`] trait: the part of a heap that each backend supplies.
//!
//! `gc-core` owns everything the backends share (object headers, type
//! descriptors, the shadow stack, the trigger policy, statistics); a backend
//! supplies allocation, collection and the write barrier, and says what it can
//! do through [`Capabilities`].

use crate::config::HeapConfig;
use crate::error::GcError;
use crate::object::{ObjectRef, TypeInfo};
use crate::stats::CollectionEvent;
use crate::trace::Slot;
use crate::weak::WeakTable;

/// What a backend does, so that tests and tools can adapt to it.
///
/// ```
/// use gc_core::Capabilities;
/// const MINE: Capabilities = Capabilities { moves_objects: true, ..Capabilities::DEFAULT };
/// assert!(MINE.collects_cycles);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Objects may change address during a collection.
    pub moves_objects: bool,
    /// Unreachable cycles are reclaimed (given the config allows it).
    pub collects_cycles: bool,
    /// The backend wants the object model's write log
    /// ([`Collector::log_write`], [`Collector::born`]); `false` (right for
    /// stop-the-world tracing) compiles both calls away.
    pub logs_writes: bool,
    /// The backend can mark in increments
    /// ([`Marking::Incremental`](crate::Marking)): [`Collector::collect`]
    /// with cause `Threshold` or `Stress` then runs one increment of a
    /// cycle, and [`Collector::marking_step`] says when the next is due.
    pub marks_incrementally: bool,
}

impl Capabilities {
    /// A non-moving tracing collector.
    pub const DEFAULT: Capabilities = Capabilities {
        moves_objects: false,
        collects_cycles: true,
        logs_writes: false,
        marks_incrementally: false,
    };
}

/// Bytes and objects a backend currently holds (live plus not yet reclaimed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapUsage {
    /// Bytes of objects, headers included.
    pub bytes: usize,
    /// Number of objects.
    pub objects: usize,
}

/// A garbage-collection backend.
///
/// The core calls [`alloc`](Collector::alloc) for every allocation and
/// [`collect`](Collector::collect) when its trigger policy fires or `alloc`
/// returns `None`; every store into a [`Gc`](crate::Gc) field goes through
/// [`write_barrier`](Collector::write_barrier).
///
/// ## Destructors that panic
/// A heap type's `Drop` may panic. Every backend, and every new one, follows
/// one rule, which [`Finalizer`](crate::finalize::Finalizer) implements:
/// - an object leaves every structure that could finalise it again (alloc
///   bit, drop list, large-object table, candidate buffer) before its
///   destructor runs, so it is never finalised twice, and its memory is
///   reclaimed like any other dead object's;
/// - the panic is caught and the batch goes on: every other dead object of
///   the collection (or of teardown) is still finalised, exactly once;
/// - the first panic resumes once the operation is complete and every
///   table consistent: at the end of `collect`, of the allocation whose lazy
///   sweep ran the destructor, or of teardown (later panics of the same
///   operation are dropped). The heap catches a panic out of `collect`,
///   records the collection, runs the verifier, calls
///   [`Heap::on_collection`](crate::Heap::on_collection), and then resumes
///   it in the caller of `alloc` or `collect`.
///
/// A [`Trace`](crate::Trace) implementation that panics breaks its contract
/// (rule 3) and is not covered: see there.
///
/// # Safety
/// The core's soundness rests on these rules:
/// 1. `alloc` returns a fresh, [`OBJECT_ALIGN`](crate::object::OBJECT_ALIGN)ed
///    block of `size` bytes with an initialised header of `info`.
/// 2. `collect` keeps every object reachable from `roots` (through the slots
///    reported by tracing) alive, with its payload intact; if it moves one, it
///    updates every root and field slot that referred to it.
/// 3. An object is finalised (see [`ObjectRef::finalize`]) at most once, only
///    when unreachable, and its memory is reused only afterwards. Dropping the
///    collector finalises every object still alive.
/// 4. A destructor's panic follows the rule above: `alloc`, `collect` and
///    `drop` unwind only after their last step, with rules 1 to 3 holding.
/// 5. `write_barrier` stores `new` into `slot` before it returns and frees nothing.
/// 6. `for_each_object`, if it returns `true`, has called its function with
///    every object the backend holds, each once, each allocated with an
///    initialised payload, and every field of each refers to one of them.
pub unsafe trait Collector: Sized + 'static {
    /// Short name for stats and reports, such as `"mark-sweep"`.
    const NAME: &'static str;
    /// What this backend can do.
    const CAPABILITIES: Capabilities;

    /// Builds an empty backend for a validated `config`.
    fn new(config: &HeapConfig) -> Result<Self, GcError>;

    /// Allocates an object of type `info` occupying `size` bytes (header
    /// included), or returns `None` when a collection is needed first (the
    /// core then collects and retries once). `size` is `info.object_size()`
    /// for a fixed-size type (a constant at every call of the sized path)
    /// and [`TypeInfo::object_size_with`] the length for a slice object;
    /// once the payload is written, [`ObjectRef::size`] reports it.
    ///
    /// # Safety
    /// - `size` is the object's size as above (a multiple of
    ///   [`OBJECT_ALIGN`](crate::object::OBJECT_ALIGN), at least
    ///   `info.object_size()`, at most `isize::MAX`).
    /// - The caller writes a valid value of `info`'s type into the payload
    ///   before it calls any other method of this collector.
    unsafe fn alloc(&mut self, info: &'static TypeInfo, size: usize) -> Option<ObjectRef>;

    /// Runs a full collection. `roots` are the shadow stack's slots (all
    /// non-null); `event` receives per-phase times and the backend's counters.
    ///
    /// # Safety
    /// - Every root refers to a live object of this collector, and every
    ///   object allocated so far has an initialised payload.
    unsafe fn collect(&mut self, roots: &[Slot], event: &mut CollectionEvent);

    /// The backend's weak-reference table ([`weak`](crate::weak)). Every
    /// backend owns one and, in every collection,
    /// [sweeps](crate::weak::WeakTable::sweep) it once tracing is complete
    /// and before any object found dead is finalised or freed: that is how
    /// [`GcWeak`](crate::GcWeak)s clear.
    fn weak_table(&self) -> &WeakTable;

    /// [`Collector::weak_table`], for the heap to add entries.
    fn weak_table_mut(&mut self) -> &mut WeakTable;

    /// Stores `new` into `slot`, a field of the live object `owner`, or
    /// the value slot of a [`GcWeakMap`](crate::GcWeakMap) entry whose key
    /// is `owner` (an ephemeron's value counts as a reference its key holds).
    ///
    /// # Safety
    /// - `owner` is a live object of this collector and `slot` one of its
    ///   fields (one its trace reports), or a copy of the value slot of a
    ///   weak-map entry of key `owner` that the caller writes back.
    /// - `new` is `None` or a live object of this collector.
    #[inline(always)]
    unsafe fn write_barrier(&self, owner: ObjectRef, slot: &Slot, new: Option<ObjectRef>) {
        let _ = owner;
        slot.set(new);
    }

    /// The object model's write barrier
    /// ([`Mutation::write`](crate::model::Mutation::write)): `obj` is about
    /// to be changed in place. A coalescing object-logging barrier
    /// (Levanoni and Petrank) records `obj`'s outgoing references the first
    /// time it is written after a collection and sets a "logged" bit;
    /// later calls cost the bit test. At the next collection the log tells
    /// what changed: a reference-counting backend counts the references
    /// the object holds then and uncounts the logged ones; a generational
    /// one would use the logged objects as its remembered set, a
    /// snapshot-at-the-beginning marker the logged references as its
    /// snapshot. [`gc_core::barrier::WriteLog`](crate::barrier::WriteLog)
    /// holds the shared half.
    ///
    /// # Safety
    /// - `obj` is a live object of this collector, its payload initialised.
    #[inline(always)]
    unsafe fn log_write(&mut self, obj: ObjectRef) {
        let _ = obj;
    }

    /// A mutation region allocated `obj` with its references already in
    /// place (the handle API allocates objects with null fields and stores
    /// through [`Collector::write_barrier`]). A logging backend treats the
    /// new object as logged with no old references: its references are
    /// counted at the next collection, and writes to it need no log.
    ///
    /// # Safety
    /// - `obj` was just allocated by this collector and its payload initialised.
    #[inline(always)]
    unsafe fn born(&mut self, obj: ObjectRef) {
        let _ = obj;
    }

    /// The program obtained `obj` through a weak reference or a weak-map
    /// lookup, so it may now store it anywhere. An incremental marker that
    /// has not marked `obj` must not lose it (snapshot at the beginning
    /// does not cover an object reached only weakly at the snapshot); the
    /// default does nothing.
    ///
    /// # Safety
    /// - `obj` is a live object of this collector.
    #[inline(always)]
    unsafe fn weak_read(&self, obj: ObjectRef) {
        let _ = obj;
    }

    /// `obj` became the key or the map object of a weak-map entry. A
    /// backend that must find such objects when they die (reference
    /// counting, which counts a value as its key's reference) flags them;
    /// the default does nothing.
    ///
    /// # Safety
    /// - `obj` is a live object of this collector.
    #[inline(always)]
    unsafe fn ephemeron(&mut self, obj: ObjectRef) {
        let _ = obj;
    }

    /// A number identifying `obj` for as long as it lives, unchanged when
    /// it moves, and unique among live objects. The default, the address,
    /// suits a backend that never moves objects.
    ///
    /// # Safety
    /// - `obj` is a live object of this collector.
    #[inline(always)]
    unsafe fn identity(&mut self, obj: ObjectRef) -> u64 {
        obj.addr() as u64
    }

    /// Every object this backend holds, reachable or not: calls `f` on
    /// each and returns `true`, or returns `false` without calling it if
    /// the backend cannot promise rule 6 (between collections a tracing
    /// backend holds dead objects whose fields may refer to freed cells).
    /// Heap graphs use it to show garbage a backend keeps
    /// ([`Scope::heap_graph_with_unreachable`](crate::Scope::heap_graph_with_unreachable)):
    /// reference counting's leaked cycles. Called between collections and
    /// outside mutation regions. The default lists nothing.
    fn for_each_object(&self, f: &mut dyn FnMut(ObjectRef)) -> bool {
        let _ = f;
        false
    }

    /// While an incremental marking cycle is in progress: the bytes the
    /// program may allocate before the next increment is due (the heap
    /// sets that budget instead of the growth policy's, and keeps the
    /// growth policy's state for the cycle's end). `None` (the default)
    /// when no cycle is in progress.
    fn marking_step(&self) -> Option<usize> {
        None
    }

    /// Runs one increment of the marking cycle in progress, of about
    /// `work` units (bytes of objects marked), on behalf of a host that
    /// calls [`Heap::step`](crate::Heap::step) between frames; finishes
    /// the cycle if the increment empties the gray set. The default does
    /// nothing (no backend without [`Capabilities::marks_incrementally`]
    /// has a cycle in progress).
    ///
    /// # Safety
    /// - As for [`Collector::collect`].
    unsafe fn mark_step(&mut self, roots: &[Slot], work: usize, event: &mut CollectionEvent) {
        let _ = (roots, work, event);
    }

    /// Bytes and objects currently held.
    fn usage(&self) -> HeapUsage;

    /// The bytes an object of `size` bytes takes in this backend, as
    /// [`usage`](Collector::usage) counts them: `size`, or more where the
    /// backend rounds it up (a free list's size class). The heap charges
    /// this to its budget, so the capacity bounds what objects really take.
    /// Inlined: for a constant `size` (every sized type) the compiler can
    /// fold the lookup into a constant.
    #[inline(always)]
    fn footprint(size: usize) -> usize {
        size
    }

    /// Bytes the backend can surely allocate now without collecting, in
    /// objects of any size, if it knows less than the capacity says:
    /// reference counting's free list counts only the blocks no size class
    /// holds. The heap's trigger stays a region reserve below it. The
    /// default, `usize::MAX`, leaves the trigger to the capacity.
    fn room(&self) -> usize {
        usize::MAX
    }

    /// The most object bytes this backend holds with `config`: the
    /// capacity, or less where it keeps part of it free (copying's copy
    /// reserve, half). The heap's trigger stays below it, so that a mutation
    /// region, which cannot collect, reaches its end before the backend is
    /// full.
    fn object_capacity(config: &HeapConfig) -> usize {
        config.capacity
    }

    /// Where the free memory lies among the objects (see
    /// [`Fragmentation`](crate::space::Fragmentation)), or `None` if the
    /// backend does not say. A diagnostic for tools and teaching; it may
    /// walk the heap's metadata.
    fn fragmentation(&self) -> Option<crate::space::Fragmentation> {
        None
    }

    /// Checks the backend's invariants against the heap reachable from
    /// `roots`, right after a collection (the heap runs it then when
    /// [`HeapConfig::verify`] is on); returns a description of the first
    /// violation. [`verify::reachable`](crate::verify::reachable) does the
    /// shared part.
    ///
    /// # Safety
    /// - As for [`Collector::collect`].
    unsafe fn verify(&self, roots: &[Slot]) -> Result<(), String> {
        let _ = roots;
        Ok(())
    }
}

/// Defines a *seeded bug*: a test-only collector that is an existing one with
/// one planted mistake in `collect` and/or `write_barrier`, every other method
/// forwarded ([`forward_collector!`](crate::forward_collector)). A collector author's tests then assert
/// that the property harness catches it
/// (`gc_testing::harness::assert_catches`), which is how the harness
/// proves it has teeth.
///
/// ```ignore
/// gc_core::seeded_bug! {
///     /// Mark-sweep whose mark loop skips the last field of each object.
///     pub struct SkipLastField(MarkSweep) = "mark-sweep (seeded bug: skip last field)";
///     source "planted here (no shipped original)";
///     shape "the mark loop drops the last slot each object reports";
///     collect(inner, roots, event) {
///         inner.collect_with::<{ flaw::SKIP_LAST_SLOT }, false>(roots, event)
///     }
/// }
/// ```
///
/// The `source` (the project and issue the bug re-creates, or that it was
/// planted here) and the one-line `shape` are optional; given, they go into
/// the type's documentation and its constants `SOURCE` and `SHAPE`, which
/// the corpus (`gc_testing::seeded_corpus!`) and its kill table
/// (`docs/KILL_TABLE.md`) read.
///
/// The generated `unsafe impl Collector` breaks the trait's contract in the
/// way the type's documentation says; only tests that expect the harness to
/// report it may use the type.
#[macro_export]
macro_rules! seeded_bug {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident($inner:ty) = $label:literal;
        source $source:literal;
        shape $shape:literal;
        $($rest:tt)*
    ) => {
        $crate::forward_collector! {
            $(#[$attr])*
            #[doc = ""]
            #[doc = concat!("**Source:** ", $source, ". **Shape:** ", $shape, ".")]
            $vis struct $name($inner) = $label;
            $($rest)*
        }

        impl $name {
            /// Where the bug comes from: the project and issue or pull
            /// request it re-creates, or that it was planted here.
            pub const SOURCE: &'static str = $source;
            /// The bug in one line.
            pub const SHAPE: &'static str = $shape;
        }
    };
    ($($body:tt)*) => {
        $crate::forward_collector! { $($body)* }
    };
}

/// Defines a collector that wraps another one (`struct Name(Inner)`) and
/// forwards every item of [`Collector`] to it, but the ones given: `new`,
/// `collect`, `write_barrier`, `log_write`, `identity`. One macro, so a wrapper cannot
/// forget an item and silently take the trait's default: the test-only
/// variants of a backend (parallel marking forced on, the seeded bugs of
/// [`seeded_bug!`](crate::seeded_bug)) are written with it.
///
/// ```ignore
/// gc_core::forward_collector! {
///     /// Mark-sweep with parallel marking forced on.
///     pub struct ParallelMark(MarkSweep) = "mark-sweep (2 marking threads)";
///     new(config) { MarkSweep::new(&HeapConfig { mark_threads: 2, ..config.clone() }).map(ParallelMark) }
/// }
/// ```
///
/// The bodies given are compiled with `unsafe_op_in_unsafe_fn` denied: an
/// unsafe call in them needs an `unsafe` block the invoking crate writes
/// (and justifies). The invoker answers for the generated `unsafe impl
/// Collector`: it is sound when the bodies given keep the trait's contract
/// (a seeded bug breaks it on purpose, and says so).
#[macro_export]
macro_rules! forward_collector {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident($inner:ty) = $label:literal;
        $(new($cfg:ident) $new:block)?
        $(collect($c:ident, $roots:ident, $event:ident) $collect:block)?
        $(write_barrier($b:ident, $owner:ident, $slot:ident, $new_target:ident) $barrier:block)?
        $(log_write($l:ident, $obj:ident) $log:block)?
        $(identity($i:ident, $iobj:ident) $identity:block)?
    ) => {
        $(#[$attr])*
        $vis struct $name($inner);

        // SAFETY: every item forwards to `$inner`'s sound implementation,
        // but the bodies the invoker gave, which keep the contract or, for
        // a seeded bug, break it on purpose as its documentation states
        // (used only by tests that expect the harness to report it).
        unsafe impl $crate::Collector for $name {
            const NAME: &'static str = $label;
            const CAPABILITIES: $crate::Capabilities =
                <$inner as $crate::Collector>::CAPABILITIES;

            fn new(config: &$crate::HeapConfig) -> Result<Self, $crate::GcError> {
                $(
                    let $cfg = config;
                    return $new;
                )?
                #[allow(unreachable_code)]
                <$inner as $crate::Collector>::new(config).map($name)
            }

            unsafe fn alloc(
                &mut self,
                info: &'static $crate::object::TypeInfo,
                size: usize,
            ) -> Option<$crate::object::ObjectRef> {
                // SAFETY: forwarded to the caller.
                unsafe { $crate::Collector::alloc(&mut self.0, info, size) }
            }

            #[allow(unused_unsafe)]
            #[deny(unsafe_op_in_unsafe_fn)]
            unsafe fn collect(
                &mut self,
                roots: &[$crate::Slot],
                event: &mut $crate::stats::CollectionEvent,
            ) {
                $(
                    let ($c, $roots, $event) = (&mut self.0, roots, event);
                    return $collect;
                )?
                #[allow(unreachable_code)]
                // SAFETY: forwarded to the caller.
                unsafe {
                    $crate::Collector::collect(&mut self.0, roots, event)
                }
            }

            #[deny(unsafe_op_in_unsafe_fn)]
            unsafe fn write_barrier(
                &self,
                owner: $crate::object::ObjectRef,
                slot: &$crate::Slot,
                new: Option<$crate::object::ObjectRef>,
            ) {
                $(
                    let ($b, $owner, $slot, $new_target) = (&self.0, owner, slot, new);
                    return $barrier;
                )?
                #[allow(unreachable_code)]
                // SAFETY: forwarded to the caller.
                unsafe {
                    $crate::Collector::write_barrier(&self.0, owner, slot, new)
                }
            }


            unsafe fn log_write(&mut self, obj: $crate::object::ObjectRef) {
                $(
                    let ($l, $obj) = (&mut self.0, obj);
                    return $log;
                )?
                #[allow(unreachable_code)]
                // SAFETY: forwarded to the caller.
                unsafe {
                    $crate::Collector::log_write(&mut self.0, obj)
                }
            }

            unsafe fn born(&mut self, obj: $crate::object::ObjectRef) {
                // SAFETY: forwarded to the caller.
                unsafe { $crate::Collector::born(&mut self.0, obj) }
            }

            fn weak_table(&self) -> &$crate::weak::WeakTable {
                $crate::Collector::weak_table(&self.0)
            }

            fn weak_table_mut(&mut self) -> &mut $crate::weak::WeakTable {
                $crate::Collector::weak_table_mut(&mut self.0)
            }

            unsafe fn weak_read(&self, obj: $crate::object::ObjectRef) {
                // SAFETY: forwarded to the caller.
                unsafe { $crate::Collector::weak_read(&self.0, obj) }
            }

            unsafe fn ephemeron(&mut self, obj: $crate::object::ObjectRef) {
                // SAFETY: forwarded to the caller.
                unsafe { $crate::Collector::ephemeron(&mut self.0, obj) }
            }

            unsafe fn identity(&mut self, obj: $crate::object::ObjectRef) -> u64 {
                $(
                    let ($i, $iobj) = (&mut self.0, obj);
                    return $identity;
                )?
                #[allow(unreachable_code)]
                // SAFETY: forwarded to the caller.
                unsafe {
                    $crate::Collector::identity(&mut self.0, obj)
                }
            }

            fn for_each_object(
                &self,
                f: &mut dyn FnMut($crate::object::ObjectRef),
            ) -> bool {
                $crate::Collector::for_each_object(&self.0, f)
            }

            fn marking_step(&self) -> Option<usize> {
                $crate::Collector::marking_step(&self.0)
            }

            unsafe fn mark_step(
                &mut self,
                roots: &[$crate::Slot],
                work: usize,
                event: &mut $crate::stats::CollectionEvent,
            ) {
                // SAFETY: forwarded to the caller.
                unsafe { $crate::Collector::mark_step(&mut self.0, roots, work, event) }
            }

            fn usage(&self) -> $crate::HeapUsage {
                $crate::Collector::usage(&self.0)
            }

            fn footprint(size: usize) -> usize {
                <$inner as $crate::Collector>::footprint(size)
            }

            fn object_capacity(config: &$crate::HeapConfig) -> usize {
                <$inner as $crate::Collector>::object_capacity(config)
            }

            fn room(&self) -> usize {
                $crate::Collector::room(&self.0)
            }

            fn fragmentation(&self) -> Option<$crate::space::Fragmentation> {
                $crate::Collector::fragmentation(&self.0)
            }

            unsafe fn verify(&self, roots: &[$crate::Slot]) -> Result<(), String> {
                // SAFETY: forwarded to the caller.
                unsafe { $crate::Collector::verify(&self.0, roots) }
            }
        }
    };
}

/// A backend whose state may move to another thread with the heap: what
/// `Heap<C, Sendable>: Send` requires of `C`. Every backend of the
/// workspace implements it.
///
/// ```
/// use gc_core::{Heap, SendCollector, Sendable};
///
/// fn is_send<T: Send>() {}
/// fn sendable_heap_is_send<C: SendCollector>() {
///     is_send::<Heap<C, Sendable>>();
/// }
/// sendable_heap_is_send::<gc_mark_sweep::MarkSweep>();
/// ```
///
/// # Safety
/// When every object the collector holds is [`HeapSend`](crate::HeapSend), the collector
/// may be moved to another thread and used and dropped there: its state
/// (spaces, tables, scratch buffers) is owned by it or by its objects, and
/// it uses no thread-local state and no `Rc` or other handle shared with
/// code outside it. Threads it starts (parallel marking) are joined before
/// the method that started them returns.
pub unsafe trait SendCollector: Collector {}
