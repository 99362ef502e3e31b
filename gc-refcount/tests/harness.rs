//! The model-based harness (`gc_testing::harness`) on the
//! reference-counting collector, with and without stress mode.
//! `GC_HARNESS_CASES=n` lengthens the run.
gc_testing::harness_suite!(gc_refcount::RefCount);
