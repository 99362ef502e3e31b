//! A model-based, property-based harness that checks any [`Collector`].
//!
//! ## How it works
//! [proptest] generates **mutator programs**, lists of [`Op`]s, of three
//! families (a third each): handle-API programs, object-model programs, and
//! programs mixing both on one heap.
//! - **Handle API** ([`Scope`](gc_core::Scope)): allocate small and large
//!   objects, set and clear fields, load fields into new roots.
//! - **Object model** ([`model`](gc_core::model)): tables (a value slot that
//!   changes variant between `Nil`, an unboxed number and a reference; a
//!   [`GcVec`](gc_core::model::GcVec); a [`GcMap`](gc_core::model::GcMap) keyed
//!   by strings and one keyed by table identity) are created, written
//!   (slot, element, map entry), read, removed from, pushed, popped,
//!   truncated, retained and swapped wholesale, kept in
//!   [`Persistent`](gc_core::model::Persistent) roots and recalled from them.
//!   These ops run in mutation regions ([`Scope::mutate`](gc_core::Scope::mutate)):
//!   consecutive ones share a region, which ends at the next other op or at
//!   [`Op::Yield`], and the heap collects when a region ends if it is due
//!   (in stress mode: after any region that allocated). [`Op::Restart`]
//!   leaves every scope and the `heap.scope` call, so that only persistent
//!   roots carry tables over.
//! - **Both**: re-point and duplicate roots, enter and leave nested
//!   scopes, read, and collect; make weak references
//!   ([`GcWeak`](gc_core::GcWeak)) of any root's object, kept in the run's
//!   own list, and upgrade them (rooting the object when it upgrades),
//!   through [`Scope`](gc_core::Scope) and, for tables, through
//!   [`Mutation`](gc_core::model::Mutation); store them in handle-API
//!   objects (a `RefCell<Vec<GcWeak<_>>>` field) and upgrade them from
//!   there.
//!
//! Ops name objects by an index into the list of live roots, taken modulo
//! its length, so every generated program is valid and a program still
//! makes sense after proptest deletes some of its ops while shrinking.
//!
//! Each program runs twice side by side: on a real [`Heap<C>`](gc_core::Heap)
//! (with the backend's verifier on) and on a plain model, a graph of payload
//! ids plus a mirror of the shadow stack and of the persistent roots.
//! Objects are identified by payload id, never by address, so the same
//! programs check moving, non-moving and reference-counting backends. After
//! **every** step (for ops in a region: inside it, and again once it ended)
//! the harness checks:
//! - no reachable object was dropped and no object was dropped twice (each
//!   object counts its own drops, so this is checked without reading the heap);
//! - every object the model says is reachable can be reached on the real heap
//!   from the same root along the same edges, with its exact payload id, owned
//!   `Vec<u64>`, inline words (for large objects) and edges, and at one
//!   address per id; every table with its slot, every element, every map
//!   entry (found by iterating and by looking its key up, by value or by
//!   identity, after the objects moved), and an identity that stays the same
//!   while it lives and differs from every other table's;
//! - every weak reference of the run's list upgrades exactly when the model
//!   says its object lives, to that object (the one reached from the roots,
//!   by address); two are equal, and hash the same, exactly when they were
//!   made from the same object; a heap object holds exactly the weak
//!   references stored in it. The model's rule (`docs/WEAK.md`): a weak
//!   reference upgrades until the first collection that finds its object
//!   unreachable, never after; between collections an unreachable object
//!   still upgrades, and upgrading roots it again. The run learns of every
//!   collection from the heap's statistics, automatic ones included (a
//!   step allocates, a region ends), and from its event which objects it
//!   found: every unreachable one when it traced the heap or ran trial
//!   deletion, else (reference counting's reconciliation alone) those no
//!   garbage cycle reaches. An incremental marking cycle decides at its
//!   snapshot (the pause that began its marking, `CollectionEvent::began_marking`):
//!   what is unreachable then is doomed, and dies when the cycle ends
//!   (`ended_marking`) unless a weak upgrade (a step's or a check's)
//!   marked it and what it refers to first; what becomes unreachable after
//!   the snapshot survives the cycle (floating garbage) and still upgrades;
//! - after an explicit `collect()`: `usage().objects` equals the number of
//!   reachable objects and every unreachable object was dropped exactly once
//!   (for backends that do not collect cycles, only that nothing extra lives);
//! - when the heap is dropped at the end, every object was dropped exactly once.
//!
//! With the verifier on, every collection also checks the backend's own
//! invariants: reference counting's counts against the references in the
//! heap, after wholesale changes (`retain`, `mem::swap` of two vectors,
//! `truncate`) as after single stores.
//!
//! A failure is shrunk by proptest, then by a last pass that puts the
//! program in canonical form (indices reduced modulo the roots they pick
//! from, no-ops dropped) and deletes ops and lowers numbers until nothing
//! more can go (deleting an op can change what later indices mean, which
//! leaves proptest's vector shrinker in local minima). [`check_collector`]
//! prints the result as Rust you can paste into a regression test for
//! [`run_program`], with a comment per op saying what it did.
//!
//! ## Environment
//! - `GC_HARNESS_CASES=n` runs `n` programs per check instead of
//!   [`HarnessConfig::cases`] (for long soaks, e.g. `GC_HARNESS_CASES=20000`).
//! - `GC_HARNESS_SEED=s` replays the programs of a reported seed.
//!
//! ## Using it from a backend crate
//! `tests/harness.rs`:
//! ```ignore
//! gc_testing::harness_suite!(gc_mark_sweep::MarkSweep);
//! ```
//! which expands to three tests, `harness_normal`, `harness_stress` and
//! `harness_random` (collections at pseudo-random allocation points,
//! [`HarnessConfig::random_collections`], freed cells poisoned), each a
//! call to
//! [`check_collector`].
//!
//! ## Seeded bugs: proving the harness has teeth
//! A seeded bug is a copy of a backend with one planted mistake, most of
//! them re-creations of bugs that shipped in real collectors; the harness
//! must catch it and shrink it to a short program. The pattern, as
//! `gc-mark-sweep` does it for a mark loop that skips each object's last slot:
//! 1. Make the mistake a compile-time switch of the internal routine
//!    (`fn mark_loop<const FLAW: u8>`, one constant per seeded bug); the
//!    real collector passes `flaw::NONE`, so it costs nothing.
//! 2. Add a wrapper collector with `gc_core::seeded_bug!` (its `source` and
//!    one-line `shape`) that passes the bug's constant, in the backend's
//!    `seeded_bug` module, compiled under
//!    `#[cfg(any(test, feature = "seeded-bugs"))]` (one test-only feature
//!    per backend), so plain `cargo test` builds it for the crate's unit
//!    tests and the release library never contains it.
//! 3. List it in the backend's [`seeded_corpus!`](crate::seeded_corpus):
//!    `cargo test` then checks that the harness catches it quickly, and
//!    `scripts/kill-table.sh` puts it in the kill table
//!    (`docs/KILL_TABLE.md`, [`corpus`](crate::corpus)). A test may also
//!    call [`assert_catches`] on it and paste the shrunk program it returns
//!    into its doc comment.
//!
//! [proptest]: https://docs.rs/proptest

mod ephemeron;
mod exec;
mod model;
mod region;
pub mod seam;
mod search;
mod shrink;

use gc_core::{Collector, HeapConfig};
use proptest::prelude::*;
use std::fmt;

/// One mutator operation. Indices (`obj`, `target`, `root`, `from`,
/// `other`, and the roots in [`Val::Obj`] and [`Place::Id`]) pick a root
/// from the list of live roots (every open scope, outermost first), modulo
/// its length; an op that needs a root of one kind (a handle-API object or a
/// table) takes the first root of that kind from there on, wrapping around,
/// and does nothing if there is none.
///
/// Every object has four edges: `small[0..3]`, which refer to small
/// objects, and `large`, which refers to a large one. Fields `0..3` name
/// `small[field]` and `3` names `large`.
///
/// ```
/// use gc_testing::harness::Op;
/// // Two objects, the first pointing at the second, then the second root
/// // re-pointed at the first: the second object is now only reachable
/// // through the first's `small[0]`.
/// let program = vec![
///     Op::Alloc { len: 2 },
///     Op::Alloc { len: 0 },
///     Op::Set { obj: 0, field: 0, target: 1 },
///     Op::Assign { root: 1, from: 0 },
///     Op::Collect,
/// ];
/// assert_eq!(program.len(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Allocates a small object with a fresh payload id and a `Vec<u64>` of
    /// `len` words, rooted in the current scope.
    Alloc {
        /// Words in the owned vector.
        len: u8,
    },
    /// Allocates a large object (an inline `[u64; 1100]`, above the 8 KiB
    /// threshold), rooted in the current scope.
    AllocLarge {
        /// Words in the owned vector.
        len: u8,
    },
    /// Points an edge of root `obj`'s object at root `target`'s object:
    /// `small[field % 3]` for a small target, `large` for a large one.
    Set {
        /// Root whose object is written.
        obj: usize,
        /// Which `small` edge, for a small target.
        field: u8,
        /// Root whose object is stored.
        target: usize,
    },
    /// Makes edge `field % 4` of root `obj`'s object null.
    Clear {
        /// Root whose object is written.
        obj: usize,
        /// Which edge (3 is `large`).
        field: u8,
    },
    /// Roots the object behind edge `field % 4` of root `obj`'s object in
    /// the current scope (nothing if the edge is null).
    Load {
        /// Root whose object is read.
        obj: usize,
        /// Which edge (3 is `large`).
        field: u8,
    },
    /// Roots root `obj`'s object again, in the current scope.
    Root {
        /// Root to copy.
        obj: usize,
    },
    /// Re-points root `root` (possibly of an outer scope) at root `from`'s
    /// object, unrooting what it held; nothing if their kinds differ.
    Assign {
        /// Root to re-point.
        root: usize,
        /// Root whose object it gets.
        from: usize,
    },
    /// Opens a nested scope.
    Enter,
    /// Closes the innermost nested scope, dropping its roots (nothing in the
    /// outermost scope). Scopes still open at the end are closed then.
    Leave,
    /// Reads root `obj`'s payload id.
    Read {
        /// Root to read.
        obj: usize,
    },
    /// Runs `collect()`.
    Collect,
    /// Allocates a model object (a table: a value slot, a vector, a map
    /// keyed by value and one keyed by identity) with its slot set to
    /// `slot`, rooted in the current scope.
    New {
        /// The slot's first value.
        slot: Val,
    },
    /// Writes `value` at `place` of root `obj`'s table: sets the slot,
    /// stores into the vector, or inserts into a map.
    Write {
        /// Root whose table is written.
        obj: usize,
        /// Where.
        place: Place,
        /// What.
        value: Val,
    },
    /// Reads `place` of root `obj`'s table (a map lookup for a key) and
    /// roots what it finds if it is an object.
    Get {
        /// Root whose table is read.
        obj: usize,
        /// Where.
        place: Place,
    },
    /// Removes `place` of root `obj`'s table: a vector element (shifting
    /// the rest down) or a map entry; nothing for the slot.
    Remove {
        /// Root whose table is changed.
        obj: usize,
        /// Where.
        place: Place,
    },
    /// Pushes `value` onto root `obj`'s vector.
    Push {
        /// Root whose table is changed.
        obj: usize,
        /// What.
        value: Val,
    },
    /// Pops the last element of root `obj`'s vector.
    Pop {
        /// Root whose table is changed.
        obj: usize,
    },
    /// Truncates root `obj`'s vector to `len` elements.
    Truncate {
        /// Root whose table is changed.
        obj: usize,
        /// The length kept.
        len: u8,
    },
    /// Keeps the elements of root `obj`'s vector at positions `i` whose bit
    /// `i % 8` of `mask` is set (a wholesale change, `Vec::retain`).
    Retain {
        /// Root whose table is changed.
        obj: usize,
        /// Which positions stay.
        mask: u8,
    },
    /// Swaps the whole vectors of roots `obj`'s and `other`'s tables
    /// (`mem::swap`, a wholesale change of two objects); nothing if they
    /// are the same table.
    Swap {
        /// One table.
        obj: usize,
        /// The other.
        other: usize,
    },
    /// Adds a persistent root for root `obj`'s table.
    Persist {
        /// Root whose table is kept.
        obj: usize,
    },
    /// Drops persistent root `index` (modulo their number).
    Unpersist {
        /// Which persistent root.
        index: usize,
    },
    /// Roots persistent root `index`'s table (modulo their number) in the
    /// current scope.
    Recall {
        /// Which persistent root.
        index: usize,
    },
    /// Ends the current mutation region (the heap collects if it is due);
    /// the next model op opens a new one.
    Yield,
    /// Downgrades root `obj`'s object (any kind) with
    /// [`Scope::downgrade`](gc_core::Scope::downgrade), keeping the
    /// [`GcWeak`](gc_core::GcWeak) at the end of the run's list of weak
    /// references.
    Downgrade {
        /// Root whose object is downgraded.
        obj: usize,
    },
    /// Upgrades weak reference `weak` of the run's list, counted from the
    /// newest (modulo its length), with [`Scope::upgrade`](gc_core::Scope::upgrade), rooting the object
    /// in the current scope when it upgrades.
    Upgrade {
        /// Which weak reference.
        weak: usize,
    },
    /// Pushes weak reference `weak` of the run's list, counted from the
    /// newest (modulo its length), onto root `obj`'s object's `RefCell<Vec<GcWeak<_>>>` (a handle-API
    /// object): a weak reference stored in the heap.
    StoreWeak {
        /// Root whose object gets it.
        obj: usize,
        /// Which weak reference.
        weak: usize,
    },
    /// Upgrades entry `index`, counted from the newest (modulo their
    /// number), of the weak references stored in root `obj`'s object (the first handle-API object from
    /// there that holds any), rooting the object when it upgrades.
    LoadWeak {
        /// Root whose object is read.
        obj: usize,
        /// Which stored weak reference.
        index: usize,
    },
    /// In a mutation region: downgrades root `obj`'s table with
    /// [`Mutation::downgrade`](gc_core::model::Mutation::downgrade), keeping
    /// the reference at the end of the run's list.
    RegionDowngrade {
        /// Root whose table is downgraded.
        obj: usize,
    },
    /// In a mutation region: pushes weak reference `weak` of the run's list,
    /// counted from the newest (modulo its length), onto root `obj`'s
    /// table's `RefCell<Vec<GcWeak<_>>>` (the first table from there).
    RegionStoreWeak {
        /// Root whose table gets it.
        obj: usize,
        /// Which weak reference.
        weak: usize,
    },
    /// In a mutation region: upgrades entry `index`, counted from the
    /// newest, of the weak references stored in root `obj`'s table (the
    /// first table from there that holds any); a table's reference is
    /// rooted when it upgrades, another object's is only checked (a region
    /// cannot root a handle-API object).
    RegionLoadWeak {
        /// Root whose table is read.
        obj: usize,
        /// Which stored weak reference.
        index: usize,
    },
    /// In a mutation region: upgrades the newest weak reference to a table
    /// at or before the one [`Op::Upgrade`] would pick, wrapping, with
    /// [`Mutation::upgrade`](gc_core::model::Mutation::upgrade), rooting it
    /// when it upgrades.
    RegionUpgrade {
        /// Which weak reference.
        weak: usize,
    },
    /// Leaves every scope and the `heap.scope` call, then opens a new one,
    /// as a host returning to its event loop: only persistent roots remain.
    Restart,
    /// Allocates a weak map ([`GcWeakMap`](gc_core::GcWeakMap) of small
    /// objects), held by a persistent root of the run until [`Op::DropMap`].
    NewMap,
    /// Drops held map `map` (modulo the maps made; nothing if it was
    /// dropped): the next collection empties it.
    DropMap {
        /// Which map.
        map: usize,
    },
    /// Maps root `key`'s object to root `value`'s object in map `map` (the
    /// first small objects from there), with
    /// [`Scope::weak_insert`](gc_core::Scope::weak_insert).
    MapInsert {
        /// Which map.
        map: usize,
        /// Root of the key.
        key: usize,
        /// Root of the value.
        value: usize,
    },
    /// Looks root `key`'s object up in map `map` with
    /// [`Scope::weak_get`](gc_core::Scope::weak_get), rooting the value found.
    MapGet {
        /// Which map.
        map: usize,
        /// Root of the key.
        key: usize,
    },
    /// [`Op::MapGet`] with [`Mutation::weak_get`](gc_core::model::Mutation::weak_get),
    /// in a region of its own.
    RegionMapGet {
        /// Which map.
        map: usize,
        /// Root of the key.
        key: usize,
    },
    /// Removes root `key`'s entry from map `map`.
    MapRemove {
        /// Which map.
        map: usize,
        /// Root of the key.
        key: usize,
    },
}

impl Op {
    /// `true` for the ops that make, store or upgrade weak references.
    pub fn is_weak(&self) -> bool {
        matches!(
            self,
            Op::Downgrade { .. }
                | Op::Upgrade { .. }
                | Op::StoreWeak { .. }
                | Op::LoadWeak { .. }
                | Op::RegionDowngrade { .. }
                | Op::RegionStoreWeak { .. }
                | Op::RegionLoadWeak { .. }
                | Op::RegionUpgrade { .. }
        )
    }

    /// `true` for the ops that run inside a mutation region (the model
    /// ops). Consecutive ones share a region, which ends at the first other
    /// op or at [`Op::Yield`].
    pub fn in_region(&self) -> bool {
        matches!(
            self,
            Op::New { .. }
                | Op::Write { .. }
                | Op::Get { .. }
                | Op::Remove { .. }
                | Op::Push { .. }
                | Op::Pop { .. }
                | Op::Truncate { .. }
                | Op::Retain { .. }
                | Op::Swap { .. }
                | Op::Persist { .. }
                | Op::Unpersist { .. }
                | Op::Recall { .. }
                | Op::RegionDowngrade { .. }
                | Op::RegionUpgrade { .. }
                | Op::RegionStoreWeak { .. }
                | Op::RegionLoadWeak { .. }
                | Op::Yield
        )
    }
}

/// A value a model op writes: a variant of the tables' value enum
/// (`Nil`, an unboxed number, a reference to a table).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Val {
    /// `Value::Nil`.
    Nil,
    /// `Value::Num(n)`.
    Num(u8),
    /// A reference to root `r`'s table (the op does nothing if root `r` is
    /// not a table).
    Obj(usize),
    /// A reference to a new table allocated in the region and not rooted.
    New,
}

/// Where in a table a model op reads or writes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The value slot (a `Lock<Value>`).
    Slot,
    /// Element `i` of the vector, modulo its length (nothing if empty).
    Item(u8),
    /// Key `"k{n}"` of the map keyed by value (strings).
    Key(u8),
    /// Root `r`'s table as a key of the map keyed by identity (nothing if
    /// root `r` is not a table).
    Id(usize),
}

// `Debug` prints paths (`Val::Obj(2)`), so a listing pastes as Rust.
impl fmt::Debug for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Nil => f.write_str("Val::Nil"),
            Val::Num(n) => write!(f, "Val::Num({n})"),
            Val::Obj(r) => write!(f, "Val::Obj({r})"),
            Val::New => f.write_str("Val::New"),
        }
    }
}

impl fmt::Debug for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Slot => f.write_str("Place::Slot"),
            Place::Item(i) => write!(f, "Place::Item({i})"),
            Place::Key(k) => write!(f, "Place::Key({k})"),
            Place::Id(r) => write!(f, "Place::Id({r})"),
        }
    }
}

/// How many programs to run, how long, and on what kind of heap.
///
/// ```
/// use gc_testing::harness::HarnessConfig;
/// let soak = HarnessConfig { cases: 10_000, stress: true, ..HarnessConfig::default() };
/// assert!(soak.verify);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarnessConfig {
    /// Programs to run (proptest cases). `GC_HARNESS_CASES` overrides it.
    /// Default 1024: about 6 s per run for mark-sweep in a debug build.
    pub cases: u32,
    /// Longest program generated. Default 48.
    pub max_ops: usize,
    /// Run the heap in stress mode (collect on every allocation).
    pub stress: bool,
    /// Run the backend's verifier after every collection. Default `true`;
    /// switch it off to check that the model alone catches a bug.
    pub verify: bool,
    /// Seed for the program generator; `None` picks a random one (reported
    /// on failure). `GC_HARNESS_SEED` overrides it.
    pub seed: Option<u64>,
    /// Generate weak-reference ops. Default `true`. The corpus switches
    /// them off to look for bugs of strong marking alone (incremental
    /// marking's), so that its programs spend their ops on those.
    pub weak: bool,
    /// Collect at pseudo-random allocation points from this seed
    /// ([`HeapConfig::random_collections`]); ignored in stress mode.
    /// Default `None`.
    pub random_collections: Option<u64>,
    /// Fill freed cells with a poison ([`HeapConfig::poison_freed`]).
    /// Default `false`.
    pub poison_freed: bool,
    /// Shrink a failing program. Default `true`; `false` reports the first
    /// failing program as generated (for quick checks that only ask whether
    /// a bug is caught).
    pub shrink: bool,
}

impl Default for HarnessConfig {
    fn default() -> Self {
        HarnessConfig {
            cases: 1024,
            max_ops: 48,
            stress: false,
            verify: true,
            seed: None,
            weak: true,
            random_collections: None,
            poison_freed: false,
            shrink: true,
        }
    }
}

impl HarnessConfig {
    /// The heap each program runs on: small (16 MiB) with a 64 KiB first
    /// trigger, so collections also happen on their own outside stress mode.
    pub fn heap_config(&self) -> HeapConfig {
        HeapConfig {
            capacity: 16 << 20,
            initial_trigger: 64 << 10,
            stress: self.stress,
            random_collections: self.random_collections,
            poison_freed: self.poison_freed,
            verify: self.verify,
            // The run reads each collection's event to learn which phases ran.
            event_log: 64,
            ..HeapConfig::default()
        }
    }

    fn effective_cases(&self) -> u32 {
        env_number("GC_HARNESS_CASES").map_or(self.cases, |n| n as u32)
    }

    fn effective_seed(&self) -> u64 {
        env_number("GC_HARNESS_SEED")
            .or(self.seed)
            .unwrap_or_else(|| {
                use std::hash::BuildHasher;
                std::collections::hash_map::RandomState::new()
                    .hash_one(std::time::SystemTime::now())
            })
    }
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a number")),
    )
}

/// A failing program, shrunk, and how to replay it.
///
/// Its `Display` is the report [`check_collector`] panics with:
///
/// ```
/// use gc_testing::harness::{Failure, Op};
/// let failure = Failure {
///     collector: "mark-sweep",
///     stress: false,
///     seed: 7,
///     message: "step 1 (Collect): #0 (root 0) is reachable but was dropped 1 time(s)".into(),
///     program: vec![Op::Alloc { len: 0 }, Op::Collect],
/// };
/// let report = failure.to_string();
/// assert!(report.contains("Op::Alloc { len: 0 },"));
/// assert!(report.contains("GC_HARNESS_SEED=7"));
/// ```
#[derive(Debug, Clone)]
pub struct Failure {
    /// The collector's [`Collector::NAME`].
    pub collector: &'static str,
    /// Whether the heap ran in stress mode.
    pub stress: bool,
    /// The generator seed that found it.
    pub seed: u64,
    /// What went wrong, in the minimal program.
    pub message: String,
    /// The minimal program.
    pub program: Vec<Op>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the GC harness found a bug in `{}` (stress: {})",
            self.collector, self.stress
        )?;
        writeln!(f, "  {}", self.message)?;
        writeln!(
            f,
            "minimal program ({} ops; GC_HARNESS_SEED={} finds it again):",
            self.program.len(),
            self.seed
        )?;
        f.write_str(&listing(&self.program))
    }
}

/// `program` as a Rust `vec![..]`, one op per line, each with a comment
/// saying what it did in the model. The listing runs the model without a
/// heap, so it knows of explicit collections only: in stress mode (or
/// after a collection of the allocation trigger) a comment may say a weak
/// reference upgrades where the run found it cleared.
pub fn listing(program: &[Op]) -> String {
    let mut model = model::Model::default();
    let mut out = String::from("vec![\n");
    for (i, op) in program.iter().enumerate() {
        let step = model.resolve(op);
        let code = format!("Op::{op:?},");
        out += &format!("    {code:<44} // {i}: {}\n", model.explain(step));
        model.apply(op, step);
    }
    out + "]\n"
}

/// The program generator: 1 to `max_ops` ops. Three elevenths of the
/// programs use the handle API only (weighted towards allocation and field
/// writes), three the object model only (tables written in mutation
/// regions), three both on one heap, and two both with many lifetime ops
/// (scopes left, roots re-pointed, collections, weak references made,
/// stored and upgraded).
pub fn programs(max_ops: usize) -> impl Strategy<Value = Vec<Op>> {
    let max = max_ops.max(1);
    // Model programs start with a table or two, so that their first ops
    // have one to work on.
    let tables = || {
        let first = prop_oneof![Just(Val::Nil), (0..4u8).prop_map(Val::Num), Just(Val::New)];
        let new = first.prop_map(|slot| Op::New { slot });
        proptest::collection::vec(new, 1..=2.min(max))
    };
    let with_tables = |ops: BoxedStrategy<Op>| {
        (tables(), proptest::collection::vec(ops, 0..max)).prop_map(move |(mut program, ops)| {
            program.extend(ops);
            program.truncate(max);
            program
        })
    };
    prop_oneof![
        3 => proptest::collection::vec(handle_op(), 1..=max),
        3 => with_tables(model_op().boxed()),
        3 => with_tables(prop_oneof![handle_op(), model_op()].boxed()),
        2 => lifetimes(max),
    ]
}

/// A program of the fourth family: tables, then handle, model and
/// [`lifetime_op`] ops.
fn lifetimes(max: usize) -> BoxedStrategy<Vec<Op>> {
    let single = |s: BoxedStrategy<Op>| s.prop_map(|op| vec![op]).boxed();
    let ops = prop_oneof![
        single(handle_op().boxed()),
        single(model_op().boxed()),
        lifetime_op()
    ];
    let first = prop_oneof![Just(Val::Nil), Just(Val::New)].prop_map(|slot| Op::New { slot });
    (first, proptest::collection::vec(ops, 0..max))
        .prop_map(move |(first, ops)| {
            let mut program = vec![first];
            program.extend(ops.into_iter().flatten());
            program.truncate(max);
            program
        })
        .boxed()
}

/// Ops that end objects' lives and look at them afterwards: scopes left,
/// roots re-pointed, collections, weak references made and upgraded, and
/// episodes that downgrade a root's object (keeping the reference, or
/// storing it in a handle object or a table), re-point that root, collect
/// and upgrade. Two elevenths of the programs mix these in at a high rate,
/// so that weak references often outlive their objects.
fn lifetime_op() -> impl Strategy<Value = Vec<Op>> {
    let one = prop_oneof![
        4 => Just(Op::Enter),
        4 => Just(Op::Leave),
        4 => Just(Op::Collect),
        2 => (root(), root()).prop_map(|(root, from)| Op::Assign { root, from }),
        4 => root().prop_map(|obj| Op::Downgrade { obj }),
        2 => root().prop_map(|obj| Op::RegionDowngrade { obj }),
        6 => (0..8usize).prop_map(|weak| Op::Upgrade { weak }),
        2 => (0..8usize).prop_map(|weak| Op::RegionUpgrade { weak }),
        2 => (root(), 0..8usize).prop_map(|(obj, weak)| Op::StoreWeak { obj, weak }),
        3 => (root(), 0..4usize).prop_map(|(obj, index)| Op::LoadWeak { obj, index }),
        1 => (root(), 0..8usize).prop_map(|(obj, weak)| Op::RegionStoreWeak { obj, weak }),
        2 => (root(), 0..4usize).prop_map(|(obj, index)| Op::RegionLoadWeak { obj, index }),
    ];
    let episode = (root(), root(), 0..2usize).prop_map(|(root, from, weak)| {
        vec![
            Op::Downgrade { obj: root },
            Op::Assign { root, from },
            Op::Collect,
            Op::Upgrade { weak },
        ]
    });
    let stored = (root(), root(), root()).prop_map(|(root, from, holder)| {
        vec![
            Op::Downgrade { obj: root },
            Op::StoreWeak {
                obj: holder,
                weak: 0,
            },
            Op::Assign { root, from },
            Op::Collect,
            Op::LoadWeak {
                obj: holder,
                index: 0,
            },
        ]
    });
    let in_table = (root(), root(), root()).prop_map(|(root, from, holder)| {
        vec![
            Op::Downgrade { obj: root },
            Op::RegionStoreWeak {
                obj: holder,
                weak: 0,
            },
            Op::Assign { root, from },
            Op::Collect,
            Op::RegionLoadWeak {
                obj: holder,
                index: 0,
            },
        ]
    });
    prop_oneof![
        8 => one.prop_map(|op| vec![op]),
        1 => episode,
        3 => stored,
        2 => in_table,
    ]
}

fn root() -> std::ops::Range<usize> {
    0..16
}

/// The ops every program family uses: collections, scopes, roots.
fn shared_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Collect),
        2 => Just(Op::Enter),
        2 => Just(Op::Leave),
        1 => root().prop_map(|obj| Op::Root { obj }),
        2 => (root(), root()).prop_map(|(root, from)| Op::Assign { root, from }),
        1 => root().prop_map(|obj| Op::Read { obj }),
        2 => root().prop_map(|obj| Op::Downgrade { obj }),
        4 => (0..8usize).prop_map(|weak| Op::Upgrade { weak }),
    ]
}

fn handle_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..8u8).prop_map(|len| Op::Alloc { len }),
        1 => (0..8u8).prop_map(|len| Op::AllocLarge { len }),
        5 => (root(), 0..3u8, root()).prop_map(|(obj, field, target)| Op::Set { obj, field, target }),
        1 => (root(), 0..4u8).prop_map(|(obj, field)| Op::Clear { obj, field }),
        2 => (root(), 0..4u8).prop_map(|(obj, field)| Op::Load { obj, field }),
        2 => (root(), 0..8usize).prop_map(|(obj, weak)| Op::StoreWeak { obj, weak }),
        2 => (root(), 0..4usize).prop_map(|(obj, index)| Op::LoadWeak { obj, index }),
        12 => shared_op(),
    ]
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![
        1 => Just(Val::Nil),
        1 => (0..4u8).prop_map(Val::Num),
        4 => root().prop_map(Val::Obj),
        2 => Just(Val::New),
    ]
}

fn model_op() -> impl Strategy<Value = Op> {
    let place = || {
        prop_oneof![
            2 => Just(Place::Slot),
            2 => (0..8u8).prop_map(Place::Item),
            2 => (0..4u8).prop_map(Place::Key),
            2 => root().prop_map(Place::Id),
        ]
    };
    prop_oneof![
        8 => val().prop_map(|slot| Op::New { slot }),
        10 => (root(), place(), val()).prop_map(|(obj, place, value)| Op::Write { obj, place, value }),
        4 => (root(), place()).prop_map(|(obj, place)| Op::Get { obj, place }),
        2 => (root(), place()).prop_map(|(obj, place)| Op::Remove { obj, place }),
        8 => (root(), val()).prop_map(|(obj, value)| Op::Push { obj, value }),
        2 => root().prop_map(|obj| Op::Pop { obj }),
        2 => (root(), 0..4u8).prop_map(|(obj, len)| Op::Truncate { obj, len }),
        2 => (root(), any::<u8>()).prop_map(|(obj, mask)| Op::Retain { obj, mask }),
        2 => (root(), root()).prop_map(|(obj, other)| Op::Swap { obj, other }),
        3 => root().prop_map(|obj| Op::Persist { obj }),
        1 => (0..4usize).prop_map(|index| Op::Unpersist { index }),
        2 => (0..4usize).prop_map(|index| Op::Recall { index }),
        2 => Just(Op::Yield),
        1 => Just(Op::Restart),
        2 => root().prop_map(|obj| Op::RegionDowngrade { obj }),
        2 => (0..8usize).prop_map(|weak| Op::RegionUpgrade { weak }),
        1 => (root(), 0..8usize).prop_map(|(obj, weak)| Op::RegionStoreWeak { obj, weak }),
        2 => (root(), 0..4usize).prop_map(|(obj, index)| Op::RegionLoadWeak { obj, index }),
        16 => shared_op(),
    ]
}

/// Runs one program on a fresh `Heap<C>` (configured by `config`) and the
/// model, returning the first disagreement. Use it to keep a shrunk program
/// as a regression test.
///
/// ```
/// use gc_testing::harness::{run_program, HarnessConfig, Op};
/// use gc_mark_sweep::MarkSweep;
///
/// let program = vec![
///     Op::Alloc { len: 3 },
///     Op::AllocLarge { len: 1 },
///     Op::Set { obj: 0, field: 0, target: 1 }, // a large target: sets `large`
///     Op::Assign { root: 1, from: 1 },
///     Op::Enter,
///     Op::Load { obj: 0, field: 3 },
///     Op::Leave,
///     Op::Collect,
/// ];
/// run_program::<MarkSweep>(&program, &HarnessConfig::default()).unwrap();
/// ```
pub fn run_program<C: Collector>(program: &[Op], config: &HarnessConfig) -> Result<(), String> {
    exec::run_program::<C>(program, config)
}

/// Runs the harness on `C`; returns the shrunk failure, or `None` if every
/// program passed.
///
/// ```
/// use gc_testing::harness::{find_failure, HarnessConfig};
/// let config = HarnessConfig { cases: 8, seed: Some(1), ..HarnessConfig::default() };
/// assert!(find_failure::<gc_mark_sweep::MarkSweep>(&config).is_none());
/// ```
pub fn find_failure<C: Collector>(config: &HarnessConfig) -> Option<Failure> {
    hunt::<C>(config).failure
}

/// What one run of the harness found, and how long it took: the kill
/// table's row (`gc_testing::corpus`).
#[derive(Debug, Clone)]
pub struct Hunt {
    /// The shrunk failure, if a program failed.
    pub failure: Option<Failure>,
    /// From the start to the end of the first failing program (before
    /// any shrinking).
    pub first_failure: Option<std::time::Duration>,
    /// The whole run, shrinking included.
    pub elapsed: std::time::Duration,
}

/// [`find_failure`], timed: runs the harness on `C` and says when the
/// first program failed.
///
/// ```
/// use gc_testing::harness::{hunt, HarnessConfig};
/// let config = HarnessConfig { cases: 8, seed: Some(1), ..HarnessConfig::default() };
/// let hunt = hunt::<gc_mark_sweep::MarkSweep>(&config);
/// assert!(hunt.failure.is_none() && hunt.first_failure.is_none());
/// ```
pub fn hunt<C: Collector>(config: &HarnessConfig) -> Hunt {
    let run = |program: &[Op]| run_program::<C>(program, config);
    search::hunt(config, C::NAME, programs(config.max_ops), run)
}

/// [`find_failure`] over the weak-map programs: small objects, weak maps
/// ([`Op::NewMap`], [`Op::MapInsert`], lookups, removals, dropped maps) and
/// the ops that end lives. The model predicts which entries vanish at each
/// collection (ephemerons: a value lives while its key does and its map is
/// held).
///
/// ```
/// use gc_testing::harness::{find_ephemeron_failure, HarnessConfig};
/// let config = HarnessConfig { cases: 8, seed: Some(1), ..HarnessConfig::default() };
/// assert!(find_ephemeron_failure::<gc_mark_sweep::MarkSweep>(&config).is_none());
/// ```
pub fn find_ephemeron_failure<C: Collector>(config: &HarnessConfig) -> Option<Failure> {
    let run = |program: &[Op]| run_program::<C>(program, config);
    search::hunt(config, C::NAME, ephemeron::programs(config.max_ops), run).failure
}

/// [`check_collector`] over the weak-map programs ([`find_ephemeron_failure`]).
pub fn check_ephemerons<C: Collector>(config: HarnessConfig) {
    if let Some(failure) = find_ephemeron_failure::<C>(&config) {
        panic!("{failure}");
    }
}

/// [`assert_catches`] over the weak-map programs ([`find_ephemeron_failure`]).
pub fn assert_catches_ephemeron<C: Collector>(config: HarnessConfig, max_len: usize) -> Failure {
    let failure = find_ephemeron_failure::<C>(&config).unwrap_or_else(|| {
        panic!(
            "the weak-map harness did not catch the seeded bug in `{}` ({config:?})",
            C::NAME
        )
    });
    assert!(
        failure.program.len() <= max_len,
        "the harness caught the seeded bug but shrank it only to {} ops (limit {max_len}):\n{failure}",
        failure.program.len()
    );
    failure
}

/// Runs the harness on `C` and panics with the shrunk failing program if any
/// program fails.
///
/// ```
/// use gc_testing::harness::{check_collector, HarnessConfig};
/// check_collector::<gc_mark_sweep::MarkSweep>(HarnessConfig {
///     cases: 8,
///     stress: true,
///     ..HarnessConfig::default()
/// });
/// ```
pub fn check_collector<C: Collector>(config: HarnessConfig) {
    if let Some(failure) = find_failure::<C>(&config) {
        panic!("{failure}");
    }
}

/// For seeded bugs: runs the harness on `C`, a collector with a planted
/// mistake, and returns the shrunk failure. Panics if the harness finds
/// nothing, or if the shrunk program has more than `max_len` ops.
///
/// ```
/// use gc_testing::harness::{assert_catches, HarnessConfig};
/// // A real seeded bug lives in the backend crate (see the module docs);
/// // the correct collector is not caught, so this panics.
/// let config = HarnessConfig { cases: 4, ..HarnessConfig::default() };
/// let caught = std::panic::catch_unwind(|| {
///     assert_catches::<gc_mark_sweep::MarkSweep>(config, 10)
/// });
/// assert!(caught.is_err());
/// ```
pub fn assert_catches<C: Collector>(config: HarnessConfig, max_len: usize) -> Failure {
    let failure = find_failure::<C>(&config).unwrap_or_else(|| {
        panic!(
            "the harness did not catch the seeded bug in `{}` ({config:?})",
            C::NAME
        )
    });
    assert!(
        failure.program.len() <= max_len,
        "the harness caught the seeded bug but shrank it only to {} ops (limit {max_len}):\n{failure}",
        failure.program.len()
    );
    failure
}

/// Every mode the seeded-bug tests try, as `(stress, verify)`: normal mode
/// with the verifier on and off, then stress mode with it on and off.
pub const EVERY_MODE: [(bool, bool); 4] =
    [(false, true), (false, false), (true, true), (true, false)];

/// For seeded bugs: [`assert_catches`] in each of `modes` (`(stress,
/// verify)`), the first with seed 1, the next with seed 2, and so on;
/// prints and returns each shrunk failure.
///
/// ```should_panic
/// use gc_testing::harness::{assert_catches_in_modes, EVERY_MODE};
/// // The correct collector is not caught: this panics.
/// std::env::set_var("GC_HARNESS_CASES", "4");
/// assert_catches_in_modes::<gc_mark_sweep::MarkSweep>(&EVERY_MODE, 10);
/// ```
pub fn assert_catches_in_modes<C: Collector>(
    modes: &[(bool, bool)],
    max_len: usize,
) -> Vec<Failure> {
    let run = |(seed, &(stress, verify))| {
        let config = HarnessConfig {
            stress,
            verify,
            seed: Some(seed),
            ..HarnessConfig::default()
        };
        let failure = assert_catches::<C>(config, max_len);
        println!("seed {seed}, stress {stress}, verify {verify}:\n{failure}");
        failure
    };
    (1..).zip(modes).map(run).collect()
}

/// Expands to three tests running [`check_collector`] on a backend:
/// `harness_normal`, `harness_stress` and `harness_random` (collections
/// at pseudo-random allocation points, [`HarnessConfig::random_collections`],
/// with freed cells poisoned, [`HarnessConfig::poison_freed`]; 256
/// programs).
///
/// ```ignore
/// // gc-mark-sweep/tests/harness.rs
/// gc_testing::harness_suite!(gc_mark_sweep::MarkSweep);
/// ```
#[macro_export]
macro_rules! harness_suite {
    ($backend:ty) => {
        #[test]
        fn harness_normal() {
            $crate::harness::check_collector::<$backend>($crate::harness::HarnessConfig::default());
        }

        #[test]
        fn harness_stress() {
            $crate::harness::check_collector::<$backend>($crate::harness::HarnessConfig {
                stress: true,
                ..$crate::harness::HarnessConfig::default()
            });
        }

        #[test]
        fn harness_random() {
            $crate::harness::check_collector::<$backend>($crate::harness::HarnessConfig {
                random_collections: Some(1),
                poison_freed: true,
                cases: 256,
                ..$crate::harness::HarnessConfig::default()
            });
        }

        #[test]
        fn harness_ephemerons_normal() {
            $crate::harness::check_ephemerons::<$backend>($crate::harness::HarnessConfig::default());
        }

        #[test]
        fn harness_ephemerons_stress() {
            $crate::harness::check_ephemerons::<$backend>($crate::harness::HarnessConfig {
                stress: true,
                ..$crate::harness::HarnessConfig::default()
            });
        }
    };
}

#[cfg(test)]
mod tests {
    use super::model::{Model, ModelObject, Spot, Step};
    use super::{programs, Op};
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    use std::collections::HashMap;

    /// What `n` generated programs do, in the model: how often each kind of
    /// step runs (skipped ops not counted), by name.
    fn census(n: usize) -> HashMap<String, usize> {
        let config = Config {
            rng_seed: RngSeed::Fixed(7),
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let mut seen = HashMap::new();
        let mut count = |what: String| *seen.entry(what).or_insert(0) += 1;
        for _ in 0..n {
            let program: Vec<Op> = programs(48).new_tree(&mut runner).unwrap().current();
            let mut model = Model::default();
            for op in &program {
                let step = model.resolve(op);
                let head = |text: String| {
                    text[..text.find([' ', '{', '(']).unwrap_or(text.len())].to_string()
                };
                let name = head(format!("{step:?}"));
                count(name.clone());
                if name == "Skip" {
                    count(format!("Skip {}", head(format!("{op:?}"))));
                }
                if let Step::Write {
                    place: Spot::Slot,
                    value,
                    old: Some(old),
                    ..
                } = step
                {
                    if std::mem::discriminant(&value.stored()) != std::mem::discriminant(&old) {
                        count("slot changes variant".into());
                    }
                }
                match step {
                    Step::Upgrade {
                        alive, id, region, ..
                    } => {
                        let here = if region { "in a region" } else { "in a scope" };
                        count(format!("Upgrade {here}"));
                        if !alive {
                            count("upgrade of a dead object".into());
                        } else if !model.reachable()[id as usize] {
                            count("upgrade of an unreachable object".into());
                        }
                    }
                    Step::Downgrade { region: true, .. } => count("Downgrade in a region".into()),
                    Step::LoadWeak {
                        alive: false,
                        region: false,
                        ..
                    } => count("stored upgrade of a dead object".into()),
                    Step::LoadWeak { region: true, .. } => {
                        count("stored upgrade in a table".into())
                    }
                    Step::StoreWeak { region: true, .. } => {
                        count("weak reference stored in a table".into())
                    }
                    Step::Write { place, .. }
                    | Step::Get { place, .. }
                    | Step::Remove { place, .. } => {
                        count(format!("{name} at {}", head(format!("{place:?}"))))
                    }
                    Step::Collect => {
                        let reachable = model.reachable();
                        let dies = |id: &u64| !reachable[*id as usize] && !model.object(*id).dead;
                        if model.weaks.iter().any(dies) {
                            count("collect clears a weak reference".into());
                        }
                        let keyed = |o: &&ModelObject| !o.table.by_id.is_empty();
                        if model
                            .objects
                            .iter()
                            .filter(keyed)
                            .any(|o| reachable[o.id as usize])
                        {
                            count("collect with identity keys live".into());
                        }
                        if model.persistent.iter().any(|p| !model.roots.contains(p)) {
                            count("collect with a persistent table no scope roots".into());
                        }
                    }
                    _ => {}
                }
                model.apply(op, step);
            }
        }
        seen
    }

    /// The generator reaches every model op (resolved to something other
    /// than a no-op), on every kind of place, and the states the model
    /// checks are about: slots rewritten across variants, collections with
    /// tables keyed by identity and tables held only by persistent roots,
    /// weak references made and upgraded in scopes and regions, stored in
    /// objects, upgraded after their object died, and upgraded while their
    /// object is unreachable but not yet found (rooting it again).
    #[test]
    fn generated_programs_exercise_every_model_op() {
        let seen = census(1024);
        let expected = [
            "New",
            "Write",
            "Get",
            "Remove",
            "Push",
            "Pop",
            "Truncate",
            "Retain",
            "Swap",
            "Persist",
            "Unpersist",
            "Recall",
            "Yield",
            "Restart",
            "Alloc",
            "Set",
            "Collect",
            "slot changes variant",
            "Write at Slot",
            "Write at Item",
            "Write at Key",
            "Write at Id",
            "Get at Item",
            "Get at Key",
            "Get at Id",
            "Remove at Item",
            "Remove at Key",
            "Remove at Id",
            "collect with identity keys live",
            "collect with a persistent table no scope roots",
            "Downgrade",
            "Downgrade in a region",
            "Upgrade in a scope",
            "Upgrade in a region",
            "upgrade of a dead object",
            "upgrade of an unreachable object",
            "StoreWeak",
            "LoadWeak",
            "stored upgrade of a dead object",
            "collect clears a weak reference",
            "weak reference stored in a table",
            "stored upgrade in a table",
        ];
        for what in expected {
            let n = seen.get(what).copied().unwrap_or(0);
            assert!(n >= 10, "{what}: {n} times in 1024 programs ({seen:?})");
        }
    }
}
