//! gc-refcount backend (in progress).
