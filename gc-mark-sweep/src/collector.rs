//! [`MarkSweep`]: the backend's state and its [`Collector`] implementation.

use crate::mark::MarkStack;
use gc_core::object::{ObjectRef, TypeInfo};
use gc_core::space::FreeListSpace;
use gc_core::stats::{CollectionEvent, Phase};
use gc_core::{Capabilities, Collector, GcError, HeapConfig, HeapUsage, Slot};

/// The mark-sweep backend. Use it as `Heap<MarkSweep>`.
pub struct MarkSweep {
    pub(crate) space: FreeListSpace,
    pub(crate) marker: MarkStack,
}

impl MarkSweep {
    /// A full collection; `SKIP_LAST_SLOT` is the seeded bug of
    /// [`MarkStack::mark_loop`](crate::mark::MarkStack), `false` but in tests.
    pub(crate) fn collect_with<const SKIP_LAST_SLOT: bool>(
        &mut self,
        roots: &[Slot],
        event: &mut CollectionEvent,
    ) {
        self.space.clear_marks();
        let (space, marker) = (&mut self.space, &mut self.marker);
        event.time(Phase::Roots, || marker.mark_roots(space, roots));
        event.time(Phase::Trace, || marker.mark_loop::<SKIP_LAST_SLOT>(space));
        event.time(Phase::Reclaim, || space.sweep());
    }
}

// SAFETY: `alloc` hands out fresh cells with initialised headers (rule 1);
// `collect` marks everything reachable from the roots before sweeping, and
// never moves (rule 2); the space finalises each unmarked object once, taking
// it off the books first, and finalises the rest on drop (rule 3); the write
// barrier is the default plain store (rule 4).
unsafe impl Collector for MarkSweep {
    const NAME: &'static str = "mark-sweep";
    const CAPABILITIES: Capabilities = Capabilities::DEFAULT;

    fn new(config: &HeapConfig) -> Result<Self, GcError> {
        Ok(MarkSweep {
            space: FreeListSpace::new(config.capacity)?,
            marker: MarkStack::default(),
        })
    }

    #[inline(always)]
    unsafe fn alloc(&mut self, info: &'static TypeInfo) -> Option<ObjectRef> {
        // SAFETY: forwarded to the caller, who initialises the payload.
        unsafe { self.space.alloc(info, 0) }
    }

    unsafe fn collect(&mut self, roots: &[Slot], event: &mut CollectionEvent) {
        self.collect_with::<false>(roots, event);
    }

    fn usage(&self) -> HeapUsage {
        HeapUsage {
            bytes: self.space.bytes(),
            objects: self.space.objects(),
        }
    }

    unsafe fn verify(&self, roots: &[Slot]) -> Result<(), String> {
        crate::verify::verify(self, roots)
    }
}
