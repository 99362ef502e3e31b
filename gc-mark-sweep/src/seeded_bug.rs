//! TEST-ONLY seeded bugs: copies of [`MarkSweep`] with one planted mistake,
//! which the model-based harness (`gc_core::testing::harness`) must catch.
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
    /// use gc_core::testing::harness::{find_failure, HarnessConfig};
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
    use gc_core::testing::harness::{assert_catches, HarnessConfig, Op};

    /// The harness must catch the bug with the verifier on and off (so the
    /// model's drop counts catch it, not only the backend's verifier), in
    /// normal and stress mode, and shrink it to a program of at most 6 ops.
    /// What it printed (seeds 1 to 4, in the order of `modes`):
    ///
    /// ```text
    /// seed 2, normal, verifier off:
    ///   step 4 (Collect): #1 is reachable but was dropped 1 time(s)
    /// vec![
    ///     Op::Alloc { len: 0 },                     // 0: root 0 = new small #0 (0 words)
    ///     Op::Alloc { len: 0 },                     // 1: root 1 = new small #1 (0 words)
    ///     Op::Set { obj: 0, field: 0, target: 1 },  // 2: root 0 (#0).small[0] = root 1 (#1)
    ///     Op::Assign { root: 1, from: 0 },          // 3: root 1 (#1) = root 0 (#0)
    ///     Op::Collect,                              // 4: collect (2 of 2 objects reachable)
    /// ]
    /// seed 1, normal, verifier on: the same bug, unrooted by a scope instead:
    ///   step 5 (Collect): panicked: heap verification failed after collection 1:
    ///   a field of ObjectRef(..) (..Obj<()>) refers to ObjectRef(..), which is not an object
    /// vec![
    ///     Op::Alloc { len: 0 },                     // 0: root 0 = new small #0 (0 words)
    ///     Op::Enter,                                // 1: enter scope (depth 1)
    ///     Op::Alloc { len: 0 },                     // 2: root 1 = new small #1 (0 words)
    ///     Op::Set { obj: 0, field: 0, target: 1 },  // 3: root 0 (#0).small[0] = root 1 (#1)
    ///     Op::Leave,                                // 4: leave scope: roots 1.. dropped
    ///     Op::Collect,                              // 5: collect (2 of 2 objects reachable)
    /// ]
    /// seeds 3 and 4 (stress mode): the 5-op program of seed 2 (mirrored for
    /// seed 3); without the verifier the last op is an `Alloc` that collects.
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
            let sets = |op: &Op| matches!(op, Op::Set { .. });
            assert!(
                failure.program.iter().any(sets),
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
