//! The model-based harness (`gc_testing::harness`) on the
//! reference-counting collector, with and without stress mode.
//! `GC_HARNESS_CASES=n` lengthens the run.
gc_testing::harness_suite!(gc_refcount::RefCount);

use gc_testing::harness::{run_program, HarnessConfig, Op};

/// The model's rule for a collection that ran no trial deletion: an
/// unreachable cycle (and what it reaches) survives it, so its weak
/// references still upgrade, and upgrading roots the cycle again; the next
/// explicit collection keeps it (rooted), and once unrooted clears it. In
/// stress mode every allocation collects, and only the first of them (the
/// byte trigger starts at 0) runs trial deletion.
#[test]
fn a_cycle_no_trial_deletion_saw_still_upgrades() {
    let program = vec![
        Op::Alloc { len: 0 }, // root 0 = #0
        Op::Alloc { len: 0 }, // root 1 = #1
        Op::Alloc { len: 0 }, // root 2 = #2
        Op::Set {
            obj: 0,
            field: 0,
            target: 1,
        }, // #0 -> #1
        Op::Set {
            obj: 1,
            field: 0,
            target: 0,
        }, // #1 -> #0: a cycle
        Op::Downgrade { obj: 0 }, // weak 0 = #0
        Op::Assign { root: 0, from: 2 },
        Op::Assign { root: 1, from: 2 }, // the cycle is garbage
        Op::Alloc { len: 0 },            // a collection without trial deletion
        Op::Upgrade { weak: 0 },         // #0 is rooted again
        Op::Collect,
        Op::Assign { root: 4, from: 2 },
        Op::Collect, // now it dies
        Op::Upgrade { weak: 0 },
    ];
    let config = HarnessConfig {
        stress: true,
        ..HarnessConfig::default()
    };
    run_program::<gc_refcount::RefCount>(&program, &config).unwrap();
}
