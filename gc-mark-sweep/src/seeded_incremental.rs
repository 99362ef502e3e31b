//! TEST-ONLY seeded bugs of incremental marking: [`MarkSweep`] with
//! incremental marking forced on and one planted mistake, which the
//! model-based harness (`gc_testing::harness`) must catch. Compiled
//! for this crate's unit tests, or with the test-only feature
//! `seeded-bug-skip-last-field`; never part of a normal build.

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
    new(config) { flawed(config, Flaw::DropGray).map(DropGray) }
}

// Contract: broken on purpose, as above: the final pause does not rescan
// the roots.
gc_core::seeded_bug! {
    /// Incremental mark-sweep whose final pause does not rescan the shadow
    /// stack and the persistent roots.
    pub struct NoRootRescan(MarkSweep) = "mark-sweep incremental (seeded bug: no final root rescan)";
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
    new(config) { flawed(config, Flaw::SkipNewestRoot).map(SkipNewestRoot) }
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
