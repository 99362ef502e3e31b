//! The model-based harness (`gc_core::testing::harness`) on mark-sweep,
//! with and without stress mode. `GC_HARNESS_CASES=n` lengthens the run.
gc_core::harness_suite!(gc_mark_sweep::MarkSweep);
