//! The shared conformance suite, on the copying collector.
gc_testing::conformance_suite!(gc_copying::Copying);
