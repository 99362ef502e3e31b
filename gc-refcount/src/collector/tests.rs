//! The collector's unit tests.

/// The model-based harness again, with
/// [`LOCAL_LIMIT`](crate::cycles::LOCAL_LIMIT) at 4 (unit tests only), so
/// trial deletion's batch run and the switch to it, which the harness's
/// small programs rarely reach at the real limit, are checked as
/// thoroughly as examining candidates alone.
mod small_local_limit {
    gc_testing::harness_suite!(crate::RefCount);
}
