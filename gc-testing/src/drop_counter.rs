//! Counting destructor runs, to check that each object is dropped exactly once.

use gc_core::{HeapSend, NoGc, Rebrand, Trace, Tracer};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A shared tally of drops, by object id. `Send`, so that counters can
/// live in sendable heaps (`thread_checks`).
#[derive(Clone, Default)]
pub struct Drops(Arc<Mutex<Vec<u32>>>);

impl Drops {
    /// A counter for the object with id `id`.
    pub fn counter(&self, id: u32) -> DropCounter {
        DropCounter {
            id,
            drops: self.clone(),
        }
    }

    /// The tally (a destructor that panicked left it intact).
    fn ids(&self) -> MutexGuard<'_, Vec<u32>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many times object `id` was dropped.
    pub fn count(&self, id: u32) -> usize {
        self.ids().iter().filter(|&&d| d == id).count()
    }

    /// Total drops recorded.
    pub fn total(&self) -> usize {
        self.ids().len()
    }

    /// Panics if any id was dropped more than once.
    pub fn assert_no_double_drop(&self) {
        let mut ids = self.ids().clone();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            panic!("object {} was dropped more than once", w[0]);
        }
    }
}

/// A heap field that records its object's id in [`Drops`] when dropped.
/// It is [`HeapSend`](gc_core::HeapSend).
pub struct DropCounter {
    /// The object's id.
    pub id: u32,
    drops: Drops,
}

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.drops.ids().push(self.id);
    }
}

// SAFETY: owns no `Gc` (rules 1 and 5); an empty trace is complete.
unsafe impl Trace for DropCounter {
    const NEEDS_TRACE: bool = false;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, _: &mut Tracer) {}
}
// SAFETY: owns no `Gc`.
unsafe impl NoGc for DropCounter {}
// SAFETY: no brand: its own rebranding.
unsafe impl<'a> Rebrand<'a> for DropCounter {
    type Output = DropCounter;
}
// SAFETY: an id and an `Arc<Mutex<_>>`: `Send` (checked below), no heap
// pointer, so it may move between threads with its heap.
unsafe impl HeapSend for DropCounter {}
const _: () = {
    fn is_send<T: Send>() {}
    let _ = is_send::<DropCounter>;
};
