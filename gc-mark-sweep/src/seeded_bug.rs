//! TEST-ONLY seeded bugs: copies of [`MarkSweep`] with one planted mistake,
//! which the model-based harness (`gc_testing::harness`) must catch.
//! Compiled for this crate's unit tests, or with the test-only feature
//! `seeded-bugs`; never part of a normal build. Each names its source and
//! shape; the corpus at the end lists them for the kill table
//! (`docs/KILL_TABLE.md`).

use crate::mark::flaw;
use crate::MarkSweep;

// Contract: broken on purpose, for tests only: `collect` may free an object
// that is still reachable, violating rule 2. The harness detects it through
// drop counts before it reads the freed object; nothing else may use this
// type. Rules 1, 3, 4 and 5 hold as for `MarkSweep`.
gc_core::seeded_bug! {
    /// Mark-sweep whose mark loop skips the **last** slot each object reports,
    /// so an object reachable only through such a field is swept while still
    /// referenced. Everything else is [`MarkSweep`].
    ///
    /// ```
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_mark_sweep::seeded_bug::SkipLastField;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<SkipLastField>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 8, "{failure}");
    /// ```
    pub struct SkipLastField(MarkSweep) = "mark-sweep (seeded bug: skip last field)";
    source "planted here (no shipped original)";
    shape "the mark loop drops the last slot each object reports";
    collect(inner, roots, event) {
        inner.collect_with::<{ flaw::SKIP_LAST_SLOT }, false>(roots, event)
    }
}

// Contract: broken on purpose, for tests only: `collect` never clears a weak
// reference, so one can upgrade to an object the collection freed (the weak
// table's contract, which `Collector::weak_table` promises, is broken). The
// harness detects it when such a reference upgrades (model: dead), before
// reading the object; nothing else may use this type. Rules 1 to 5 hold as
// for `MarkSweep`.
gc_core::seeded_bug! {
    /// Mark-sweep that never sweeps its weak-reference table: the entries
    /// of dead objects are never cleared, so their weak references keep
    /// upgrading after the collection freed them. (The table is set aside
    /// during each collection; everything else is [`MarkSweep`].)
    ///
    /// ```
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_mark_sweep::seeded_bug::SkippedWeakSweep;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<SkippedWeakSweep>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 5, "{failure}");
    /// ```
    pub struct SkippedWeakSweep(MarkSweep) = "mark-sweep (seeded bug: skipped weak sweep)";
    source "planted here (issue 25's weak bugs)";
    shape "weak references of dead objects are never cleared";
    collect(inner, roots, event) {
        let table = std::mem::take(gc_core::Collector::weak_table_mut(inner));
        inner.collect_with::<{ flaw::NONE }, false>(roots, event);
        *gc_core::Collector::weak_table_mut(inner) = table;
    }
}

// Contract: broken on purpose, for tests only: after a lazy sweep, a weak
// reference to a dead object not yet swept still upgrades (its destructor
// runs when the sweep reaches it). The harness detects it when such a
// reference upgrades (model: dead), before reading the object; nothing else
// may use this type. Rules 1 to 5 hold as for `MarkSweep`.
gc_core::seeded_bug! {
    /// Mark-sweep whose weak step runs after the sweep instead of between
    /// marking and sweeping, asking which objects are still allocated
    /// instead of which are marked: it clears the references of the objects
    /// the sweep has already freed, but a lazy sweep (a collection of the
    /// allocation trigger or stress mode) frees them only as allocation
    /// reaches their blocks, so the references of the others survive.
    /// Everything else is [`MarkSweep`].
    ///
    /// ```
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_mark_sweep::seeded_bug::WeakAfterSweep;
    ///
    /// let config = HarnessConfig { seed: Some(1), stress: true, ..HarnessConfig::default() };
    /// let failure = find_failure::<WeakAfterSweep>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 5, "{failure}");
    /// ```
    pub struct WeakAfterSweep(MarkSweep) = "mark-sweep (seeded bug: weak step after the sweep)";
    source "planted here (issue 25's weak bugs)";
    shape "the weak step runs after a lazy sweep and spares dead objects it has not reached";
    collect(inner, roots, event) {
        inner.collect_with::<{ flaw::NONE }, true>(roots, event)
    }
}

// Contract: broken on purpose, for tests only: `collect` may free an object
// still reachable through a slot in a buffer another object owns (a
// `GcVec`'s elements, a `Vec<Gc<_>>`'s), violating rule 2. The harness
// detects it through the verifier or drop counts before it reads the freed
// object; nothing else may use this type. Rules 1, 3, 4 and 5 hold as for
// `MarkSweep`.
gc_core::seeded_bug! {
    /// Mark-sweep whose mark loop follows only the slots inside each
    /// object's own cell: the slots its trace reports from a buffer it owns
    /// (a vector's elements, a map's entries) are dropped, so what only
    /// they hold is swept while referenced. Everything else is
    /// [`MarkSweep`].
    pub struct SkipOutOfLine(MarkSweep) = "mark-sweep (seeded bug: an owned buffer not traced)";
    source "gc-arena #113";
    shape "an object's trace skips a collection it owns, whose elements are freed while referenced";
    collect(inner, roots, event) {
        inner.collect_with::<{ flaw::SKIP_OUT_OF_LINE }, false>(roots, event)
    }
}

#[cfg(test)]
gc_testing::seeded_corpus! {
    SkipLastField: normal,
    SkippedWeakSweep: normal,
    WeakAfterSweep: stress,
    SkipOutOfLine: normal,
}

// Contract: broken on purpose, for tests only: the ephemeron phase marks
// only the values whose keys ordinary marking found, so a value released
// by another value is swept while its entry (live key, live map) still
// refers to it (rule 2 broken). The harness detects it through drop counts
// at the collection, before any lookup reads the value; nothing else may
// use this type. Rules 1, 3, 4 and 5 hold as for `MarkSweep`.
gc_core::seeded_bug! {
    /// Mark-sweep whose ephemeron phase runs one round: values whose key
    /// is marked by then are marked, but the values that marking releases
    /// (a chain `k1 -> v1 = k2 -> v2`) are not. Everything else is
    /// [`MarkSweep`].
    ///
    /// ```
    /// use gc_testing::harness::{find_ephemeron_failure, HarnessConfig};
    /// use gc_mark_sweep::seeded_bug::OneEphemeronRound;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_ephemeron_failure::<OneEphemeronRound>(&config).expect("caught");
    /// assert!(failure.program.len() <= 10, "{failure}");
    /// ```
    pub struct OneEphemeronRound(MarkSweep) = "mark-sweep (seeded bug: one ephemeron round)";
    source "planted here (issue 25's weak bugs)";
    shape "the ephemeron phase runs one round, so a value reached only through another entry's value is lost";
    new(config) {
        let mut inner = <MarkSweep as gc_core::Collector>::new(config)?;
        gc_core::Collector::weak_table_mut(&mut inner).ephemerons_mut().flaw =
            gc_core::ephemeron::Flaw::OneRound;
        Ok(OneEphemeronRound(inner))
    }
}

// Contract: broken on purpose, for tests only: the ephemeron phase marks
// every value of a live map, so a value whose key died survives the
// collection it should die in (the entry still vanishes). Nothing is
// freed early (rules 1 to 5 hold as for `MarkSweep`); the harness detects
// the survivor through a weak reference or a drop count.
gc_core::seeded_bug! {
    /// Mark-sweep whose ephemeron phase traces a value through a dead key
    /// (entries as strong references while their map lives). Everything
    /// else is [`MarkSweep`].
    ///
    /// ```
    /// use gc_testing::harness::{find_ephemeron_failure, HarnessConfig};
    /// use gc_mark_sweep::seeded_bug::ValueThroughDeadKey;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_ephemeron_failure::<ValueThroughDeadKey>(&config).expect("caught");
    /// assert!(failure.program.len() <= 8, "{failure}");
    /// ```
    pub struct ValueThroughDeadKey(MarkSweep) = "mark-sweep (seeded bug: value traced through a dead key)";
    source "planted here (issue 25's weak bugs)";
    shape "the ephemeron phase marks the values of dead keys, so a weak map keeps what only it refers to";
    new(config) {
        let mut inner = <MarkSweep as gc_core::Collector>::new(config)?;
        gc_core::Collector::weak_table_mut(&mut inner).ephemerons_mut().flaw =
            gc_core::ephemeron::Flaw::ThroughDeadKeys;
        Ok(ValueThroughDeadKey(inner))
    }
}

#[cfg(test)]
mod tests {
    use super::{
        OneEphemeronRound, SkipLastField, SkippedWeakSweep, ValueThroughDeadKey, WeakAfterSweep,
    };
    use gc_testing::harness::{
        assert_catches_ephemeron, assert_catches_in_modes, HarnessConfig, Op, Val, EVERY_MODE,
    };

    /// The harness must catch the bug with the verifier on and off (so the
    /// model's drop counts catch it, not only the backend's verifier), in
    /// normal and stress mode, and shrink it to a program of at most 6 ops
    /// that stores a reference. The smallest hold a table in another's slot
    /// or vector: with the rest of the outer table empty, that is the last
    /// (only) reference it reports. What it printed (seeds 1 to 4, in the
    /// order of `modes`):
    ///
    /// ```text
    /// seed 1, normal, verifier on:
    ///   step 1 (Collect): panicked: heap verification failed after collection 1:
    ///   root slot 0 → Table.slot refers to ObjectRef(..), which is not an object
    /// vec![
    ///     Op::New { slot: Val::New },                  // 0: root 0 = new table #1, slot = new table #0
    ///     Op::Collect,                                 // 1: collect (2 of 2 objects reachable)
    /// ]
    /// seed 2, normal, verifier off: the same program;
    ///   step 1 (Collect): #0 (root 0.slot) is reachable but was dropped 1 time(s)
    /// seed 3, stress, verifier on: the new table's region collects when it ends:
    ///   step 0 (New { slot: Val::New }), when its region ended: panicked: heap
    ///   verification failed after collection 1: root slot 0 → Table.slot → Table
    ///   (ObjectRef(..)) is reachable but was not marked
    /// seed 4, stress, verifier off: the program of seed 2;
    ///   step 1 (Collect): #0 (root 0.slot) is reachable but was dropped 1 time(s)
    /// ```
    #[test]
    fn harness_catches_a_missed_last_field() {
        let failures = assert_catches_in_modes::<SkipLastField>(&EVERY_MODE, 6);
        for (failure, (_, verify)) in failures.iter().zip(EVERY_MODE) {
            let stores_reference = |op: &Op| match op {
                Op::Set { .. } => true,
                Op::New { slot: v } | Op::Write { value: v, .. } | Op::Push { value: v, .. } => {
                    matches!(v, Val::Obj(_) | Val::New)
                }
                _ => false,
            };
            assert!(
                failure.program.iter().any(stores_reference),
                "the bug needs an edge: {failure}"
            );
            if verify {
                assert!(
                    failure.message.contains("root slot 0 → Table."),
                    "the verifier prints the fields from the root: {failure}"
                );
            } else {
                assert!(
                    failure.message.contains("is reachable but was dropped")
                        && failure.message.contains("(root 0."),
                    "the model's path to the dropped object: {failure}"
                );
            }
            println!("seed {}: {}", failure.seed, failure.message);
        }
    }

    /// The harness catches weak references that are never cleared, in
    /// normal and stress mode, verifier on and off (the verifier does not
    /// look at weak references: the model catches it), and shrinks it to
    /// an object, a downgrade, its roots dropped and a collection (at most
    /// 5 ops). What it printed (seeds 1 to 4, in the order of `modes`):
    ///
    /// ```text
    /// seed 1, normal, verifier on:
    ///   step 3 (Collect): weak 0 (#0) upgraded after a collection found #0 unreachable
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Downgrade { obj: 0 },                    // 1: weak 0 = downgrade root 0 (#0)
    ///     Op::Restart,                                 // 2: leave every scope; new heap.scope (0 persistent roots)
    ///     Op::Collect,                                 // 3: collect (0 of 1 objects reachable)
    /// ]
    /// seed 2, normal, verifier off: two tables, the second's root re-pointed
    ///   at the first (5 ops), same message.
    /// seed 3, stress, verifier on: enter, alloc, downgrade, leave, and a
    ///   table whose region's collection shows it (5 ops).
    /// seed 4, stress, verifier off: the program of seed 1 with an
    ///   allocation (whose collection shows it) for the collect (4 ops).
    /// ```
    #[test]
    fn harness_catches_a_skipped_weak_sweep() {
        for failure in assert_catches_in_modes::<SkippedWeakSweep>(&EVERY_MODE, 5) {
            assert!(
                failure
                    .message
                    .contains("upgraded after a collection found"),
                "{failure}"
            );
            let downgrades =
                |op: &Op| matches!(op, Op::Downgrade { .. } | Op::RegionDowngrade { .. });
            assert!(failure.program.iter().any(downgrades), "{failure}");
        }
    }

    /// The harness catches a weak step run after a lazy sweep in stress
    /// mode (every collection there is lazy), verifier on and off, shrunk
    /// to at most 5 ops. In normal mode an explicit collection sweeps at
    /// once, so only a collection of the allocation trigger shows it: not
    /// looked for. What it printed (seeds 1 and 2):
    ///
    /// ```text
    /// seed 1, stress, verifier on: two tables, the second downgraded in a
    ///   region and its root re-pointed at the first, then a third table
    ///   whose region's (lazy) collection shows it (5 ops):
    ///   step 4 (New { slot: Val::Nil }), after its region ended: weak 0 (#1)
    ///   upgraded after a collection found #1 unreachable
    /// seed 2, stress, verifier off:
    ///   step 3 (New { slot: Val::Nil }), after its region ended: weak 0 (#0)
    ///   upgraded after a collection found #0 unreachable
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    ///     Op::RegionDowngrade { obj: 0 },              // 1: weak 0 = downgrade root 0 (#0)
    ///     Op::Restart,                                 // 2: leave every scope; new heap.scope (0 persistent roots)
    ///     Op::New { slot: Val::Nil },                  // 3: root 0 = new table #1, slot = nil
    /// ]
    /// ```
    #[test]
    fn harness_catches_a_weak_step_after_the_sweep() {
        let modes = [(true, true), (true, false)];
        for failure in assert_catches_in_modes::<WeakAfterSweep>(&modes, 5) {
            assert!(
                failure
                    .message
                    .contains("upgraded after a collection found"),
                "{failure}"
            );
        }
    }

    /// The weak-map harness catches an ephemeron phase of one round, in
    /// normal and stress mode, verifier on and off (the model's drop counts
    /// catch it without the verifier), shrunk to a chain of two entries.
    /// What it printed (seed 2, normal, verifier off; seeds 1 and 3 with
    /// the verifier on stop at the verifier: "a weak-map value .. of a
    /// live key is not an object", "#2 .. is reachable but was not marked"):
    ///
    /// ```text
    /// step 8 (Collect): #2 is reachable but was dropped 1 time(s)
    /// vec![
    ///     Op::NewMap,                                  // 0: map 0 = new weak map
    ///     Op::Alloc { len: 0 },                        // 1: root 0 = new small #0 (0 words)
    ///     Op::Enter,                                   // 2: enter scope (depth 1)
    ///     Op::Alloc { len: 0 },                        // 3: root 1 = new small #1 (0 words)
    ///     Op::Alloc { len: 0 },                        // 4: root 2 = new small #2 (0 words)
    ///     Op::MapInsert { map: 0, key: 1, value: 2 },  // 5: map 0[root 1 (#1)] = root 2 (#2)
    ///     Op::MapInsert { map: 0, key: 0, value: 1 },  // 6: map 0[root 0 (#0)] = root 1 (#1)
    ///     Op::Leave,                                   // 7: leave scope: roots 1.. dropped
    ///     Op::Collect,                                 // 8: collect (3 of 3 objects reachable)
    /// ]
    /// ```
    #[test]
    fn harness_catches_one_ephemeron_round() {
        let modes = [(false, true), (false, false), (true, true), (true, false)];
        for (seed, (stress, verify)) in (1..).zip(modes) {
            let config = HarnessConfig {
                stress,
                verify,
                seed: Some(seed),
                ..HarnessConfig::default()
            };
            let failure = assert_catches_ephemeron::<OneEphemeronRound>(config, 10);
            let inserts = failure
                .program
                .iter()
                .filter(|op| matches!(op, Op::MapInsert { .. }));
            assert!(
                inserts.count() >= 2,
                "a chain needs two entries:\n{failure}"
            );
        }
    }

    /// The weak-map harness catches a value traced through a dead key, in
    /// normal and stress mode, verifier on and off, shrunk to at most 8 ops.
    /// What it printed (seeds 1 to 4 alike):
    ///
    /// ```text
    /// step 5 (Collect): #0 is unreachable but collect() did not drop it
    /// vec![
    ///     Op::NewMap,                                  // 0: map 0 = new weak map
    ///     Op::Enter,                                   // 1: enter scope (depth 1)
    ///     Op::Alloc { len: 0 },                        // 2: root 0 = new small #0 (0 words)
    ///     Op::MapInsert { map: 0, key: 0, value: 0 },  // 3: map 0[root 0 (#0)] = root 0 (#0)
    ///     Op::Leave,                                   // 4: leave scope: roots 0.. dropped
    ///     Op::Collect,                                 // 5: collect (0 of 1 objects reachable)
    /// ]
    /// ```
    #[test]
    fn harness_catches_a_value_traced_through_a_dead_key() {
        let modes = [(false, true), (false, false), (true, true), (true, false)];
        for (seed, (stress, verify)) in (1..).zip(modes) {
            let config = HarnessConfig {
                stress,
                verify,
                seed: Some(seed),
                ..HarnessConfig::default()
            };
            let failure = assert_catches_ephemeron::<ValueThroughDeadKey>(config, 8);
            assert!(
                failure
                    .program
                    .iter()
                    .any(|op| matches!(op, Op::MapInsert { .. })),
                "{failure}"
            );
        }
    }
}
