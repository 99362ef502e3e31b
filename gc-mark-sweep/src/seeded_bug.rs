//! TEST-ONLY seeded bugs: copies of [`MarkSweep`] with one planted mistake,
//! which the model-based harness (`gc_testing::harness`) must catch.
//! Compiled for this crate's unit tests, or with the test-only feature
//! `seeded-bug-skip-last-field`; never part of a normal build.

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
    collect(inner, roots, event) { inner.collect_with::<true>(roots, event) }
}

#[cfg(test)]
mod tests {
    use super::SkipLastField;
    use gc_testing::harness::{assert_catches, HarnessConfig, Op, Val};

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
    ///   a field of ObjectRef(..) (..Table<'_>) refers to ObjectRef(..), which is not an object
    /// vec![
    ///     Op::New { slot: Val::New },                  // 0: root 0 = new table #1, slot = new table #0
    ///     Op::Collect,                                 // 1: collect (2 of 2 objects reachable)
    /// ]
    /// seed 2, normal, verifier off: the same program;
    ///   step 1 (Collect): #0 is reachable but was dropped 1 time(s)
    /// seed 3, stress, verifier on: the push's region collects when it ends:
    ///   step 1 (Push { obj: 0, value: Val::New }), when its region ended: panicked:
    ///   heap verification failed after collection 1: ObjectRef(..) is reachable but was not marked
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    ///     Op::Push { obj: 0, value: Val::New },        // 1: root 0 (#0).items.push(new table #1)
    /// ]
    /// seed 4, stress, verifier off: the program of seed 3 and a collect;
    ///   step 2 (Collect): #1 is reachable but was dropped 1 time(s)
    /// ```
    #[test]
    fn harness_catches_a_missed_last_field() {
        let modes = [(false, true), (false, false), (true, true), (true, false)];
        for (seed, (stress, verify)) in (1..).zip(modes) {
            let config = HarnessConfig {
                stress,
                verify,
                seed: Some(seed),
                ..HarnessConfig::default()
            };
            let failure = assert_catches::<SkipLastField>(config, 6);
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
            if !verify {
                assert!(
                    failure.message.contains("is reachable but was dropped"),
                    "{failure}"
                );
            }
        }
    }
}
