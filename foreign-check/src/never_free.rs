//! An allocator that never frees, for test binaries that run seeded
//! use-after-free bugs in collectors backed by the global allocator.
//!
//! A collector with a planted bug frees reachable objects, and a program
//! the shrinker tries may touch one before the harness sees its drop. With
//! this allocator (Go's `efence` idea: freed memory is never reused) a
//! dangling read finds the old bytes, never another object's, and the
//! allocator's own lists stay intact, so the run reports the bug instead
//! of corrupting the process. Memory grows by what the binary frees: fine
//! for a test, never for a program.
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: foreign_check::never_free::NeverFree = foreign_check::never_free::NeverFree;
//! ```

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, except that nothing is ever freed.
pub struct NeverFree;

// SAFETY: `alloc` is the system allocator's, which meets `GlobalAlloc`'s
// contract; `dealloc` does nothing, which the contract allows (the block
// simply stays allocated); the default `realloc` allocates, copies and
// calls this `dealloc`.
unsafe impl GlobalAlloc for NeverFree {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: `layout` has a non-zero size, as `GlobalAlloc::alloc`
        // requires of our caller, who passes it on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}
