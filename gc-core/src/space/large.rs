//! The large-object space: objects bigger than [`LARGE_OBJECT_THRESHOLD`] get
//! a mapping of their own and never move.

use crate::finalize::Finalizer;
use crate::object::{ObjectRef, TypeInfo};
use crate::os::Region;
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
    /// Allocates a large object of `size` bytes with a header of `info` and
    /// backend word `meta`, or `None` if it would take the space past
    /// `limit` bytes in total.
    ///
    /// # Safety
    /// - `size` is the object's size, as for
    ///   [`Collector::alloc`](crate::Collector::alloc).
    /// - The caller initialises the payload with a valid value of `info`'s
    ///   type before it calls any other method of the space or drops it.
    pub unsafe fn alloc(
        &mut self,
        info: &'static TypeInfo,
        size: usize,
        meta: usize,
        limit: usize,
    ) -> Option<ObjectRef> {
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
        self.contains_addr(obj.addr())
    }

    /// `true` if a large object of this space starts at `addr` (any
    /// address, 0 included).
    pub fn contains_addr(&self, addr: usize) -> bool {
        self.objects.contains_key(&addr)
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
    /// [`LargeObjectSpace::clear_marks`], for the verifier). Each object
    /// leaves the table before its destructor runs; a destructor's panic is
    /// kept in `finalizer` for the caller to resume. Returns the number of
    /// objects freed.
    ///
    /// # Safety
    /// - Every large object still reachable is marked.
    pub unsafe fn sweep(&mut self, finalizer: &mut Finalizer) -> usize {
        let mut freed = 0;
        for (addr, (region, _)) in self.objects.extract_if(|_, (_, marked)| !*marked.get_mut()) {
            // SAFETY: a live object (its mapping is `region`, still mapped).
            let obj = unsafe { ObjectRef::from_addr(addr) };
            // SAFETY: its header is intact.
            self.bytes -= unsafe { obj.size() };
            // SAFETY: unmarked, so unreachable (caller); out of the table
            // just now, so finalised only here; unmapped only afterwards.
            unsafe { finalizer.finalize(obj) };
            drop(region);
            freed += 1;
        }
        freed
    }

    /// Finalises and unmaps one object (reference counting frees promptly);
    /// a destructor's panic is kept in `finalizer`.
    ///
    /// # Safety
    /// - `obj` is an unreachable object of this space, not yet finalised.
    pub unsafe fn free(&mut self, obj: ObjectRef, finalizer: &mut Finalizer) {
        let Some((region, _)) = self.objects.remove(&obj.addr()) else {
            return;
        };
        // SAFETY: an object of this space (caller), still mapped by `region`.
        self.bytes -= unsafe { obj.size() };
        // SAFETY: unreachable and not finalised yet (caller), and out of the
        // table, so nothing finalises it again; unmapped only afterwards.
        unsafe { finalizer.finalize(obj) };
        drop(region);
    }

    /// Finalises and unmaps every object: teardown. Destructor panics are
    /// kept in `finalizer`.
    ///
    /// # Safety
    /// - No object of the space is used again.
    pub unsafe fn free_all(&mut self, finalizer: &mut Finalizer) {
        self.bytes = 0;
        for (addr, (region, _)) in self.objects.drain() {
            // SAFETY: a key is the address of a live object, mapped by
            // `region`, out of the table now and never used again (caller).
            unsafe { finalizer.finalize(ObjectRef::from_addr(addr)) };
            drop(region);
        }
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
    /// Teardown: finalises every object left (the spaces that embed one
    /// empty it first, to resume a destructor panic once for all their
    /// objects), then resumes the first destructor panic.
    fn drop(&mut self) {
        let mut finalizer = Finalizer::new();
        // SAFETY: the space is going away; nothing uses its objects again.
        unsafe { self.free_all(&mut finalizer) };
        finalizer.resume();
    }
}
