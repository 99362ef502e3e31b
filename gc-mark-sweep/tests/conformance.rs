//! The shared conformance suite, on mark-sweep.
gc_testing::conformance_suite!(gc_mark_sweep::MarkSweep);
