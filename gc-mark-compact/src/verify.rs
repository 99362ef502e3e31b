//! The mark-compact heap verifier, run right after a collection.

use crate::MarkCompact;
use gc_core::object::ObjectRef;
use gc_core::Slot;

/// Checks, right after a collection, that:
/// - walking the space from its start by object sizes ends exactly at the
///   free pointer, meeting as many objects as the space counts (the slide
///   left no gap and no overlap);
/// - no header keeps the mark bit (bit 0 of `meta`): every forwarding word
///   was cleared or replaced by the identity it had saved;
/// - every root and reachable field refers to the start of an object of
///   the space or to a large object (no slot was left at an old address);
/// - the space holds exactly the reachable objects (a full compaction keeps
///   no garbage), and every reachable large object is marked.
pub(crate) fn verify(heap: &MarkCompact, roots: &[Slot]) -> Result<(), String> {
    let objects = space_objects(heap)?;
    let is_object = |o: ObjectRef| objects.binary_search(&o).is_ok() || heap.large.contains(o);
    let ephemerons = gc_core::Collector::weak_table(heap).ephemerons();
    // SAFETY: `reachable_with`'s bullets: `is_object` accepts only object
    // starts found by walking the space's used part, and large objects: all
    // live, with payloads initialised (`Collector::verify`'s bullet); the
    // weak step removed every entry of a dead key or map, and a live
    // entry's value survived with it.
    let live = unsafe { gc_core::verify::reachable_with(roots, ephemerons, is_object) }?;
    let small = live
        .iter()
        .filter(|o| heap.space.contains(o.addr()))
        .count();
    if small != objects.len() {
        return Err(format!(
            "the space holds {} objects but only {small} are reachable",
            objects.len()
        ));
    }
    let unmarked = live
        .iter()
        .find(|&&o| heap.large.contains(o) && !heap.large.is_marked(o));
    match unmarked {
        Some(obj) => Err(format!(
            "the large object {obj:?} is reachable but was not marked"
        )),
        None => Ok(()),
    }
}

/// Walks the space; returns its objects in address order.
fn space_objects(heap: &MarkCompact) -> Result<Vec<ObjectRef>, String> {
    let mut objects = Vec::with_capacity(heap.space.object_count());
    let mut end = heap.space.start();
    for obj in heap.space.objects() {
        // SAFETY: `meta` and `size`'s bullet: the walk yields objects of
        // the space, whose headers are intact.
        let (meta, size) = unsafe { (obj.meta().get(), obj.size()) };
        if meta & 1 != 0 {
            return Err(format!(
                "{obj:?} still holds a forwarding word ({meta:#x}) after the slide"
            ));
        }
        end += size;
        objects.push(obj);
    }
    if end != heap.space.free() || objects.len() != heap.space.object_count() {
        return Err(format!(
            "walking the space found {} objects ending at {end:#x}; it counts {} ending at {:#x}",
            objects.len(),
            heap.space.object_count(),
            heap.space.free()
        ));
    }
    Ok(objects)
}
