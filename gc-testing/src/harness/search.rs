//! The search both harness entry points share: run the generated programs
//! under proptest, and shrink the first failure (proptest's shrinking,
//! then [`shrink::minimize`]).

use super::{shrink, Failure, HarnessConfig, Op};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

/// Runs `config`'s number of programs from `programs` through `run`;
/// returns the first failure, shrunk, reported as `collector`'s.
pub(super) fn find_failure(
    config: &HarnessConfig,
    collector: &'static str,
    programs: impl Strategy<Value = Vec<Op>>,
    run: impl Fn(&[Op]) -> Result<(), String>,
) -> Option<Failure> {
    let seed = config.effective_seed();
    let mut runner = TestRunner::new(Config {
        cases: config.effective_cases(),
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    });
    let outcome = runner.run(&programs, |program| {
        run(&program).map_err(TestCaseError::fail)
    });
    match outcome {
        Ok(()) => None,
        Err(TestError::Fail(reason, program)) => {
            let (program, message) = shrink::minimize(&program, reason.message().to_string(), run);
            Some(Failure {
                collector,
                stress: config.stress,
                seed,
                message,
                program,
            })
        }
        Err(TestError::Abort(reason)) => panic!("the GC harness gave up: {reason}"),
    }
}
