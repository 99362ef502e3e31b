//! gc-copying backend (in progress).
