//! The shared conformance suite, on mark-sweep.
gc_core::conformance_suite!(gc_mark_sweep::MarkSweep);
