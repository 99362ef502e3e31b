//! TEST-ONLY seeded bugs: copies of [`RefCount`] with one planted mistake,
//! which the model-based harness (`gc_core::testing::harness`) must catch.
//! Compiled for this crate's unit tests, or with the test-only features
//! `seeded-bug-missed-decrement` and `seeded-bug-free-rooted-cycle`; never
//! part of a normal build.

use crate::RefCount;

// Contract: broken on purpose, yet within the contract: a leak breaks no
// rule. Counts only ever run too high (never below the
// number of fields referring to an object), so reconciliation and trial
// deletion free nothing reachable (rule 2); leaked objects are finalised
// once, when the heap is dropped (rule 3). Rules 1, 4 and 5 hold as for
// `RefCount`.
#[cfg(any(test, feature = "seeded-bug-missed-decrement"))]
gc_core::seeded_bug! {
    /// Reference counting whose write barrier counts the new target but never
    /// uncounts the old one, so an object whose last field reference is
    /// overwritten or cleared keeps a count above 0 and is never freed (a leak;
    /// nothing is freed early). Everything else is [`RefCount`].
    ///
    /// ```
    /// use gc_core::testing::harness::{find_failure, HarnessConfig};
    /// use gc_refcount::seeded_bug::MissedDecrement;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<MissedDecrement>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 7, "{failure}");
    /// ```
    pub struct MissedDecrement(RefCount) = "refcount (seeded bug: missed decrement)";
    write_barrier(inner, owner, slot, new) { inner.barrier::<true>(owner, slot, new) }
}

// Contract: broken on purpose, for tests only: `collect` may free a rooted
// cycle, violating rule 2. The harness detects it through drop counts (or
// the verifier's check that roots refer to allocated objects) before it
// reads a freed object; nothing else may use this type. Rules 1, 3, 4 and
// 5 hold as for `RefCount`.
#[cfg(any(test, feature = "seeded-bug-free-rooted-cycle"))]
gc_core::seeded_bug! {
    /// Reference counting that clears the `ROOTED` flags before trial deletion
    /// instead of after it, so trial deletion takes a cycle that only roots hold
    /// from outside for garbage and frees it while it is still reachable.
    /// Everything else is [`RefCount`].
    ///
    /// The freed objects are never read afterwards: the collection leaves the
    /// flags alone once trial deletion has run, the verifier (when on) checks
    /// that each root is an allocated object before following it, and the
    /// harness checks drop counts before it reads the heap and stops a program
    /// at its first failing step.
    ///
    /// ```
    /// use gc_core::testing::harness::{find_failure, HarnessConfig};
    /// use gc_refcount::seeded_bug::FreeRootedCycle;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<FreeRootedCycle>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 3, "{failure}");
    /// ```
    pub struct FreeRootedCycle(RefCount) = "refcount (seeded bug: free rooted cycle)";
    collect(inner, roots, event) { // SAFETY: forwarded to the caller.
        unsafe { inner.collect_with::<true>(roots, event) } }
}

#[cfg(test)]
mod tests {
    use super::{FreeRootedCycle, MissedDecrement};
    use gc_core::testing::harness::{assert_catches, Failure, HarnessConfig};
    use gc_core::Collector;

    /// Runs the harness on `C` with seeds 1 to 4 in normal mode (verifier
    /// on, off) then stress mode (on, off); returns each shrunk failure
    /// (at most `max_len` ops) with whether the verifier was on.
    fn catch_in_every_mode<C: Collector>(max_len: usize) -> Vec<(Failure, bool)> {
        let modes = [(false, true), (false, false), (true, true), (true, false)];
        let run = |(seed, (stress, verify))| {
            let config = HarnessConfig {
                stress,
                verify,
                seed: Some(seed),
                ..HarnessConfig::default()
            };
            (assert_catches::<C>(config, max_len), verify)
        };
        (1..).zip(modes).map(run).collect()
    }

    /// The harness must catch the leak with the verifier on (its in-degree
    /// check) and off (the model: garbage still there after `collect()`),
    /// in normal and stress mode. What it printed (seeds 1 to 4, in the
    /// order of `catch_in_every_mode`):
    ///
    /// ```text
    /// seed 1, normal, verifier on:
    ///   step 3 (Collect): panicked: heap verification failed after collection 1:
    ///   ObjectRef(..) (..Obj<()>) has count 1 but 0 heap references
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Set { obj: 0, field: 0, target: 0 },     // 1: root 0 (#0).small[0] = root 0 (#0)
    ///     Op::Clear { obj: 0, field: 0 },              // 2: root 0 (#0).small[0] = null
    ///     Op::Collect,                                 // 3: collect (1 of 1 objects reachable)
    /// ]
    /// seed 2, normal, verifier off:
    ///   step 5 (Collect): #0 is unreachable but collect() did not drop it
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Set { obj: 0, field: 2, target: 0 },     // 1: root 0 (#0).small[2] = root 0 (#0)
    ///     Op::Clear { obj: 0, field: 2 },              // 2: root 0 (#0).small[2] = null
    ///     Op::Alloc { len: 0 },                        // 3: root 1 = new small #1 (0 words)
    ///     Op::Assign { root: 0, from: 1 },             // 4: root 0 (#0) = root 1 (#1)
    ///     Op::Collect,                                 // 5: collect (1 of 2 objects reachable)
    /// ]
    /// seed 3, stress, verifier on: the seed-1 bug, by overwriting instead of
    ///   clearing (5 ops: Alloc; Set r0.small[2] = r0; Alloc;
    ///   Set r0.small[2] = r1; Collect): "has count 1 but 0 heap references".
    /// seed 4, stress, verifier off:
    ///   step 6 (Collect): #2 is unreachable but collect() did not drop it
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Alloc { len: 0 },                        // 1: root 1 = new small #1 (0 words)
    ///     Op::Alloc { len: 0 },                        // 2: root 2 = new small #2 (0 words)
    ///     Op::Set { obj: 1, field: 0, target: 2 },     // 3: root 1 (#1).small[0] = root 2 (#2)
    ///     Op::Assign { root: 2, from: 0 },             // 4: root 2 (#2) = root 0 (#0)
    ///     Op::Set { obj: 1, field: 0, target: 0 },     // 5: root 1 (#1).small[0] = root 0 (#0)
    ///     Op::Collect,                                 // 6: collect (2 of 3 objects reachable)
    /// ]
    /// ```
    #[test]
    fn harness_catches_a_missed_decrement() {
        for (failure, verify) in catch_in_every_mode::<MissedDecrement>(7) {
            let expected = if verify {
                "heap references"
            } else {
                "is unreachable but collect() did not drop it"
            };
            assert!(failure.message.contains(expected), "{failure}");
        }
    }

    /// The harness must catch the freed cycle with the verifier on (a root
    /// that refers to no allocated object) and off (the model's drop
    /// counts), in normal and stress mode. A self-loop is the smallest
    /// cycle; only explicit collections run trial deletion, so stress mode
    /// finds the same program. What it printed (seeds 1 to 4):
    ///
    /// ```text
    /// seeds 1 and 3 (verifier on):
    ///   step 2 (Collect): panicked: heap verification failed after collection 1
    ///   (2 in stress mode): root slot 0 refers to ObjectRef(..), which is not an object
    /// seeds 2 and 4 (verifier off):
    ///   step 2 (Collect): #0 is reachable but was dropped 1 time(s)
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Set { obj: 0, field: 0, target: 0 },     // 1: root 0 (#0).small[0] = root 0 (#0)
    ///     Op::Collect,                                 // 2: collect (1 of 1 objects reachable)
    /// ]
    /// ```
    #[test]
    fn harness_catches_a_freed_rooted_cycle() {
        for (failure, verify) in catch_in_every_mode::<FreeRootedCycle>(3) {
            let expected = if verify {
                "which is not an object"
            } else {
                "is reachable but was dropped"
            };
            assert!(failure.message.contains(expected), "{failure}");
        }
    }
}
