//! The shared conformance suite, on deferred reference counting.
gc_core::conformance_suite!(gc_refcount::RefCount);
