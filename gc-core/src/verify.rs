//! The part of heap verification every backend shares: walking the graph
//! reachable from the roots and checking each reference lands on an object.

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
    while let Some(obj) = stack.pop() {
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
                // SAFETY: `obj` passed `is_object`, so it is live (the
                // caller's contract) and its header initialised.
                let name = unsafe { obj.info() }.name();
                return Err(format!(
                    "a field of {obj:?} ({name}) refers to {child:?}, which is not an object"
                ));
            }
            stack.push(child);
        }
    }
    Ok(order)
}
