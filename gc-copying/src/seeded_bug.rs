//! TEST-ONLY seeded bugs: copies of [`Copying`] with one planted mistake,
//! which the model-based harness (`gc_testing::harness`) must catch.
//! Compiled for this crate's unit tests, or with the test-only feature
//! `seeded-bugs`; never part of a normal build. Each names its source and
//! shape; the corpus below lists them for the kill table
//! (`docs/KILL_TABLE.md`).

use crate::cheney::flaw;
use crate::Copying;

// Contract: broken on purpose, for tests only: `collect` moves an object
// without updating the last root that refers to it, violating rule 2. The
// harness detects it (through the verifier, or through the poisoned payload
// id in debug builds) at the step of that collection, before the stale root
// is traced or its payload's owned data read; nothing else may use this
// type. Rules 1, 3, 4 and 5 hold as for `Copying`.
gc_core::seeded_bug! {
    /// A copying collector that copies the object the **last** root refers to
    /// but never rewrites that root, which keeps pointing at the stale original
    /// in from-space. Everything else is [`Copying`].
    ///
    /// The stale root is never followed into a crash: the flip poisons the old
    /// semispace in debug builds, so reading through the root gives a
    /// `0xdbdb...` payload id the model rejects; the verifier, which runs right
    /// after the collection, rejects the root before anything dereferences it
    /// (it lies outside to-space). The harness stops a program at its first
    /// failing step, so no later collection ever traces the stale root.
    ///
    /// ```
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_copying::seeded_bug::StaleLastRoot;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<StaleLastRoot>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 2, "{failure}");
    /// ```
    pub struct StaleLastRoot(Copying) = "copying (seeded bug: stale last root)";
    source "planted here (no shipped original)";
    shape "a moved object's last root is not rewritten";
    collect(inner, roots, event) {
        inner.collect_with::<{ flaw::STALE_LAST_ROOT }>(roots, event)
    }
}

// Contract: broken on purpose, for tests only: after `collect` moves an
// object, its weak references upgrade to its old copy in the discarded
// semispace (the weak table's contract, which `Collector::weak_table`
// promises, is broken). The harness detects it at the first upgrade after
// the move by comparing the upgraded root's address with the object's,
// without reading through it, and stops before collecting again (the next
// collection's weak step would read the stale address's header); nothing
// else may use this type. Rules 1 to 5 hold as for `Copying`.
gc_core::seeded_bug! {
    /// A copying collector whose weak step keeps a moved object's entry at
    /// its old address instead of following the forwarding address: weak
    /// references of surviving objects upgrade to the stale old copy.
    /// Everything else is [`Copying`].
    ///
    /// ```
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_copying::seeded_bug::StaleWeak;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<StaleWeak>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 3, "{failure}");
    /// ```
    pub struct StaleWeak(Copying) = "copying (seeded bug: weak entry not forwarded)";
    source "planted here (issue 25's weak bugs)";
    shape "the weak step keeps a moved object's old address";
    collect(inner, roots, event) {
        inner.collect_with::<{ flaw::STALE_WEAK }>(roots, event)
    }
}

// Contract: broken on purpose, for tests only: `collect` moves an object
// held only through a slot in a buffer another object owns without
// rewriting that slot, violating rule 2. The harness detects it through the
// verifier (the slot lies outside to-space) or the poison of from-space in
// debug builds, at that collection's step; nothing else may use this type.
// Rules 1, 3, 4 and 5 hold as for `Copying`.
gc_core::seeded_bug! {
    /// A copying collector whose scan rewrites only the slots inside each
    /// object's own cell: the slots its trace reports from a buffer it owns
    /// (a vector's elements, a map's entries) keep pointing into
    /// from-space. Everything else is [`Copying`].
    pub struct SkipOutOfLine(Copying) = "copying (seeded bug: an owned buffer not traced)";
    source "gc-arena #113";
    shape "an object's trace skips a collection it owns, whose elements are freed while referenced";
    collect(inner, roots, event) {
        inner.collect_with::<{ flaw::SKIP_OUT_OF_LINE }>(roots, event)
    }
}

// Contract: broken on purpose, for tests only: `identity` changes when the
// object moves (the trait's contract: stable while the object lives), so
// identity-keyed maps lose their entries. Memory stays sound: a map that
// misses a key answers "absent"; nothing else may use this type.
gc_core::seeded_bug! {
    /// A copying collector whose object identity is the object's address,
    /// as for a non-moving collector: after a collection moves an object, a
    /// map keyed by identity looks for it under its new address and misses
    /// (and two objects can get each other's old identities). Everything
    /// else is [`Copying`].
    pub struct AddressIdentity(Copying) = "copying (seeded bug: identity is the address)";
    source "ruby/ruby #16923 (Bug #22064)";
    shape "a compare-by-identity table hashes objects by address, and a moving collection breaks its lookups";
    identity(inner, obj) {
        let _ = inner;
        obj.addr() as u64
    }
}

// Contract: broken on purpose, for tests only: a large object marked by an
// earlier collection is taken for reached: a dead one is never freed (a
// leak), and a live one is not scanned, so its small children are not
// copied and its fields keep pointing into the discarded semispace
// (rule 2). The harness detects it through the verifier (a field that is
// not an object), or the model (a leak after `collect()`, a weak reference
// that upgrades after its object was found dead, caught before it is
// read); nothing else may use this type.
gc_core::seeded_bug! {
    /// A copying collector that does not clear the large-object space's
    /// marks before a collection: whatever a collection marked counts as
    /// reached in every later one. Everything else is [`Copying`].
    pub struct StaleLargeMarks(Copying) = "copying (seeded bug: large-object marks never reset)";
    source "mmtk/mmtk-core #1112";
    shape "the non-moving space's mark state is not reset before a collection, so what one collection marked stays alive forever";
    collect(inner, roots, event) {
        inner.collect_with::<{ flaw::KEEP_LARGE_MARKS }>(roots, event)
    }
}

#[cfg(test)]
gc_testing::seeded_corpus! {
    StaleLastRoot: normal,
    StaleWeak: normal,
    SkipOutOfLine: normal,
    AddressIdentity: normal,
    StaleLargeMarks: normal,
}

// Contract: broken on purpose, for tests only: after a collection moves
// weak-map keys, their entries stay hashed by the old addresses, so a
// lookup by the key's new address finds nothing (and a later object at an
// old address could be taken for the key, which the harness never reaches:
// it stops at the first lookup that disagrees with the model). The entries
// still follow the moved keys and values (the collector's rules 1 to 5
// hold as for `Copying`); only lookups break.
gc_core::seeded_bug! {
    /// A copying collector whose weak step follows moved weak-map keys but
    /// does not rehash the entries by their new addresses. Everything else
    /// is [`Copying`].
    ///
    /// ```
    /// use gc_testing::harness::{find_ephemeron_failure, HarnessConfig};
    /// use gc_copying::seeded_bug::ForgottenRehash;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_ephemeron_failure::<ForgottenRehash>(&config).expect("caught");
    /// assert!(failure.program.len() <= 6, "{failure}");
    /// ```
    pub struct ForgottenRehash(Copying) = "copying (seeded bug: weak-map rehash forgotten)";
    source "planted here (issue 25's weak bugs)";
    shape "the weak step follows moved weak-map keys but leaves their entries hashed by the old addresses";
    new(config) {
        let mut inner = <Copying as gc_core::Collector>::new(config)?;
        gc_core::Collector::weak_table_mut(&mut inner).ephemerons_mut().flaw =
            gc_core::ephemeron::Flaw::NoRehash;
        Ok(ForgottenRehash(inner))
    }
}

#[cfg(test)]
mod tests {
    use super::{ForgottenRehash, StaleLastRoot, StaleWeak};
    use gc_testing::harness::{
        assert_catches, assert_catches_ephemeron, assert_catches_in_modes, HarnessConfig, Op,
        EVERY_MODE,
    };

    /// The harness must catch the bug in normal and stress mode, with the
    /// verifier on and (in debug builds) off, and shrink it to the shortest
    /// program that can show it: one object and one collection. Without the
    /// verifier the model sees the stale root through the poison that debug
    /// builds write over from-space; release builds give those pages back
    /// to the kernel, so they read as zeros, which can pass for object #0.
    /// Tables (object-model roots, read in a mutation region) show it as
    /// handle-API objects do. What it printed (seeds 1 to 4, in the order of
    /// `modes`):
    ///
    /// ```text
    /// seed 1, normal, verifier on:
    ///   step 1 (Collect): panicked: heap verification failed after collection 1:
    ///   root slot 0 refers to ObjectRef(..), which is not an object
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    ///     Op::Collect,                                 // 1: collect (1 of 1 objects reachable)
    /// ]
    /// seed 2, normal, verifier off:
    ///   step 1 (Collect): root 0 should be #0 but is #15842497851538791387
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Collect,                                 // 1: collect (1 of 1 objects reachable)
    /// ]
    /// seed 3, stress, verifier on: the allocation's own collection shows it
    ///   (collection 2: the stress collection before the first allocation is 1);
    ///   step 1 (Alloc { len: 0 }): panicked: heap verification failed after
    ///   collection 2: root slot 0 refers to ObjectRef(..), which is not an object
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Alloc { len: 0 },                        // 1: root 1 = new small #1 (0 words)
    /// ]
    /// seed 4, stress, verifier off: one table; the collection at the end of
    ///   its region shows it:
    ///   step 0 (New { slot: Val::Nil }), after its region ended: root 0 should be
    ///   #0 but is #15842497851538791387
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    /// ]
    /// ```
    ///
    /// (15842497851538791387 is `0xdbdb_dbdb_dbdb_dbdb`, the poison.)
    #[test]
    fn harness_catches_a_stale_root() {
        for (seed, (stress, verify)) in (1..).zip(EVERY_MODE) {
            if !verify && !cfg!(debug_assertions) {
                continue;
            }
            let config = HarnessConfig {
                stress,
                verify,
                seed: Some(seed),
                ..HarnessConfig::default()
            };
            let failure = assert_catches::<StaleLastRoot>(config, 2);
            let expected = if verify {
                "which is not an object"
            } else {
                "root 0 should be #0 but is #15842497851538791387"
            };
            assert!(failure.message.contains(expected), "{failure}");
        }
    }

    /// The harness catches a weak entry left at a moved object's old
    /// address, in normal and stress mode, verifier on and off (the
    /// verifier does not look at weak references), and shrinks it to an
    /// allocation, a downgrade and a collection that moves the object: the
    /// check after it finds the upgraded root at another address than the
    /// object's. What it printed (seeds 1 to 4, in the order of `modes`):
    ///
    /// ```text
    /// seed 1, normal, verifier on: a table, downgraded, collected (3 ops):
    ///   step 2 (Collect): weak 0 upgraded to another copy of #0
    /// seed 2, normal, verifier off:
    ///   step 2 (Collect): weak 0 upgraded to another copy of #0
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Downgrade { obj: 0 },                    // 1: weak 0 = downgrade root 0 (#0)
    ///     Op::Collect,                                 // 2: collect (1 of 1 objects reachable)
    /// ]
    /// seed 3, stress, verifier on: the downgrade's region collects (2 ops):
    ///   step 1 (RegionDowngrade { obj: 0 }), after its region ended: weak 0
    ///   upgraded to another copy of #0
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    ///     Op::RegionDowngrade { obj: 0 },              // 1: weak 0 = downgrade root 0 (#0)
    /// ]
    /// seed 4, stress, verifier off: a table, downgraded, and a push whose
    ///   region collects (3 ops).
    /// ```
    #[test]
    fn harness_catches_a_stale_weak_entry() {
        for failure in assert_catches_in_modes::<StaleWeak>(&EVERY_MODE, 3) {
            assert!(failure.message.contains("another copy of"), "{failure}");
            let downgrades =
                |op: &Op| matches!(op, Op::Downgrade { .. } | Op::RegionDowngrade { .. });
            assert!(failure.program.iter().any(downgrades), "{failure}");
        }
    }

    /// The weak-map harness catches a rehash forgotten after keys moved,
    /// in normal and stress mode, verifier on and off, shrunk to at most 6
    /// ops: a map, a key, an entry, a collection (which moves the key), and
    /// the check after it finds the entry missing. What it printed (seeds 1
    /// to 4 alike):
    ///
    /// ```text
    /// step 3 (Collect): map 0[#0] is missing, expected #0
    /// vec![
    ///     Op::NewMap,                                  // 0: map 0 = new weak map
    ///     Op::Alloc { len: 0 },                        // 1: root 0 = new small #0 (0 words)
    ///     Op::MapInsert { map: 0, key: 0, value: 0 },  // 2: map 0[root 0 (#0)] = root 0 (#0)
    ///     Op::Collect,                                 // 3: collect (1 of 1 objects reachable)
    /// ]
    /// ```
    #[test]
    fn harness_catches_a_forgotten_rehash() {
        let modes = [(false, true), (false, false), (true, true), (true, false)];
        for (seed, (stress, verify)) in (1..).zip(modes) {
            let config = HarnessConfig {
                stress,
                verify,
                seed: Some(seed),
                ..HarnessConfig::default()
            };
            let failure = assert_catches_ephemeron::<ForgottenRehash>(config, 6);
            assert!(failure.message.contains("map 0"), "{failure}");
        }
    }
}
