//! The leak that plain reference counting has: with cycle collection off,
//! a backup trace from the roots counts the unreachable objects left behind.
//!
//! This is a full mark of the live heap on every collection, for teaching
//! and measurement only; it frees nothing.

use crate::count::for_each_child;
use gc_core::ephemeron::EphemeronTable;
use gc_core::object::ObjectRef;
use gc_core::space::FreeListSpace;
use gc_core::{Slot, Tracer};

/// Marks everything reachable from `roots` and returns how many allocated
/// objects were not reached.
pub(crate) fn count_leaked(
    space: &mut FreeListSpace,
    roots: &[Slot],
    tracer: &mut Tracer,
    ephemerons: &EphemeronTable,
) -> usize {
    space.clear_marks();
    let mut stack: Vec<ObjectRef> = roots.iter().filter_map(Slot::get).collect();
    let mut reached = 0;
    while let Some(obj) = stack.pop() {
        if !space.mark(obj) {
            continue;
        }
        reached += 1;
        // SAFETY: `for_each_child`'s bullets: roots and fields of
        // allocated objects refer to allocated objects, initialised between
        // collections; pushing frees nothing.
        unsafe { for_each_child(obj, tracer, ephemerons, |child| stack.push(child)) };
    }
    space.objects() - reached
}
