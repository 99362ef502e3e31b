//! The shared conformance suite, on the mark-compact collector.
gc_testing::conformance_suite!(gc_mark_compact::MarkCompact);
