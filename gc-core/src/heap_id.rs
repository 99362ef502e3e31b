//! Heap ids. Heaps are told apart at run time: a [`Root`](crate::Root)
//! carries its heap's id, and every use checks it. An id is unique among
//! the heaps alive at the same time: a dropped heap's id is handed out
//! again, so 32 bits never run out. (Reuse is safe: a root cannot outlive
//! the scope that made it, and a scope borrows its heap, so no root of a
//! dropped heap exists.)

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

/// Hands out ids no live heap has.
struct HeapIds {
    /// The smallest id never handed out.
    next: AtomicU32,
    /// Ids of dropped heaps, to hand out again.
    free: Mutex<Vec<u32>>,
}

impl HeapIds {
    const fn starting_at(first: u32) -> HeapIds {
        HeapIds {
            next: AtomicU32::new(first),
            free: Mutex::new(Vec::new()),
        }
    }

    /// An id that no live heap has.
    ///
    /// # Panics
    /// If `u32::MAX - 1` heaps are alive at once (each reserves at least a
    /// megabyte of address space, so that many cannot be).
    fn take(&self) -> u32 {
        if let Some(id) = self.free().pop() {
            return id;
        }
        self.next
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |id| id.checked_add(1))
            .expect("more than u32::MAX - 1 heaps are alive at once")
    }

    fn give_back(&self, id: u32) {
        self.free().push(id);
    }

    fn free(&self) -> std::sync::MutexGuard<'_, Vec<u32>> {
        // A panic while the lock was held left the vector intact.
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

static HEAP_IDS: HeapIds = HeapIds::starting_at(1);

/// A live heap's id; dropping it hands the id back for reuse.
pub(crate) struct HeapId(u32);

impl HeapId {
    /// An id no other live heap has.
    pub(crate) fn take() -> HeapId {
        HeapId(HEAP_IDS.take())
    }

    pub(crate) fn get(&self) -> u32 {
        self.0
    }
}

impl Drop for HeapId {
    fn drop(&mut self) {
        HEAP_IDS.give_back(self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::HeapIds;

    /// Past the last 32-bit id, ids of dropped heaps are reused and a live
    /// heap's never is; with none free, taking one fails loudly. (The
    /// counter this replaced wrapped: after 2^32 heaps, two live ones could
    /// share an id, and a root of one was accepted by the other.)
    #[test]
    fn ids_never_repeat_among_live_heaps() {
        let ids = HeapIds::starting_at(u32::MAX - 2);
        let (a, b) = (ids.take(), ids.take());
        assert_eq!((a, b), (u32::MAX - 2, u32::MAX - 1));
        ids.give_back(a);
        assert_eq!(ids.take(), a, "a dropped heap's id");
        let exhausted = std::panic::catch_unwind(|| ids.take());
        assert!(exhausted.is_err(), "no id is free: no wrap to 0 or 1");
        ids.give_back(b);
        assert_eq!(ids.take(), b);
    }
}
