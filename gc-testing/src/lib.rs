//! # gc-testing: the test kit for gc-core backends
//!
//! The conformance suite every backend must pass, written once and generic
//! over the backend, and the model-based [`harness`] that runs random
//! programs on it. It uses gc-core's public API only, so a backend crate
//! outside this workspace can run it too.
//!
//! A backend crate adds `gc-testing` to its `[dev-dependencies]` and runs
//! the whole suite, in normal and stress mode, with one line in
//! `tests/conformance.rs`, and the harness with one line in
//! `tests/harness.rs`:
//!
//! ```ignore
//! gc_testing::conformance_suite!(gc_mark_sweep::MarkSweep);
//! gc_testing::harness_suite!(gc_mark_sweep::MarkSweep);
//! ```
//!
//! ## Adding a check
//! Write it as a function in a checks module (`conformance`,
//! `model_checks`, `oom_checks`, ...), with a doc comment saying what it
//! holds every backend to:
//!
//! ```ignore
//! /// Objects no root reaches are freed by `collect()`.
//! pub fn unreachable_objects_are_freed<C: Collector>(mode: Mode) { ... }
//! ```
//!
//! That is the whole declaration: the build script (`build.rs`, reading
//! with `build/scan.rs`) finds every such function, and
//! [`conformance_suite!`] runs it in every backend, as `normal::NAME` and
//! `stress::NAME` (`model::NAME`, `model_stress::NAME`, ... for the other
//! modules). A function of that shape that is not `pub`, or sits in an
//! inline module, fails the build rather than being skipped; a new checks
//! module is added to `SUITES` in `build.rs`, which names its test modules.
//!
//! This kit was gc-core's `testing` module, behind a `testing` feature;
//! `docs/MIGRATION.md` says how to move.

pub mod conformance;
pub mod corpus;
mod drop_counter;
pub mod ephemeron_checks;
pub mod finalization_checks;
pub mod harness;
pub mod model_checks;
pub mod oom_checks;
pub mod resource_checks;
pub mod soundness_checks;
pub mod thread_checks;
pub mod types_checks;
pub mod unsized_checks;
pub mod weak_checks;

pub use drop_counter::{DropCounter, Drops};

/// gc-core, for the paths the suite macros expand to.
#[doc(hidden)]
pub use gc_core as __gc_core;

/// Expands to a `#[test]` per conformance check, each run twice: with the
/// default configuration (in test module `normal`, `model`, `oom`, ...) and
/// in stress mode (`stress`, `model_stress`, `oom_stress`, ...).
///
/// There is no list to keep: a check is a function
/// `pub fn name<C: Collector>(mode: Mode)` at the top level of a checks
/// module (`conformance`, `model_checks`, ...), and the build script reads
/// them all (`build/scan.rs`) and writes the list this macro runs. A
/// function of that shape that is not `pub` or not at the top level, or a
/// checks module the build script does not know, fails the build.
#[macro_export]
macro_rules! conformance_suite {
    ($backend:ty) => {
        $crate::__every_check!($backend);

        #[test]
        #[ignore = "10 million nodes: run with --ignored"]
        fn ten_million_node_list_is_marked_without_recursion() {
            $crate::conformance::long_list::<$backend>(
                $crate::__gc_core::HeapConfig::default(),
                10_000_000,
            );
        }
    };
    (@module $backend:ty; $checks:ident, $normal:ident, $stress:ident; $($name:ident),* $(,)?) => {
        mod $normal {
            $(
                #[test]
                fn $name() {
                    $crate::$checks::$name::<$backend>($crate::conformance::Mode::Normal);
                }
            )*
        }
        mod $stress {
            $(
                #[test]
                fn $name() {
                    $crate::$checks::$name::<$backend>($crate::conformance::Mode::Stress);
                }
            )*
        }
    };
}

// `__every_check!`, written by build.rs: one `conformance_suite!(@module ..)`
// per checks module, with every check it declares.
include!(concat!(env!("OUT_DIR"), "/checks.rs"));
