//! The model-based harness (`gc_testing::harness`) on the mark-compact
//! collector, with and without stress mode (in stress mode every
//! allocation collects, and every collection slides the survivors over the
//! garbage below them). `GC_HARNESS_CASES=n` lengthens the run.
gc_testing::harness_suite!(gc_mark_compact::MarkCompact);
