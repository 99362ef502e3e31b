//! The model-based harness (`gc_core::testing::harness`) on the
//! reference-counting collector, with and without stress mode.
//! `GC_HARNESS_CASES=n` lengthens the run.
gc_core::harness_suite!(gc_refcount::RefCount);
