//! [`WriteLog`]: the shared half of the object model's coalescing
//! object-logging write barrier (Levanoni and Petrank; LXR, PLDI 2022).
//!
//! ```text
//!  first write to X after a collection     later writes to X
//!  ─────────────────────────────────────   ──────────────────
//!  backend: X logged?  no -> log(X):       backend: X logged? yes -> done
//!    logged += X, old += X's references
//!    set X's logged bit
//!
//!  at the next collection (`WriteLog::replay`):
//!    for X in born ∪ logged: X's references now   -> `now`   (counted)
//!    for R in old:           the references then  -> `then`  (uncounted)
//!    X's logged bit cleared                       -> `unlog`
//! ```
//!
//! The backend keeps the logged bit in its own header word (so a backend
//! that needs none pays nothing) and calls into this type on a miss. Only
//! object-model pointers ([`model::Gc`](crate::model::Gc)) are logged: the
//! handle API's fields are counted by `Collector::write_barrier` at each
//! store, so an object reached through both APIs is counted once.

use crate::object::ObjectRef;
use crate::trace::Tracer;

/// Objects written, or born, since the last collection, and the references
/// the written ones held before their first write.
pub struct WriteLog {
    /// Objects written since the last collection (each once).
    logged: Vec<ObjectRef>,
    /// Objects allocated by a mutation region since the last collection,
    /// with references in place; implicitly logged with no old references.
    born: Vec<ObjectRef>,
    /// The references the logged objects held when first written.
    old: Vec<ObjectRef>,
    tracer: Tracer,
}

impl Default for WriteLog {
    fn default() -> Self {
        WriteLog {
            logged: Vec::new(),
            born: Vec::new(),
            old: Vec::new(),
            tracer: Tracer::model_only(),
        }
    }
}

impl WriteLog {
    /// Records `obj`'s current references, on its first write since the
    /// last collection (the caller has just set its logged bit).
    ///
    /// # Safety
    /// - `obj` is live and its payload initialised.
    #[cold]
    pub unsafe fn log(&mut self, obj: ObjectRef) {
        self.logged.push(obj);
        // SAFETY: forwarded to the caller.
        unsafe { obj.trace(&mut self.tracer) };
        while let Some(slot) = self.tracer.pop() {
            // SAFETY: reported just now by `obj`'s trace; `obj` is live.
            if let Some(target) = unsafe { slot.as_ref() }.get() {
                self.old.push(target);
            }
        }
    }

    /// Records a new object whose references are in place.
    pub fn born(&mut self, obj: ObjectRef) {
        self.born.push(obj);
    }

    /// `true` if nothing was logged or born since the last replay.
    pub fn is_empty(&self) -> bool {
        self.logged.is_empty() && self.born.is_empty()
    }

    /// Replays the log at a collection and empties it: `now(holder, target)`
    /// for every reference the logged and born objects hold now (all of
    /// them first),
    /// then `then` for every reference the logged objects held before
    /// their first write, and `unlog` for every logged or born object.
    ///
    /// # Safety
    /// - Every logged and born object is still allocated with its payload
    ///   initialised (nothing may free an object between its log and the
    ///   replay), and `now`, `then` and `unlog` free nothing.
    pub unsafe fn replay(
        &mut self,
        mut now: impl FnMut(ObjectRef, ObjectRef),
        mut then: impl FnMut(ObjectRef),
        mut unlog: impl FnMut(ObjectRef),
    ) {
        for obj in self.born.drain(..).chain(self.logged.drain(..)) {
            // SAFETY: allocated and initialised, per the caller.
            unsafe { obj.trace(&mut self.tracer) };
            while let Some(slot) = self.tracer.pop() {
                // SAFETY: reported just now by the trace of `obj`, which
                // `now` does not free.
                if let Some(target) = unsafe { slot.as_ref() }.get() {
                    now(obj, target);
                }
            }
            unlog(obj);
        }
        self.old.drain(..).for_each(&mut then);
    }
}
