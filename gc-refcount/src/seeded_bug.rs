//! TEST-ONLY seeded bugs: copies of [`RefCount`] with one planted mistake,
//! which the model-based harness (`gc_testing::harness`) must catch.
//! Compiled for this crate's unit tests, or with the test-only feature
//! `seeded-bugs`; never part of a normal build. Each names its source and
//! shape; the corpus below lists them for the kill table
//! (`docs/KILL_TABLE.md`).

use crate::cycles::flaw;
use crate::RefCount;
use gc_core::{Collector, GcError, HeapConfig};

/// `RefCount` with trial deletion's seeded bug `flaw`.
fn flawed(config: &HeapConfig, flaw: u8) -> Result<RefCount, GcError> {
    let mut inner = RefCount::new(config)?;
    inner.cycles.flaw = flaw;
    Ok(inner)
}

// Contract: broken on purpose, yet within the contract: a leak breaks no
// rule. Counts only ever run too high (never below the
// number of fields referring to an object), so reconciliation and trial
// deletion free nothing reachable (rule 2); leaked objects are finalised
// once, when the heap is dropped (rule 3). Rules 1, 4 and 5 hold as for
// `RefCount`.
gc_core::seeded_bug! {
    /// Reference counting whose write barrier counts the new target but never
    /// uncounts the old one, so an object whose last field reference is
    /// overwritten or cleared keeps a count above 0 and is never freed (a leak;
    /// nothing is freed early). Everything else is [`RefCount`].
    ///
    /// ```
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_refcount::seeded_bug::MissedDecrement;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<MissedDecrement>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 7, "{failure}");
    /// ```
    pub struct MissedDecrement(RefCount) = "refcount (seeded bug: missed decrement)";
    source "planted here (no shipped original)";
    shape "a store never uncounts the target it overwrites (a leak)";
    write_barrier(inner, owner, slot, new) { inner.barrier::<true>(owner, slot, new) }
}

// Contract: broken on purpose, for tests only: `collect` may free a rooted
// cycle, violating rule 2. The harness detects it through drop counts (or
// the verifier's check that roots refer to allocated objects) before it
// reads a freed object; nothing else may use this type. Rules 1, 3, 4 and
// 5 hold as for `RefCount`.
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
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_refcount::seeded_bug::FreeRootedCycle;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<FreeRootedCycle>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 3, "{failure}");
    /// ```
    pub struct FreeRootedCycle(RefCount) = "refcount (seeded bug: free rooted cycle)";
    source "planted here (no shipped original)";
    shape "trial deletion does not see which objects are rooted and frees a rooted cycle";
    collect(inner, roots, event) {
        // SAFETY: `collect_with`'s bullet is `Collector::collect`'s, which
        // the caller of this `collect` upholds.
        unsafe { inner.collect_with::<true, false>(roots, event) } }
}

// Contract: broken on purpose, for tests only: references stored through the
// object model's barrier into an object written since the last collection
// are never counted, so `collect` may free an object a heap field still
// refers to, violating rule 2. The harness detects it through drop counts
// (or the verifier's check that every field refers to an allocated object)
// before it reads the freed object; nothing else may use this type. Rules 1,
// 3 and 4 hold as for `RefCount`.
gc_core::seeded_bug! {
    /// Reference counting whose object-model write barrier
    /// ([`Mutation::write`](gc_core::model::Mutation::write)) sets the
    /// object's logged bit but records nothing: the write log never learns
    /// of the object, so the references written into it are never counted
    /// and the references it dropped never uncounted. An object whose only
    /// reference is such a write is freed at the next collection while
    /// still referenced. Everything else is [`RefCount`].
    ///
    /// ```
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_refcount::seeded_bug::SkippedLog;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<SkippedLog>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 4, "{failure}");
    /// ```
    pub struct SkippedLog(RefCount) = "refcount (seeded bug: skipped log)";
    source "planted here (no shipped original)";
    shape "the object model's barrier sets the logged bit but records nothing";
    log_write(inner, obj) {
        let _ = inner;
        // SAFETY: `Word::of`'s bullet: `obj` is a live object of this
        // collector (`log_write`'s bullet).
        unsafe { crate::count::Word::of(obj) }.set(crate::count::Flag::LOGGED)
    }
}

// Contract: broken on purpose, for tests only: a weak reference to an
// object trial deletion freed keeps upgrading (the weak table's contract,
// which `Collector::weak_table` promises, is broken). The harness detects it
// when such a reference upgrades (model: dead), before reading the object,
// and stops before collecting again; nothing else may use this type. Rules
// 1 to 5 hold as for `RefCount`.
gc_core::seeded_bug! {
    /// Reference counting whose weak step runs after reconciliation but
    /// before trial deletion: the references of acyclic garbage (freed by
    /// reconciliation) clear, those of garbage cycles (freed by trial
    /// deletion) never do. Everything else is [`RefCount`].
    ///
    /// ```
    /// use gc_testing::harness::{find_failure, HarnessConfig};
    /// use gc_refcount::seeded_bug::WeakBeforeCycles;
    ///
    /// let config = HarnessConfig { seed: Some(1), ..HarnessConfig::default() };
    /// let failure = find_failure::<WeakBeforeCycles>(&config).expect("the harness catches it");
    /// assert!(failure.program.len() <= 6, "{failure}");
    /// ```
    pub struct WeakBeforeCycles(RefCount) = "refcount (seeded bug: weak step before trial deletion)";
    source "planted here (issue 25's weak bugs)";
    shape "the weak step runs before trial deletion, so freed cycles' weak references never clear";
    collect(inner, roots, event) { // SAFETY: forwarded to the caller.
        unsafe { inner.collect_with::<false, true>(roots, event) } }
}

// Contract: broken on purpose, for tests only: trial deletion subtracts a
// reference twice, so it may free an object still referenced from outside
// the garbage it examined (rule 2). The harness detects it through drop
// counts, the verifier or the debug check of a count's underflow, before
// it reads the freed object; nothing else may use this type. Rules 1, 3, 4
// and 5 hold as for `RefCount`.
gc_core::seeded_bug! {
    /// Reference counting whose trial deletion visits each object's first
    /// child twice (gray marking subtracts it twice, scanning black gives
    /// it back twice), as a `Trace` that reports a field twice does: a
    /// garbage cycle's child that a live object also refers to looks
    /// garbage too, and is freed while referenced.
    pub struct TraceTwice(RefCount) = "refcount (seeded bug: a field traced twice)";
    source "bacon_rajan_cc #41";
    shape "a trace that visits a field twice fakes a cycle, and trial deletion frees a live object";
    new(config) { flawed(config, flaw::TRACE_TWICE).map(TraceTwice) }
}

// Contract: broken on purpose, as above: freeing garbage decrements a live
// object's count a second time, so it reaches 0 while referenced.
gc_core::seeded_bug! {
    /// Reference counting whose trial deletion, freeing the white objects,
    /// decrements their black (live) children again: gray marking took
    /// those references away already, so a live child referenced by
    /// garbage ends with a count too low, and is freed while referenced.
    pub struct FreeDecrementsAgain(RefCount) = "refcount (seeded bug: freeing garbage decrements again)";
    source "bacon_rajan_cc #30";
    shape "a live node's reference from freed garbage is subtracted twice, and it is freed at 0 while referenced";
    new(config) { flawed(config, flaw::FREE_DECREMENTS).map(FreeDecrementsAgain) }
}

// Contract: broken on purpose, yet within the contract: a leak breaks no
// rule (the object is finalised when the heap is dropped).
gc_core::seeded_bug! {
    /// Reference counting whose trial deletion takes a released candidate
    /// (its count fell to 0 while it waited in the buffer) out of the
    /// buffer without freeing it: a zero-count object nothing will ever
    /// free (a leak).
    pub struct LeakDeadCandidate(RefCount) = "refcount (seeded bug: a zero-count candidate leaks)";
    source "bacon_rajan_cc #29";
    shape "a candidate whose count reaches 0 while buffered leaves the buffer unfreed (a leak)";
    new(config) { flawed(config, flaw::LEAK_DEAD_CANDIDATE).map(LeakDeadCandidate) }
}

// Contract: broken on purpose, for tests only: a count wraps to 0 with
// references left, so the object may be freed while referenced (rule 2).
// The harness detects it through the verifier, drop counts or the debug
// check of a count's underflow; nothing else may use this type.
gc_core::seeded_bug! {
    /// Reference counting whose counts wrap: here at 4 (a 2-bit count, so
    /// that short programs reach it) instead of at `usize::MAX`. An object
    /// stored in 4 fields has count 0 and is freed while referenced.
    pub struct WrappingCount(RefCount) = "refcount (seeded bug: a count that wraps)";
    source "dumpster #39";
    shape "a strong count wraps to 0 with references left, and the object is freed while referenced";
    new(config) {
        let mut inner = RefCount::new(config)?;
        inner.counts.wrap_at_four = true;
        Ok(WrappingCount(inner))
    }
}

// Contract: broken on purpose, for tests only: an object is freed while
// the candidate buffer still holds it (the buffer's invariant, which trial
// deletion's safety rests on, is broken). The buffer check at the start of
// trial deletion and of freeing released candidates (compiled wherever
// this type is) panics before any pass reads the freed cell; nothing else
// may use this type.
gc_core::seeded_bug! {
    /// Reference counting whose reconciliation frees an object whose count
    /// fell to 0 even while it waits in the candidate buffer (instead of
    /// flagging it `DEAD` for the buffer to free): the buffer then holds a
    /// dangling entry, which the next pass over the buffer would read.
    pub struct FreeBufferedCandidate(RefCount) = "refcount (seeded bug: a buffered candidate freed)";
    source "jaseci-labs/jac #7149 (review), maplant/scheme-rs #296";
    shape "a decrement to 0 frees a candidate still in the cycle buffer, which the cycle collector then reads after free";
    new(config) { flawed(config, flaw::FREE_BUFFERED).map(FreeBufferedCandidate) }
}

#[cfg(test)]
gc_testing::seeded_corpus! {
    MissedDecrement: normal,
    FreeRootedCycle: normal,
    SkippedLog: normal,
    WeakBeforeCycles: normal,
    TraceTwice: normal,
    FreeDecrementsAgain: normal quick seed 9,
    LeakDeadCandidate: normal quick seed 6,
    WrappingCount: normal,
    FreeBufferedCandidate: normal quick seed 6,
}

#[cfg(test)]
mod tests {
    use super::{FreeRootedCycle, MissedDecrement, SkippedLog, WeakBeforeCycles};
    use gc_core::Collector;
    use gc_testing::harness::{assert_catches_in_modes, Failure, Op, EVERY_MODE};

    /// Each shrunk failure of [`assert_catches_in_modes`] in
    /// [`EVERY_MODE`], with whether the verifier was on.
    fn catch_in_every_mode<C: Collector>(max_len: usize) -> Vec<(Failure, bool)> {
        let failures = assert_catches_in_modes::<C>(&EVERY_MODE, max_len);
        failures
            .into_iter()
            .zip(EVERY_MODE.map(|(_, verify)| verify))
            .collect()
    }

    /// The harness must catch the leak with the verifier on (its in-degree
    /// check) and off (the model: garbage still there after `collect()`),
    /// in normal and stress mode. What it printed (seeds 1 to 4, in the
    /// order of `catch_in_every_mode`):
    ///
    /// ```text
    /// seed 1, normal, verifier on:
    ///   step 4 (Collect): panicked: heap verification failed after collection 1:
    ///   root slot 0 → Obj<()> (ObjectRef(..)) has count 1 but 0 heap references
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Alloc { len: 0 },                        // 1: root 1 = new small #1 (0 words)
    ///     Op::Set { obj: 0, field: 0, target: 0 },     // 2: root 0 (#0).small[0] = root 0 (#0)
    ///     Op::Set { obj: 0, field: 0, target: 1 },     // 3: root 0 (#0).small[0] = root 1 (#1)
    ///     Op::Collect,                                 // 4: collect (2 of 2 objects reachable)
    /// ]
    /// seed 2, normal, verifier off:
    ///   step 5 (Collect): #1 is unreachable but collect() did not drop it
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Alloc { len: 0 },                        // 1: root 1 = new small #1 (0 words)
    ///     Op::Set { obj: 1, field: 2, target: 1 },     // 2: root 1 (#1).small[2] = root 1 (#1)
    ///     Op::Set { obj: 1, field: 2, target: 0 },     // 3: root 1 (#1).small[2] = root 0 (#0)
    ///     Op::Assign { root: 1, from: 0 },             // 4: root 1 (#1) = root 0 (#0)
    ///     Op::Collect,                                 // 5: collect (1 of 2 objects reachable)
    /// ]
    /// seed 3, stress, verifier on: the program of seed 1 with an allocation
    ///   (whose collection shows it) for the collect: "after collection 3:
    ///   ... has count 1 but 0 heap references".
    /// seed 4, stress, verifier off: a scope drops the only root of #1:
    ///   step 6 (Collect): #1 is unreachable but collect() did not drop it
    /// vec![
    ///     Op::Alloc { len: 0 },                        // 0: root 0 = new small #0 (0 words)
    ///     Op::Enter,                                   // 1: enter scope (depth 1)
    ///     Op::Alloc { len: 0 },                        // 2: root 1 = new small #1 (0 words)
    ///     Op::Set { obj: 0, field: 1, target: 1 },     // 3: root 0 (#0).small[1] = root 1 (#1)
    ///     Op::Leave,                                   // 4: leave scope: roots 1.. dropped
    ///     Op::Set { obj: 0, field: 1, target: 0 },     // 5: root 0 (#0).small[1] = root 0 (#0)
    ///     Op::Collect,                                 // 6: collect (1 of 2 objects reachable)
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
            if verify {
                // The object is named by its path from a root.
                assert!(failure.message.contains(": root slot "), "{failure}");
            }
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
    ///   step 2 (Collect): #0 (root 0) is reachable but was dropped 1 time(s)
    /// seed 1 (seeds 2 and 3 push the table into its own vector instead):
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    ///     Op::Write { obj: 0, place: Place::Slot, value: Val::Obj(0) }, // 1: root 0 (#0).slot = root 0 (#0) (was nil)
    ///     Op::Collect,                                 // 2: collect (1 of 1 objects reachable)
    /// ]
    /// seed 4:
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

    /// The harness must catch the skipped log with the verifier on (a count
    /// below the references to an object) and off (the model's drop counts:
    /// a table freed while referenced, or, for the references a write drops,
    /// one that outlives its last reference), in normal and stress mode, and
    /// shrink it to at most 5 ops (4 before the generator made weak-reference
    /// programs; seed 2 now finds a 5-op program: see below). The bug shows
    /// only for an object written
    /// after a collection (a table written in the region that made it is
    /// logged at birth, correctly), so each program has a collection before
    /// the write. What it printed (seeds 1 to 4):
    ///
    /// ```text
    /// seed 1, normal, verifier on:
    ///   step 3 (Collect): panicked: heap verification failed after collection 2:
    ///   root slot 0 → Table (ObjectRef(..)) has count 0 but 1 heap references
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    ///     Op::Collect,                                 // 1: collect (1 of 1 objects reachable)
    ///     Op::Write { obj: 0, place: Place::Slot, value: Val::Obj(0) }, // 2: root 0 (#0).slot = root 0 (#0) (was nil)
    ///     Op::Collect,                                 // 3: collect (1 of 1 objects reachable)
    /// ]
    /// seed 2, normal, verifier off (since the weak-reference ops: a table
    ///   pushed into its own vector, collected, written into its own slot
    ///   (the log never records it) and collected: "step 4 (Collect):
    ///   panicked: reference count underflow", 5 ops; before them:) a new
    ///   table whose only reference is pushed into a vector the log never
    ///   recorded is freed:
    ///   step 3 (Collect): #1 (root 0.items[0]) is reachable but was dropped 1 time(s)
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    ///     Op::Collect,                                 // 1: collect (1 of 1 objects reachable)
    ///     Op::Push { obj: 0, value: Val::New },        // 2: root 0 (#0).items.push(new table #1)
    ///     Op::Collect,                                 // 3: collect (2 of 2 objects reachable)
    /// ]
    /// seed 3, stress, verifier on: a map entry; the write's region collects
    ///   when it ends (its table grew):
    ///   step 2 (Write { obj: 0, place: Place::Key(0), value: Val::Obj(0) }), when its
    ///   region ended: panicked: heap verification failed after collection 3:
    ///   root slot 0 → Table (ObjectRef(..)) has count 0 but 1 heap references
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    ///     Op::Collect,                                 // 1: collect (1 of 1 objects reachable)
    ///     Op::Write { obj: 0, place: Place::Key(0), value: Val::Obj(0) }, // 2: root 0 (#0).fields["k0"] = root 0 (#0) (was nothing)
    /// ]
    /// seed 4, stress, verifier off: the program of seed 2 without the last
    ///   collect:
    ///   step 2 (Push { obj: 0, value: Val::New }), after its region ended:
    ///   #1 (root 0.items[0]) is reachable but was dropped 1 time(s)
    /// ```
    #[test]
    fn harness_catches_a_skipped_log() {
        for (failure, verify) in catch_in_every_mode::<SkippedLog>(5) {
            let expected: &[&str] = if verify {
                &["heap references"]
            } else {
                &[
                    "is reachable but was dropped",
                    "is unreachable but collect() did not drop it",
                    "reference count underflow",
                ]
            };
            assert!(
                expected.iter().any(|e| failure.message.contains(e)),
                "{failure}"
            );
            let writes = |op: &Op| matches!(op, Op::Write { .. } | Op::Push { .. });
            assert!(
                failure.program.iter().any(writes),
                "the bug needs a write: {failure}"
            );
        }
    }

    /// The harness catches weak references of freed garbage cycles that
    /// never clear, in normal and stress mode, verifier on and off, and
    /// shrinks it to a cycle (a self-loop), a downgrade, the root dropped
    /// and a collection; the acyclic case passes (the weak step still
    /// clears what reconciliation frees), so every shrunk program holds a
    /// cycle (at most 6 ops). What it printed (seeds 1 to 4):
    ///
    /// ```text
    /// seed 1, normal, verifier on:
    ///   step 5 (Collect): weak 0 (#0) upgraded after a collection found #0 unreachable
    /// vec![
    ///     Op::Enter,                                   // 0: enter scope (depth 1)
    ///     Op::Alloc { len: 0 },                        // 1: root 0 = new small #0 (0 words)
    ///     Op::Downgrade { obj: 0 },                    // 2: weak 0 = downgrade root 0 (#0)
    ///     Op::Set { obj: 0, field: 0, target: 0 },     // 3: root 0 (#0).small[0] = root 0 (#0)
    ///     Op::Leave,                                   // 4: leave scope: roots 0.. dropped
    ///     Op::Collect,                                 // 5: collect (0 of 1 objects reachable)
    /// ]
    /// seeds 2 and 3 (normal, verifier off; stress, verifier on): a table
    ///   in its own slot, downgraded, a restart and a collect (5 ops):
    /// vec![
    ///     Op::New { slot: Val::Nil },                  // 0: root 0 = new table #0, slot = nil
    ///     Op::Write { obj: 0, place: Place::Slot, value: Val::Obj(0) }, // 1: root 0 (#0).slot = root 0 (#0) (was nil)
    ///     Op::Downgrade { obj: 0 },                    // 2: weak 0 = downgrade root 0 (#0)
    ///     Op::Restart,                                 // 3: leave every scope; new heap.scope (0 persistent roots)
    ///     Op::Collect,                                 // 4: collect (0 of 1 objects reachable)
    /// ]
    /// seed 4, stress, verifier off: a self-loop whose root is re-pointed
    ///   at a second object (6 ops).
    /// ```
    #[test]
    fn harness_catches_a_weak_step_before_trial_deletion() {
        for (failure, _) in catch_in_every_mode::<WeakBeforeCycles>(6) {
            println!("{failure}");
            assert!(
                failure
                    .message
                    .contains("upgraded after a collection found"),
                "{failure}"
            );
            let cycle_edge = |op: &Op| {
                matches!(
                    op,
                    Op::Set { .. } | Op::Write { .. } | Op::Push { .. } | Op::New { .. }
                )
            };
            assert!(failure.program.iter().any(cycle_edge), "{failure}");
        }
    }
}
