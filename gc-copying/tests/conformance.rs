//! The shared conformance suite, on the copying collector.
gc_core::conformance_suite!(gc_copying::Copying);
