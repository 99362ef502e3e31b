//! The mark-sweep heap verifier.

use crate::MarkSweep;
use gc_core::object::ObjectRef;
use gc_core::verify::{path_to, FieldPath};
use gc_core::{Collector, Slot};

/// Checks that every root and every field reachable from `roots` refers to
/// an allocated object, and that the last collection left every reachable
/// object marked (so marking missed no edge it should have followed).
pub(crate) fn verify(ms: &MarkSweep, roots: &[Slot]) -> Result<(), String> {
    if ms.marking_step().is_some() {
        // Mid-cycle: the marks are incomplete (or, while the last cycle's
        // sweep finishes, older than what was allocated since); the cycle's
        // end checks them (a walk per increment would make verified runs
        // quadratic).
        return Ok(());
    }
    let is_object = |o: ObjectRef| ms.space.is_object(o.addr());
    // SAFETY: `reachable_with`'s bullets (the weak step removed every entry
    // of a dead key or map, and a live entry's value survived with it):
    // `is_object` accepts only allocated objects, which are live with
    // initialised payloads after a collection (`Collector::verify`'s
    // bullet, as for `collect`).
    let live =
        unsafe { gc_core::verify::reachable_with(roots, ms.weak_table().ephemerons(), is_object) }?;
    match live.iter().find(|&&o| !ms.space.is_marked(o)) {
        Some(&obj) => {
            // SAFETY: `path_to`'s and `describe`'s bullets: `is_object` as
            // for `reachable`; verification runs outside regions and
            // collects nothing; `obj` is reachable, so live.
            let name = unsafe { FieldPath::describe(path_to(roots, obj, is_object), obj) };
            Err(format!("{name} is reachable but was not marked"))
        }
        None => Ok(()),
    }
}
