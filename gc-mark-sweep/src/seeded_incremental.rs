//! TEST-ONLY seeded bugs of incremental marking: [`MarkSweep`] with
//! incremental marking forced on and one planted mistake, which the
//! model-based harness (`gc_testing::harness`) must catch. Compiled
//! for this crate's unit tests, or with the test-only feature
//! `seeded-bugs`; never part of a normal build.

use crate::incremental::Flaw;
use crate::MarkSweep;
use gc_core::{Collector, GcError, HeapConfig, Marking, MIN_MARK_STEP};

/// `config` with incremental marking at the smallest step, and `flaw`.
fn flawed(config: &HeapConfig, flaw: Flaw) -> Result<MarkSweep, GcError> {
    let config = HeapConfig {
        marking: Marking::Incremental {
            step: MIN_MARK_STEP,
            rate: 2,
        },
        ..config.clone()
    };
    let mut inner = MarkSweep::new(&config)?;
    if let Some(incremental) = &mut inner.incremental {
        incremental.flaw = flaw;
    }
    Ok(inner)
}

// Contract: broken on purpose, for tests only: a store while a cycle marks
// is not logged, so `collect` may free an object still reachable (rule 2).
// The harness detects it through drop counts or the verifier; nothing else
// may use this type. Rules 1, 3, 4 and 5 hold as for `MarkSweep`.
gc_core::seeded_bug! {
    /// Incremental mark-sweep whose barriers record nothing: the handle
    /// API's store does not log the target it overwrites, and the object
    /// model's first write of a cycle does not scan the object.
    pub struct SkipBarrierLog(MarkSweep) = "mark-sweep incremental (seeded bug: no barrier log)";
    source "planted here (issue 24's low-pause bugs)";
    shape "no store logs the target it overwrites while a cycle marks";
    new(config) { flawed(config, Flaw::None).map(SkipBarrierLog) }
    write_barrier(inner, owner, slot, new) {
        let _ = (inner, owner);
        slot.set(new)
    }
    log_write(inner, obj) {
        let _ = (inner, obj);
    }
}

// Contract: broken on purpose, as above: an increment drops a gray object.
gc_core::seeded_bug! {
    /// Incremental mark-sweep whose increments drop the last gray object
    /// (the one at the bottom of the gray stack) instead of scanning it.
    pub struct DropGray(MarkSweep) = "mark-sweep incremental (seeded bug: drops a gray object)";
    source "planted here (issue 24's low-pause bugs)";
    shape "an increment drops a gray object instead of scanning it";
    new(config) { flawed(config, Flaw::DropGray).map(DropGray) }
}

// Contract: broken on purpose, as above: the final pause does not rescan
// the roots.
gc_core::seeded_bug! {
    /// Incremental mark-sweep whose final pause does not rescan the shadow
    /// stack and the persistent roots.
    pub struct NoRootRescan(MarkSweep) = "mark-sweep incremental (seeded bug: no final root rescan)";
    source "mruby #1362";
    shape "the final mark pause does not rescan the roots the mutator changed";
    new(config) { flawed(config, Flaw::NoRescan).map(NoRootRescan) }
}

// Contract: broken on purpose, as above: a cycle starts without graying
// its newest root (the final pause still rescans every root).
gc_core::seeded_bug! {
    /// Incremental mark-sweep whose cycles start by graying every root but
    /// the newest (an off-by-one): the snapshot misses what only that root
    /// held at the start. The harness's programs do not find it (see
    /// `incremental_checks` for the directed check that does).
    pub struct SkipNewestRoot(MarkSweep) = "mark-sweep incremental (seeded bug: the start skips the newest root)";
    source "planted here (issue 24's low-pause bugs)";
    shape "a cycle starts by graying every root but the newest";
    new(config) { flawed(config, Flaw::SkipNewestRoot).map(SkipNewestRoot) }
}

// Contract: broken on purpose, as above: the object model's stores are
// not logged while a cycle marks (the handle API's are).
gc_core::seeded_bug! {
    /// Incremental mark-sweep whose object-model barrier records nothing
    /// (a region's first write of an object does not scan it), while the
    /// handle API's barrier logs as it should: one path of stores bypasses
    /// the barrier.
    pub struct SkipModelLog(MarkSweep) = "mark-sweep incremental (seeded bug: the object model's stores unbarriered)";
    source "takuma-komatsu/dn2cpp #27";
    shape "one path of stores (here the object model's) skips the barrier, and an incremental cycle frees a live object";
    new(config) { flawed(config, Flaw::None).map(SkipModelLog) }
    log_write(inner, obj) {
        let _ = (inner, obj);
    }
}

// Contract: broken on purpose, as above: an object allocated while a cycle
// marks is left white, and the cycle's sweep frees it.
gc_core::seeded_bug! {
    /// Incremental mark-sweep that allocates white while a cycle marks: a
    /// new object the snapshot never saw is swept at the end of the cycle.
    pub struct WhiteAllocation(MarkSweep) = "mark-sweep incremental (seeded bug: white allocation)";
    source "planted here (issue 24's low-pause bugs)";
    shape "an object allocated while a cycle marks is not marked, and the cycle's sweep frees it";
    new(config) { flawed(config, Flaw::WhiteAllocation).map(WhiteAllocation) }
}

#[cfg(test)]
gc_testing::seeded_corpus! {
    SkipBarrierLog: stress_strong missed "not found without weak ops in 1,024 programs of seed 1, nor in 128 of each of seeds 1 to 24: the object a missed log loses must be the only path to another across a cycle's increments, which the short programs rarely build; the directed check `a_store_that_skips_the_log_is_caught` in `incremental_checks` catches it",
    DropGray: stress_strong,
    NoRootRescan: stress_strong missed "redundant under the snapshot: the cycle's start grays every root, so the final rescan finds nothing new (see `incremental`)",
    SkipNewestRoot: stress_strong missed "the programs rarely change a root between a cycle's start and its end; the directed check in `incremental_checks` catches it",
    SkipModelLog: stress_strong missed "not found without weak ops, as for `SkipBarrierLog` (same seeds)",
    WhiteAllocation: stress_strong quick seed 21,
}

// Contract: none broken: incremental marking at the seeded bugs' settings,
// forwarded whole (the corpus' control).
gc_core::forward_collector! {
    /// [`MarkSweep`] marking incrementally at the settings of the seeded
    /// bugs above, with no bug: what the harness must not catch.
    pub struct Control(MarkSweep) = "mark-sweep incremental (the seeded bugs' settings, no bug)";
    new(config) { flawed(config, Flaw::None).map(Control) }
}

#[cfg(test)]
mod tests {
    use super::{DropGray, NoRootRescan};
    use gc_core::Collector;
    use gc_testing::harness::{assert_catches, find_failure, HarnessConfig};

    /// Runs the harness on `C` in stress mode (an increment at every
    /// allocation and region end) with the verifier on (seed 1) and, if
    /// `model_alone`, off (seed 2: the model's drop counts catch it), and
    /// prints what it found.
    fn caught<C: Collector>(max_len: usize, model_alone: bool) {
        let modes: &[(u64, bool)] = if model_alone {
            &[(1, true), (2, false)]
        } else {
            &[(1, true)]
        };
        for &(seed, verify) in modes {
            let config = HarnessConfig {
                stress: true,
                verify,
                seed: Some(seed),
                ..HarnessConfig::default()
            };
            let failure = assert_catches::<C>(config, max_len);
            println!("{} (verify {verify}):\n{failure}", C::NAME);
        }
    }

    #[test]
    fn harness_catches_an_increment_that_drops_a_gray_object() {
        caught::<DropGray>(8, true);
    }

    /// The control: at the seeded bugs' settings, the correct collector
    /// passes, without weak-reference ops (the corpus' mode
    /// `stress_strong`, in which the incremental bugs are looked for) and
    /// with them (the weak model follows each cycle's snapshot: floating
    /// garbage still upgrades, see docs/WEAK.md), so what the harness finds
    /// in the seeded bugs is theirs.
    #[test]
    fn the_control_passes_with_and_without_weak_ops() {
        for weak in [false, true] {
            let config = HarnessConfig {
                stress: true,
                weak,
                seed: Some(1),
                ..HarnessConfig::default()
            };
            if let Some(failure) = find_failure::<super::Control>(&config) {
                panic!("{failure}");
            }
        }
    }

    /// Under the snapshot, the final rescan finds nothing the cycle's
    /// start did not gray (see `incremental`): the harness finds no
    /// failure without it. Kept as a check of that claim.
    #[test]
    fn the_final_rescan_is_redundant_under_the_snapshot() {
        let config = HarnessConfig {
            stress: true,
            cases: 256,
            seed: Some(3),
            ..HarnessConfig::default()
        };
        assert!(find_failure::<NoRootRescan>(&config).is_none());
    }
}
