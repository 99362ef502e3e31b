//! The copying heap verifier, run right after a collection.

use crate::cheney::forwarding_address;
use crate::Copying;
use gc_core::object::ObjectRef;
use gc_core::verify::{path_to, FieldPath};
use gc_core::Slot;

/// Checks, right after a collection, that:
/// - no object in to-space holds a forwarding pointer;
/// - every root and reachable field refers to the start of a to-space object
///   or to a large object (so no slot was left pointing into from-space);
/// - to-space holds exactly the reachable objects (a copying collector
///   keeps no garbage), and every reachable large object is marked;
/// - the drop list is exactly the to-space objects whose type has drop glue.
pub(crate) fn verify(heap: &Copying, roots: &[Slot]) -> Result<(), String> {
    let copies = to_space_objects(heap)?;
    let is_object = |o: ObjectRef| copies.binary_search(&o).is_ok() || heap.large.contains(o);
    // SAFETY: `reachable_with`'s bullets (the weak step removed every entry
    // of a dead key or map, and a live entry's value survived with it): `is_object` accepts only object starts
    // found by walking to-space's used part, and large objects: all live,
    // with payloads initialised (`Collector::verify`'s bullet).
    let live =
        unsafe { gc_core::verify::reachable_with(roots, heap.weak.ephemerons(), is_object) }?;
    let (small, large): (Vec<_>, Vec<_>) = live.iter().partition(|o| heap.space.contains(o.addr()));
    if small.len() != copies.len() {
        return Err(format!(
            "to-space holds {} objects but only {} are reachable",
            copies.len(),
            small.len()
        ));
    }
    if let Some(&&obj) = large.iter().find(|&&&o| !heap.large.is_marked(o)) {
        // SAFETY: `path_to`'s and `describe`'s bullets: `is_object` as for
        // `reachable`; verification runs outside regions and collects
        // nothing; `obj` is reachable, so live.
        let name = unsafe { FieldPath::describe(path_to(roots, obj, is_object), obj) };
        return Err(format!(
            "the large object {name} is reachable but was not marked"
        ));
    }
    check_drop_list(heap, &copies)
}

/// Walks to-space; returns its objects in address order.
fn to_space_objects(heap: &Copying) -> Result<Vec<ObjectRef>, String> {
    let mut copies = Vec::with_capacity(heap.space.object_count());
    for obj in heap.space.objects() {
        // SAFETY: `forwarding_address`'s bullet: the walk yields to-space
        // objects, whose headers are intact.
        if let Some(to) = unsafe { forwarding_address(obj) } {
            return Err(format!(
                "{obj:?} in to-space holds a forwarding pointer to {to:?}"
            ));
        }
        copies.push(obj);
    }
    if copies.len() != heap.space.object_count() {
        return Err(format!(
            "walking to-space found {} objects; the count says {}",
            copies.len(),
            heap.space.object_count()
        ));
    }
    Ok(copies)
}

fn check_drop_list(heap: &Copying, copies: &[ObjectRef]) -> Result<(), String> {
    let mut listed = heap.drop_list.clone();
    listed.sort_unstable();
    // SAFETY: `info`'s bullet: to-space objects are live.
    let needed: Vec<_> = copies
        .iter()
        .copied()
        .filter(|o| unsafe { o.info() }.drop.is_some())
        .collect();
    if listed != needed {
        return Err(format!(
            "the drop list has {} entries, but to-space holds {} objects with drop glue (or other ones)",
            listed.len(),
            needed.len()
        ));
    }
    Ok(())
}
