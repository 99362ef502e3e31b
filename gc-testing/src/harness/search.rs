//! The search every harness entry point shares (this workspace's
//! collectors and, through the seam, foreign ones): run the generated
//! programs under proptest, time the first failure, and shrink it
//! (proptest's shrinking, then [`shrink::minimize`]).

use super::{shrink, Failure, HarnessConfig, Hunt, Op};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use std::time::Instant;

/// Runs `config`'s number of programs from `programs` (without weak ops
/// unless `config.weak`) through `run`; returns the first failure, shrunk
/// if `config.shrink`, reported as `collector`'s, and the times.
pub(super) fn hunt(
    config: &HarnessConfig,
    collector: &'static str,
    programs: impl Strategy<Value = Vec<Op>>,
    run: impl Fn(&[Op]) -> Result<(), String>,
) -> Hunt {
    let start = Instant::now();
    let first = std::cell::Cell::new(None);
    let seed = config.effective_seed();
    let mut runner = TestRunner::new(Config {
        cases: config.effective_cases(),
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_iters: if config.shrink {
            Config::default().max_shrink_iters
        } else {
            0
        },
        ..Config::default()
    });
    let weak = config.weak;
    let programs = programs.prop_map(move |program| {
        program
            .into_iter()
            .filter(|op| weak || !op.is_weak())
            .collect::<Vec<_>>()
    });
    let outcome = runner.run(&programs, |program| {
        let result = run(&program);
        if result.is_err() && first.get().is_none() {
            first.set(Some(start.elapsed()));
        }
        result.map_err(TestCaseError::fail)
    });
    let failure = match outcome {
        Ok(()) => None,
        Err(TestError::Fail(reason, program)) => {
            let (program, message) = if config.shrink {
                shrink::minimize(&program, reason.message().to_string(), &run)
            } else {
                (program, reason.message().to_string())
            };
            Some(Failure {
                collector,
                stress: config.stress,
                seed,
                message,
                program,
            })
        }
        Err(TestError::Abort(reason)) => panic!("the GC harness gave up: {reason}"),
    };
    Hunt {
        failure,
        first_failure: first.get(),
        elapsed: start.elapsed(),
    }
}
