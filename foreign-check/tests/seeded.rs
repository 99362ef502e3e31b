//! The backends' seeded bugs that the seam's operations reach, caught
//! through [`HeapAdapter`](gc_testing::harness::seam::HeapAdapter) with the
//! verifier off (by the seam's own properties) and shrunk. Needs the
//! `seeded-bugs` feature (the backends' test-only types):
//! `cargo test -p foreign-check --features seeded-bugs --test seeded`.

use gc_core::Collector;
use gc_testing::harness::seam::{self, HeapAdapter};
use gc_testing::harness::HarnessConfig;

/// Caught with the verifier off (the properties alone), shrunk to at most
/// `max_len` ops, with `expected` in the message.
fn catches<C: Collector>(stress: bool, max_len: usize, expected: &str) {
    // A fixed seed keeps CI deterministic; GC_HARNESS_SEED picks another.
    let config = HarnessConfig {
        cases: 512,
        stress,
        verify: false,
        seed: Some(1),
        ..HarnessConfig::default()
    };
    let failure = seam::find_failure::<HeapAdapter<C>>(&config)
        .unwrap_or_else(|| panic!("the seam missed the seeded bug in `{}`", C::NAME));
    assert!(
        failure.program.len() <= max_len && failure.message.contains(expected),
        "expected `{expected}` in at most {max_len} ops:\n{failure}"
    );
}

#[test]
fn mark_loop_skipping_the_last_field_is_caught() {
    use gc_mark_sweep::seeded_bug::SkipLastField;
    catches::<SkipLastField>(false, 6, "is reachable but was dropped");
}

#[test]
fn weak_table_never_swept_is_caught() {
    use gc_mark_sweep::seeded_bug::SkippedWeakSweep;
    catches::<SkippedWeakSweep>(false, 6, "was dropped");
}

#[test]
fn weak_step_after_the_sweep_is_caught_in_stress_mode() {
    use gc_mark_sweep::seeded_bug::WeakAfterSweep;
    catches::<WeakAfterSweep>(true, 8, "");
}

#[test]
fn stale_last_root_after_copying_is_caught() {
    use gc_copying::seeded_bug::StaleLastRoot;
    catches::<StaleLastRoot>(false, 4, "root 0 should be #0");
}

#[test]
fn unforwarded_weak_entry_is_caught() {
    use gc_copying::seeded_bug::StaleWeak;
    catches::<StaleWeak>(false, 4, "weak 0 upgraded to #");
}

#[test]
fn trial_deletion_freeing_a_rooted_cycle_is_caught() {
    use gc_refcount::seeded_bug::FreeRootedCycle;
    catches::<FreeRootedCycle>(false, 4, "is reachable but was dropped");
}

#[test]
fn skipped_write_log_is_caught() {
    use gc_refcount::seeded_bug::SkippedLog;
    catches::<SkippedLog>(false, 8, "");
}

#[test]
fn weak_step_before_trial_deletion_is_caught() {
    use gc_refcount::seeded_bug::WeakBeforeCycles;
    catches::<WeakBeforeCycles>(false, 8, "was dropped");
}
