//! TEST-ONLY seeded bug: a copy of [`MarkCompact`] with one planted
//! mistake, which the model-based harness (`gc_testing::harness`) must
//! catch. Compiled for this crate's unit tests, or with the test-only
//! feature `seeded-bug-skipped-dense-prefix`; never part of a normal build.

use crate::MarkCompact;

// Contract: broken on purpose, for tests only: `collect` moves objects
// without updating the fields that refer to them from objects that did not
// move, violating rule 2. The harness detects it (through the verifier, or
// through a wrong or poisoned payload id in debug builds) at the step of
// that collection, before a later collection traces the stale field;
// nothing else may use this type. Rules 1, 3, 4 and 5 hold as for
// `MarkCompact`.
gc_core::seeded_bug! {
    /// A mark-compact collector whose reference-update pass skips the
    /// objects that keep their address: the *dense prefix* below the first
    /// dead object, an optimisation real compactors make (HotSpot's
    /// parallel compactor does not move its dense prefix) but one that must
    /// still update the prefix's fields, since their targets may move. This
    /// one assumes an object that stays needs no update, so a field of a
    /// prefix object that refers to a survivor above a dead object keeps
    /// the survivor's old address after the slide. Everything else is
    /// [`MarkCompact`].
    ///
    /// ```
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_mark_compact::seeded_bug::SkippedDensePrefix;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<SkippedDensePrefix>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 8, "{failure}");
    /// ```
    pub struct SkippedDensePrefix(MarkCompact) = "mark-compact (seeded bug: dense prefix not updated)";
    collect(inner, roots, event) {
        // SAFETY: `collect_with`'s bullet is `Collector::collect`'s, which
        // the harness's heap upholds for every collection it runs.
        unsafe { inner.collect_with::<true>(roots, event) }
    }
}

#[cfg(test)]
mod tests {
    use super::SkippedDensePrefix;
    use gc_testing::harness::{assert_catches, HarnessConfig};

    /// The harness catches the stale field in normal and stress mode, with
    /// the verifier on and (in debug builds, where the vacated tail is
    /// poisoned) off, and shrinks it to a handful of ops: an object that
    /// stays, a dead one above it, a survivor above that, the field from
    /// the first to the last, and the collection that slides the survivor.
    #[test]
    fn harness_catches_a_field_left_at_an_old_address() {
        let modes = [(false, true), (false, false), (true, true), (true, false)];
        for (seed, (stress, verify)) in (1..).zip(modes) {
            if !verify && !cfg!(debug_assertions) {
                continue;
            }
            let config = HarnessConfig {
                stress,
                verify,
                seed: Some(seed),
                ..HarnessConfig::default()
            };
            let failure = assert_catches::<SkippedDensePrefix>(config, 8);
            println!("seed {seed}, stress {stress}, verify {verify}:\n{failure}");
        }
    }
}
