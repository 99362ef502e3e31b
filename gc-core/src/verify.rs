//! The part of heap verification every backend shares: walking the graph
//! reachable from the roots and checking each reference lands on an object.

use crate::ephemeron::EphemeronTable;
use crate::object::ObjectRef;
use crate::trace::{Slot, Tracer};
use hashbrown::HashSet;

/// Walks everything reachable from `roots`, checking with `is_object` that
/// every root and field refers to the start of an allocated object, and
/// returns the reachable objects (each once). Backends run their own checks
/// (mark bits, forwarding pointers, counts) on the result.
///
/// # Safety
/// - Every object `is_object` accepts is live with an initialised payload.
pub unsafe fn reachable(
    roots: &[Slot],
    is_object: impl Fn(ObjectRef) -> bool,
) -> Result<Vec<ObjectRef>, String> {
    // SAFETY: forwarded to the caller; an empty table adds nothing.
    unsafe { reachable_with(roots, &EphemeronTable::new(), is_object) }
}

/// [`reachable`], following the weak maps' ephemerons too: the value of
/// every entry whose map object and key are reachable is reachable (to the
/// closure; a verifier's walk, so a plain fix-point).
///
/// # Safety
/// - As [`reachable`]; every entry of `ephemerons` refers to objects
///   `is_object` accepts while its map object and key are reachable.
pub unsafe fn reachable_with(
    roots: &[Slot],
    ephemerons: &EphemeronTable,
    is_object: impl Fn(ObjectRef) -> bool,
) -> Result<Vec<ObjectRef>, String> {
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut stack = Vec::new();
    // SAFETY: verification runs between collections and regions (this
    // function's contract): no lock guard can be in use.
    let mut tracer = unsafe { Tracer::for_collection() };
    for (i, slot) in roots.iter().enumerate() {
        let obj = slot
            .get()
            .ok_or_else(|| format!("root slot {i} is empty"))?;
        if !is_object(obj) {
            return Err(format!(
                "root slot {i} refers to {obj:?}, which is not an object"
            ));
        }
        stack.push(obj);
    }
    loop {
        let Some(obj) = stack.pop() else {
            ephemerons.for_each(|map, key, value| {
                if seen.contains(&map) && seen.contains(&key) && !seen.contains(&value) {
                    stack.push(value);
                }
            });
            if let Some(value) = stack.iter().find(|&&v| !is_object(v)) {
                return Err(format!(
                    "a weak-map value {value:?} of a live key is not an object"
                ));
            }
            if stack.is_empty() {
                return Ok(order);
            }
            continue;
        };
        if !seen.insert(obj) {
            continue;
        }
        order.push(obj);
        // SAFETY: `obj` passed `is_object`, so it is live (caller's contract).
        unsafe { obj.trace(&mut tracer) };
        for slot in tracer.drain() {
            // SAFETY: reported by a live object's trace just now.
            let Some(child) = unsafe { slot.as_ref() }.get() else {
                continue;
            };
            if !is_object(child) {
                // SAFETY: as above.
                let name = unsafe { obj.info() }.name();
                return Err(format!(
                    "a field of {obj:?} ({name}) refers to {child:?}, which is not an object"
                ));
            }
            stack.push(child);
        }
    }
}
