//! The harness for collectors outside this workspace: an adapter seam.
//!
//! [`check_collector`](super::check_collector) drives a gc-core
//! [`Collector`](gc_core::Collector) through gc-core's `Heap`. This module
//! drives anything that implements [`Adapter`], a small trait of the
//! operations the handle-API half of the harness performs: allocate an
//! object with four edges, set and clear an edge, push and drop roots,
//! collect, and (optionally) make and upgrade weak references. The same op
//! model ([`Op`], resolved by the harness's reference model), the same
//! shrinking and the same properties run behind it, so a collector with its
//! own API (`dumpster`, `gc-arena`, `gc`, `bacon_rajan_cc` in this
//! workspace's `foreign-check` crate) is checked exactly as the backends
//! are, minus what only gc-core has (mutation regions, tables, persistent
//! roots).
//!
//! ## What an adapter does
//! The adapter keeps the roots: a stack of handles, indexed like the
//! model's shadow stack (the oldest root is 0). Every operation names roots
//! by index; the harness has already resolved the op against the model,
//! so an index is always in range and the edge number is `0..4`. The
//! objects it allocates wrap a [`Payload`] the harness hands it: the
//! payload owns the object's id and data and records its drop, which is how
//! the harness observes drops without reading the heap.
//!
//! ## What the harness checks
//! After every op:
//! - no object is dropped twice, and no object the model says is reachable
//!   is dropped at all;
//! - after an explicit [`Adapter::collect`]: every object the model finds
//!   dead is dropped (every unreachable object for a collector that
//!   collects cycles, else every unreachable object no garbage cycle
//!   holds);
//! - the graph: every object reachable in the model is reachable through
//!   the adapter from the same root along the same edges, with its id and
//!   payload intact, at one address per id ([`Adapter::same`]), holding
//!   as many weak references as the model says;
//! - weak references (when [`Abilities::weak`]), kept by the run and (when
//!   [`Abilities::stored_weak`]) in objects: one to a reachable object
//!   upgrades, to that object; one whose object was dropped, or that an
//!   explicit collection found unreachable, does not; otherwise an
//!   unreachable object may upgrade or not (the seam does not see the
//!   collector's own collections), but once it failed it fails forever.
//!
//! At the end [`Adapter::finish`] releases every root and frees what it
//! can; every object must then have been dropped exactly once (objects on
//! garbage cycles at most once, for a collector that does not collect
//! cycles). A run that failed ends with [`Adapter::abandon`] instead.
//!
//! ## An adapter for a gc-core heap
//! [`HeapAdapter`] implements the trait for any gc-core backend, through
//! its object model (persistent roots, [`Lock`](gc_core::model::Lock)
//! edges): the seam itself is checked on this workspace's backends, and
//! catches their seeded bugs.
//!
//! ```
//! use gc_testing::harness::seam::{self, HeapAdapter};
//! use gc_testing::harness::HarnessConfig;
//! let config = HarnessConfig { cases: 8, seed: Some(3), ..HarnessConfig::default() };
//! assert!(seam::find_failure::<HeapAdapter<gc_mark_sweep::MarkSweep>>(&config).is_none());
//! ```
//!
//! `docs/HARNESS_ADAPTERS.md` walks through writing an adapter and reports
//! what the harness found in the crates.io collectors.

mod heap;
mod programs;
mod run;

pub use heap::{HeapAdapter, HeapWeak};

use super::exec::{DropMark, Tally, LARGE_WORDS};
use super::{search, Failure, HarnessConfig, Op};
use gc_core::{NoGc, Rebrand, Trace, Tracer};

/// What a collector behind an [`Adapter`] can do, which decides what the
/// harness expects of it and which ops it generates.
///
/// ```
/// use gc_testing::harness::seam::Abilities;
/// const REFCOUNT_ONLY: Abilities = Abilities { collects_cycles: false, ..Abilities::DEFAULT };
/// assert!(!REFCOUNT_ONLY.weak && !REFCOUNT_ONLY.stored_weak);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abilities {
    /// An explicit collection frees every unreachable object, cycles
    /// included. Without it, only objects no garbage cycle holds must go.
    pub collects_cycles: bool,
    /// [`Adapter::downgrade`] and [`Adapter::upgrade`] work: the harness
    /// generates weak-reference ops.
    pub weak: bool,
    /// [`Adapter::store_weak`], [`Adapter::load_weak`] and
    /// [`Adapter::weak_count`] work (weak references kept in heap
    /// objects): the harness generates [`Op::StoreWeak`] and
    /// [`Op::LoadWeak`]. Needs `weak`.
    pub stored_weak: bool,
}

impl Abilities {
    /// Collects cycles, no weak references.
    pub const DEFAULT: Abilities = Abilities {
        collects_cycles: true,
        weak: false,
        stored_weak: false,
    };
}

/// A collector, seen through the operations the harness drives. See the
/// [module docs](self) for the contract, and `docs/HARNESS_ADAPTERS.md`
/// for worked adapters.
///
/// Roots are a stack of handles the adapter keeps, indexed from the oldest
/// (0). Every index the harness passes is below the current number of
/// roots; every edge number is below 4.
///
/// ```
/// use gc_testing::harness::seam::{Abilities, Adapter, Payload};
/// use gc_testing::harness::HarnessConfig;
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// // Plain `Rc`: reference counting without a cycle collector.
/// struct Node { payload: Payload, edges: [RefCell<Option<Rc<Node>>>; 4] }
/// struct RcAdapter { roots: Vec<Rc<Node>> }
///
/// impl Adapter for RcAdapter {
///     const NAME: &'static str = "std::rc::Rc";
///     const ABILITIES: Abilities = Abilities { collects_cycles: false, ..Abilities::DEFAULT };
///     type Weak = std::convert::Infallible;
///     fn open(_: &HarnessConfig) -> Result<Self, String> { Ok(RcAdapter { roots: Vec::new() }) }
///     fn alloc(&mut self, payload: Payload) {
///         self.roots.push(Rc::new(Node { payload, edges: Default::default() }));
///     }
///     fn set(&mut self, obj: usize, edge: usize, target: usize) {
///         *self.roots[obj].edges[edge].borrow_mut() = Some(self.roots[target].clone());
///     }
///     fn clear(&mut self, obj: usize, edge: usize) {
///         self.roots[obj].edges[edge].borrow_mut().take();
///     }
///     fn load(&mut self, obj: usize, edge: usize) -> bool {
///         let loaded = self.roots[obj].edges[edge].borrow().clone();
///         loaded.map(|node| self.roots.push(node)).is_some()
///     }
///     fn root(&mut self, obj: usize) { self.roots.push(self.roots[obj].clone()) }
///     fn assign(&mut self, root: usize, from: usize) { self.roots[root] = self.roots[from].clone() }
///     fn truncate(&mut self, len: usize) { self.roots.truncate(len) }
///     fn read(&mut self, root: usize, f: &mut dyn FnMut(&Payload)) { f(&self.roots[root].payload) }
///     fn same(&mut self, a: usize, b: usize) -> bool { Rc::ptr_eq(&self.roots[a], &self.roots[b]) }
///     fn collect(&mut self) {}
/// }
///
/// let config = HarnessConfig { cases: 32, seed: Some(1), ..HarnessConfig::default() };
/// assert!(gc_testing::harness::seam::find_failure::<RcAdapter>(&config).is_none());
/// ```
pub trait Adapter: Sized {
    /// The collector's name, for reports.
    const NAME: &'static str;
    /// What it can do.
    const ABILITIES: Abilities;
    /// Its weak reference (`std::convert::Infallible` if it has none).
    type Weak;

    /// A fresh collector (or, for a thread-local one, a fresh set of
    /// roots on the thread's heap).
    fn open(config: &HarnessConfig) -> Result<Self, String>;
    /// Allocates an object owning `payload`, with four null edges, and
    /// pushes a root for it.
    fn alloc(&mut self, payload: Payload);
    /// Points edge `edge` of root `obj`'s object at root `target`'s object.
    fn set(&mut self, obj: usize, edge: usize, target: usize);
    /// Makes edge `edge` of root `obj`'s object null.
    fn clear(&mut self, obj: usize, edge: usize);
    /// Pushes a root for the object behind edge `edge` of root `obj`'s
    /// object and returns `true`, or returns `false` if the edge is null.
    fn load(&mut self, obj: usize, edge: usize) -> bool;
    /// Pushes a second root for root `obj`'s object.
    fn root(&mut self, obj: usize);
    /// Re-points root `root` at root `from`'s object.
    fn assign(&mut self, root: usize, from: usize);
    /// Drops every root from index `len` on (unrooting their objects).
    fn truncate(&mut self, len: usize);
    /// Calls `f` with root `root`'s object's payload.
    fn read(&mut self, root: usize, f: &mut dyn FnMut(&Payload));
    /// Whether roots `a` and `b` hold the same object (by address).
    fn same(&mut self, a: usize, b: usize) -> bool;
    /// Runs a full collection.
    fn collect(&mut self);
    /// A weak reference to root `obj`'s object. Called only if
    /// [`Abilities::weak`].
    fn downgrade(&mut self, obj: usize) -> Self::Weak {
        let _ = obj;
        panic!("{} has no weak references", Self::NAME)
    }
    /// Upgrades `weak`: pushes a root for its object and returns `true`,
    /// or returns `false`. Called only if [`Abilities::weak`].
    fn upgrade(&mut self, weak: &Self::Weak) -> bool {
        let _ = weak;
        panic!("{} has no weak references", Self::NAME)
    }
    /// Pushes a copy of `weak` onto root `obj`'s object's list of weak
    /// references (a field of the object). Called only if
    /// [`Abilities::stored_weak`].
    fn store_weak(&mut self, obj: usize, weak: &Self::Weak) {
        let _ = (obj, weak);
        panic!("{} keeps no weak references in objects", Self::NAME)
    }
    /// Upgrades entry `index` (oldest first) of root `obj`'s object's list
    /// of weak references: pushes a root for its object and returns
    /// `true`, or returns `false`. Called only if
    /// [`Abilities::stored_weak`].
    fn load_weak(&mut self, obj: usize, index: usize) -> bool {
        let _ = (obj, index);
        panic!("{} keeps no weak references in objects", Self::NAME)
    }
    /// How many weak references root `obj`'s object holds. Called only if
    /// [`Abilities::stored_weak`].
    fn weak_count(&mut self, obj: usize) -> usize {
        let _ = obj;
        panic!("{} keeps no weak references in objects", Self::NAME)
    }
    /// Ends a run that passed: drops every root and frees what the
    /// collector can (a thread-local collector collects here). Every
    /// object must have been dropped once it returns.
    fn finish(self) {}
    /// Ends a run that failed. The collector's state is suspect (a root
    /// may point to an object it freed), so by default the adapter is
    /// leaked rather than dropped: nothing touches freed memory after the
    /// harness saw the bug. An adapter whose collector survives its own
    /// bugs (gc-core's heaps, whose memory stays mapped) may drop it.
    fn abandon(self) {
        std::mem::forget(self)
    }
}

/// What the harness puts in every object: its id, an owned vector derived
/// from the id (and, for large objects, 1,100 more words), and a mark that
/// records the object's drop. It owns no managed pointer, so an adapter's
/// object traces nothing inside it.
///
/// ```
/// use gc_testing::harness::seam::Payload;
/// // An adapter's object: the payload beside the collector's own edges.
/// struct Node {
///     payload: Payload,
///     edges: [Option<std::rc::Rc<Node>>; 4],
/// }
/// fn id(node: &Node) -> u64 {
///     node.payload.id()
/// }
/// ```
pub struct Payload {
    id: u64,
    data: Vec<u64>,
    /// Empty for a small object, `LARGE_WORDS` words for a large one.
    words: Box<[u64]>,
    /// Counts the drop (kept for its `Drop`).
    _mark: DropMark,
}

impl Payload {
    fn new(id: u64, len: usize, large: bool, tally: &Tally) -> Payload {
        tally.0.borrow_mut().push(0);
        debug_assert_eq!(tally.0.borrow().len() as u64, id + 1);
        Payload {
            id,
            data: (0..len as u64).map(|w| id << 8 | w).collect(),
            words: vec![!id; if large { LARGE_WORDS } else { 0 }].into_boxed_slice(),
            _mark: DropMark::new(id, tally),
        }
    }

    /// The object's id (the model's payload id).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The bytes the payload owns outside its object (its vector and, for
    /// a large object, its 1,100 words): an adapter whose collector paces
    /// itself by memory can charge them, as [`HeapAdapter`] does, so that
    /// large objects weigh on the trigger as they would inline.
    ///
    /// ```
    /// use gc_testing::harness::seam::Payload;
    /// fn weight(payload: &Payload) -> usize {
    ///     payload.owned_bytes()
    /// }
    /// ```
    pub fn owned_bytes(&self) -> usize {
        std::mem::size_of_val(&self.data[..]) + std::mem::size_of_val(&self.words[..])
    }

    /// The data has `len` words and both it and the inline words match the
    /// id.
    fn intact(&self, len: usize, large: bool) -> bool {
        let words = if large { LARGE_WORDS } else { 0 };
        self.data.len() == len
            && self
                .data
                .iter()
                .zip(0..)
                .all(|(&w, k)| w == self.id << 8 | k)
            && self.words.len() == words
            && self.words.iter().all(|&w| w == !self.id)
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Payload(#{})", self.id)
    }
}

// SAFETY: owns no `Gc` (its fields are numbers, vectors of numbers and a
// drop mark), so the empty trace is complete (rules 1 and 5) and there is
// nothing to hand out (rule 4).
unsafe impl Trace for Payload {
    const NEEDS_TRACE: bool = false;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, _: &mut Tracer) {}
}

// SAFETY: owns no `Gc` (see the `Trace` impl).
unsafe impl NoGc for Payload {}

// SAFETY: names no brand: it is its own rebranding.
unsafe impl<'a> Rebrand<'a> for Payload {
    type Output = Payload;
}

/// Runs one program on a fresh `A` and the model, returning the first
/// disagreement: keep a shrunk program as a regression test with it.
///
/// ```
/// use gc_testing::harness::seam::{run_program, HeapAdapter};
/// use gc_testing::harness::{HarnessConfig, Op};
/// let program = vec![
///     Op::Alloc { len: 1 },
///     Op::Alloc { len: 0 },
///     Op::Set { obj: 0, field: 0, target: 1 },
///     Op::Set { obj: 1, field: 0, target: 0 }, // a cycle
///     Op::Assign { root: 0, from: 1 },
///     Op::Collect,
/// ];
/// run_program::<HeapAdapter<gc_mark_sweep::MarkSweep>>(&program, &HarnessConfig::default())
///     .unwrap();
/// ```
pub fn run_program<A: Adapter>(program: &[Op], config: &HarnessConfig) -> Result<(), String> {
    run::run_program::<A>(program, config)
}

/// Runs the harness on `A`: `config.cases` programs (or
/// `GC_HARNESS_CASES`) of up to `config.max_ops` ops; returns the shrunk
/// failure, or `None` if every program passed. `config.stress` and
/// `config.verify` reach only adapters that read them ([`HeapAdapter`]).
///
/// ```
/// use gc_testing::harness::seam::{find_failure, HeapAdapter};
/// use gc_testing::harness::HarnessConfig;
/// let config = HarnessConfig { cases: 8, seed: Some(2), ..HarnessConfig::default() };
/// assert!(find_failure::<HeapAdapter<gc_mark_sweep::MarkSweep>>(&config).is_none());
/// ```
pub fn find_failure<A: Adapter>(config: &HarnessConfig) -> Option<Failure> {
    let programs = programs::programs(config.max_ops, A::ABILITIES);
    let run = |program: &[Op]| run_program::<A>(program, config);
    search::hunt(config, A::NAME, programs, run).failure
}

/// Runs the harness on `A` and panics with the shrunk failing program if
/// any program fails.
///
/// ```
/// use gc_testing::harness::seam::{check, HeapAdapter};
/// use gc_testing::harness::HarnessConfig;
/// check::<HeapAdapter<gc_mark_sweep::MarkSweep>>(HarnessConfig { cases: 8, ..HarnessConfig::default() });
/// ```
pub fn check<A: Adapter>(config: HarnessConfig) {
    if let Some(failure) = find_failure::<A>(&config) {
        panic!("{failure}");
    }
}
