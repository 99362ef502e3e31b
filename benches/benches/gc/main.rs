//! The criterion benchmarks: one binary, one group per topic module.
//!
//! ```text
//! cargo bench -p benches                 # full run, a few minutes
//! cargo bench -p benches -- churn        # one group
//! cargo bench -p benches -- --test       # run each benchmark once (CI)
//! ```

use criterion::{criterion_main, Criterion};

mod binary_trees;
mod churn;

/// Registers every topic's group with a criterion configured from the
/// command line (what `criterion_group!` expands to, with docs).
fn groups() {
    let mut criterion = Criterion::default().configure_from_args();
    binary_trees::register(&mut criterion);
    churn::register(&mut criterion);
}

criterion_main!(groups);
