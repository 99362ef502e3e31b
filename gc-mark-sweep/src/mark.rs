//! The mark phase: an explicit mark stack, so marking depth never touches
//! the Rust stack.

use gc_core::object::ObjectRef;
use gc_core::space::FreeListSpace;
use gc_core::{Slot, Tracer};

/// The gray objects (marked, fields not yet scanned) and a tracer reused
/// across collections, so marking allocates nothing in the steady state.
#[derive(Default)]
pub struct MarkStack {
    gray: Vec<ObjectRef>,
    tracer: Tracer,
}

impl MarkStack {
    /// Marks every object a root refers to.
    pub fn mark_roots(&mut self, space: &mut FreeListSpace, roots: &[Slot]) {
        for obj in roots.iter().filter_map(Slot::get) {
            self.shade(space, obj);
        }
    }

    /// The mark loop: scans gray objects until none is left.
    pub fn mark_from(&mut self, space: &mut FreeListSpace) {
        self.mark_loop::<false>(space);
    }

    /// The mark loop. `SKIP_LAST_SLOT` plants a bug for the seeded-bug test
    /// (see `seeded_bug`): it drops the last slot each object reports. The
    /// real collector passes `false`, which compiles the check away.
    #[inline(always)]
    pub(crate) fn mark_loop<const SKIP_LAST_SLOT: bool>(&mut self, space: &mut FreeListSpace) {
        while let Some(obj) = self.gray.pop() {
            // SAFETY: gray objects are marked, hence reachable and live.
            unsafe { obj.trace(&mut self.tracer) };
            if SKIP_LAST_SLOT {
                self.tracer.pop();
            }
            while let Some(slot) = self.tracer.pop() {
                // SAFETY: the slot was just reported by a live object's trace.
                if let Some(child) = unsafe { slot.as_ref() }.get() {
                    self.shade(space, child);
                }
            }
        }
    }

    /// Marks `obj`; if it was white and has fields, queues it for scanning.
    #[inline(always)]
    fn shade(&mut self, space: &mut FreeListSpace, obj: ObjectRef) {
        // SAFETY: `obj` came from a root or a live object's field: it is live.
        if space.mark(obj) && unsafe { obj.info() }.needs_trace {
            self.gray.push(obj);
        }
    }
}
