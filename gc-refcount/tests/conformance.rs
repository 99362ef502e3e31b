//! The shared conformance suite, on deferred reference counting.
gc_testing::conformance_suite!(gc_refcount::RefCount);
