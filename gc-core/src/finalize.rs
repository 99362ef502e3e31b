//! [`Finalizer`]: runs the destructors of dead objects so that one that
//! panics stops nothing.
//!
//! The rule every backend follows (the [`Collector`](crate::Collector)
//! docs state it for new backends):
//! 1. an object leaves every structure that could finalise it again (alloc
//!    bit, drop list, large-object table, candidate buffer) *before* its
//!    destructor runs;
//! 2. a destructor's panic is caught and kept ([`Finalizer::finalize`]), and
//!    the batch goes on: every other dead object is still finalised;
//! 3. once the operation has finished and its bookkeeping is consistent
//!    again (a whole collection, an allocation's lazy sweep, teardown), the
//!    first panic kept resumes ([`Finalizer::resume`]); later ones are
//!    dropped. The heap catches a panic out of
//!    [`Collector::collect`](crate::Collector::collect) and resumes it once
//!    it has recorded the collection and run the verifier.
//!
//! ```
//! use gc_core::finalize::Finalizer;
//!
//! let mut finalizer = Finalizer::new();
//! assert!(!finalizer.panicked());
//! finalizer.resume(); // nothing kept: returns
//! ```

use crate::object::ObjectRef;
use crate::trace::Tracer;
use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// A panic's payload.
type Payload = Box<dyn Any + Send>;

/// Finalises dead objects one at a time, keeping the first destructor
/// panic for [`Finalizer::resume`]. One per space; reused across
/// collections, so finalising allocates nothing in the steady state.
pub struct Finalizer {
    /// Scratch for [`ObjectRef::finalize`], which nulls an object's `Gc`
    /// fields before its destructor runs.
    tracer: Tracer,
    /// The first destructor panic not yet resumed.
    panic: Option<Payload>,
}

impl Default for Finalizer {
    fn default() -> Finalizer {
        Finalizer {
            // SAFETY: it traces only dead objects (`Finalizer::finalize`'s
            // contract), which no live pointer, and so no lock guard, reaches.
            tracer: unsafe { Tracer::for_collection() },
            panic: None,
        }
    }
}

impl Finalizer {
    /// A finalizer with no panic kept.
    pub fn new() -> Finalizer {
        Finalizer::default()
    }

    /// Finalises `obj` ([`ObjectRef::finalize`]). If its destructor panics,
    /// the panic is kept (the first one only) and this returns normally: the
    /// object counts as finalised, and the caller goes on with the rest of
    /// its batch.
    ///
    /// # Safety
    /// - `obj` is a live object with an initialised payload, unreachable.
    /// - It has left every structure that could finalise it again, and is
    ///   finalised now for the first and only time.
    #[inline]
    pub unsafe fn finalize(&mut self, obj: ObjectRef) {
        // SAFETY: live, per the caller.
        if unsafe { obj.info() }.drop.is_none() {
            return;
        }
        let tracer = &mut self.tracer;
        // SAFETY: the caller's bullets are `ObjectRef::finalize`'s; the
        // tracer is empty (it is emptied again below if `trace` panicked).
        let finalized = catch_unwind(AssertUnwindSafe(|| unsafe { obj.finalize(tracer) }));
        if let Err(payload) = finalized {
            tracer.drain().for_each(drop);
            self.keep(payload);
        }
    }

    #[cold]
    fn keep(&mut self, payload: Payload) {
        if self.panic.is_none() {
            self.panic = Some(payload);
        } else {
            drop_payload(payload);
        }
    }

    /// `true` if a destructor panicked since the last [`Finalizer::resume`].
    pub fn panicked(&self) -> bool {
        self.panic.is_some()
    }

    /// Resumes the first destructor panic kept since the last call, if any.
    /// Call it once the finalised objects' space is consistent again. While
    /// the thread is already unwinding (a heap dropped by a panic), the
    /// panic is dropped instead: a second one would abort the process.
    #[inline]
    pub fn resume(&mut self) {
        if let Some(payload) = self.panic.take() {
            resume_or_drop(payload);
        }
    }
}

#[cold]
fn resume_or_drop(payload: Payload) {
    if std::thread::panicking() {
        drop_payload(payload);
    } else {
        RESUMED.set(true);
        resume_unwind(payload);
    }
}

std::thread_local! {
    /// Set when [`Finalizer::resume`] resumes a destructor's panic: the
    /// heap then knows the panic out of a collection came after the
    /// collection completed, not from a `trace` halfway through it.
    static RESUMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `true` if a destructor's panic was resumed on this thread since the
/// last call ([`Finalizer::resume`]); clears the mark.
pub(crate) fn take_resumed() -> bool {
    RESUMED.replace(false)
}

/// Drops a panic's payload, whose own destructor might panic too (that
/// second payload is leaked rather than dropped).
fn drop_payload(payload: Payload) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}
