//! The large-object space: objects bigger than [`LARGE_OBJECT_THRESHOLD`] get
//! a mapping of their own and never move.

use crate::object::{ObjectRef, TypeInfo};
use crate::os::Region;
use crate::trace::Tracer;
use hashbrown::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Objects whose size (header included) exceeds this many bytes go to the
/// large-object space.
pub const LARGE_OBJECT_THRESHOLD: usize = 8 << 10;

/// Large objects, one mapping each, with a mark bit per object.
#[derive(Default)]
pub struct LargeObjectSpace {
    /// Object address -> (its mapping, marked). The mark is atomic so that
    /// parallel marking can set it through `&self` ([`LargeObjectSpace::mark_shared`]).
    objects: HashMap<usize, (Region, AtomicBool)>,
    bytes: usize,
}

impl LargeObjectSpace {
    /// Allocates a large object with a header of `info` and backend word `meta`,
    /// or `None` if it would take the space past `limit` bytes in total.
    ///
    /// # Safety
    /// - The caller initialises the payload with a valid value of `info`'s
    ///   type before it calls any other method of the space or drops it.
    pub unsafe fn alloc(
        &mut self,
        info: &'static TypeInfo,
        meta: usize,
        limit: usize,
    ) -> Option<ObjectRef> {
        let size = info.object_size();
        if self.bytes + size > limit {
            return None;
        }
        let region = Region::reserve(size).ok()?;
        // SAFETY: a fresh page-aligned mapping of at least `size` bytes.
        let obj = unsafe { ObjectRef::init(region.start(), info, meta) };
        self.bytes += size;
        self.objects
            .insert(obj.addr(), (region, AtomicBool::new(false)));
        Some(obj)
    }

    /// `true` if `obj` is a large object of this space.
    pub fn contains(&self, obj: ObjectRef) -> bool {
        self.objects.contains_key(&obj.addr())
    }

    /// Marks `obj`; returns `true` if it was unmarked.
    pub fn mark(&mut self, obj: ObjectRef) -> bool {
        match self.objects.get_mut(&obj.addr()) {
            Some((_, marked)) => !std::mem::replace(marked.get_mut(), true),
            None => false,
        }
    }

    /// Marks `obj` from any thread; returns `true` if this call marked it
    /// (exactly one of several racing calls does).
    pub fn mark_shared(&self, obj: ObjectRef) -> bool {
        self.objects
            .get(&obj.addr())
            .is_some_and(|(_, marked)| !marked.swap(true, Ordering::Relaxed))
    }

    /// `true` if `obj` is marked.
    pub fn is_marked(&self, obj: ObjectRef) -> bool {
        self.objects
            .get(&obj.addr())
            .is_some_and(|(_, marked)| marked.load(Ordering::Relaxed))
    }

    /// Clears every mark.
    pub fn clear_marks(&mut self) {
        self.objects
            .values_mut()
            .for_each(|(_, marked)| *marked.get_mut() = false);
    }

    /// Finalises and unmaps every unmarked object (marks stay until
    /// [`LargeObjectSpace::clear_marks`], for the verifier).
    /// Returns the number of objects freed.
    pub fn sweep(&mut self, scratch: &mut Tracer) -> usize {
        let before = self.objects.len();
        self.objects.retain(|&addr, (region, marked)| {
            let live = *marked.get_mut();
            if !live {
                // SAFETY: `addr` is a live, unmarked (unreachable) object,
                // finalised only here, before its mapping goes away.
                unsafe { ObjectRef::from_addr(addr).finalize(scratch) };
                let _ = region;
            }
            live
        });
        self.bytes = self
            .objects
            .keys()
            .map(|&addr| {
                // SAFETY: every remaining key is a live object.
                unsafe { ObjectRef::from_addr(addr).size() }
            })
            .sum();
        before - self.objects.len()
    }

    /// Finalises and unmaps one object (reference counting frees promptly).
    ///
    /// # Safety
    /// - `obj` is an unreachable object of this space, not yet finalised.
    pub unsafe fn free(&mut self, obj: ObjectRef, scratch: &mut Tracer) {
        // SAFETY: forwarded to the caller.
        unsafe {
            self.bytes -= obj.size();
            obj.finalize(scratch);
        }
        self.objects.remove(&obj.addr());
    }

    /// Every object in the space.
    pub fn objects(&self) -> impl Iterator<Item = ObjectRef> + '_ {
        // SAFETY: keys are addresses of live objects.
        self.objects
            .keys()
            .map(|&addr| unsafe { ObjectRef::from_addr(addr) })
    }

    /// Bytes held (headers included).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Objects held.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// `true` if the space holds no object.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

impl Drop for LargeObjectSpace {
    fn drop(&mut self) {
        let mut scratch = Tracer::new();
        for obj in self.objects() {
            // SAFETY: teardown: every object is finalised exactly once here.
            unsafe { obj.finalize(&mut scratch) };
        }
    }
}
