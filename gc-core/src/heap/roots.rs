//! Every root a collector sees: the shadow stack (a stack of slots split
//! into named frames, one frame per [`Scope`](crate::Scope)) and the
//! persistent roots ([`model::Persistent`](crate::model::Persistent)), which
//! a collection pushes on top of the stack for its duration.
//!
//! ```text
//!  slots:  [ a | b | c | d | e ]      each slot: Cell<Option<ObjectRef>>
//!  frames:   ^main     ^parse          frame = (name, index of its first slot)
//! ```
//!
//! Pushing a root writes the next slot (growing the vector is a cold path);
//! leaving a scope truncates to its base. A frame is stored in its `Scope`,
//! on the Rust stack, linked to the enclosing scope's frame: opening a scope
//! writes a few words to the Rust stack and touches no heap memory.
//! Collectors see the slots as `&[Slot]` and may rewrite them.

use crate::object::ObjectRef;
use crate::trace::Slot;
use std::cell::UnsafeCell;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One named frame, owned by its scope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame<'a> {
    pub(crate) name: &'static str,
    /// Index of the frame's first slot.
    pub(crate) base: usize,
    /// The enclosing scope's frame; `None` for a heap's outermost scope.
    pub(crate) parent: Option<&'a Frame<'a>>,
}

/// The roots of one heap: slots pushed by scopes, and persistent slots.
///
/// Slots live in an `UnsafeCell` so that rooting a value (a push) needs only
/// `&self`: reading a field and rooting it never collects, so it may happen
/// while `&T`s borrowed from the scope are alive.
#[derive(Default)]
pub(crate) struct Roots {
    /// Invariants: every slot holds `Some`; the capacity is at most
    /// `u32::MAX` (see [`grow`]), so every index fits a [`Root`](crate::Root). No reference
    /// into this vector escapes a method, so pushing through `&self` cannot
    /// invalidate one.
    slots: UnsafeCell<Vec<Slot>>,
    /// Persistent roots; a slot whose handles are all dropped is pruned at
    /// the next collection.
    persistent: Vec<Arc<PersistentSlot>>,
}

impl Roots {
    /// Roots `obj` in the current frame, returning its slot index.
    #[inline(always)]
    pub(crate) fn push(&self, obj: ObjectRef) -> u32 {
        // SAFETY: the heap is !Sync and no reference into `slots` outlives a
        // method call, so this is the only access right now.
        let slots = unsafe { &mut *self.slots.get() };
        let len = slots.len();
        if len == slots.capacity() {
            grow(slots);
        }
        // SAFETY: `len` is below the capacity (`grow` made room), so the
        // write is in bounds and the new length covers initialised slots.
        unsafe {
            slots.as_mut_ptr().add(len).write(Slot::new(Some(obj)));
            slots.set_len(len + 1);
        }
        // Lossless: `len` is below the capacity, at most `u32::MAX` (`grow`).
        len as u32
    }

    /// The object in slot `index`.
    #[inline(always)]
    pub(crate) fn get(&self, index: u32) -> ObjectRef {
        // SAFETY: the heap is !Sync and no reference into `slots` outlives
        // a method call (this one ends within it), so no `&mut` exists now.
        let slots = unsafe { &*self.slots.get() };
        match slots[index as usize].get() {
            Some(obj) => obj,
            None => unreachable!("shadow-stack slot {index} is empty"),
        }
    }

    /// Re-points slot `index` at `obj`.
    #[inline(always)]
    pub(crate) fn set(&self, index: u32, obj: ObjectRef) {
        // SAFETY: the heap is !Sync and no reference into `slots` outlives
        // a method call (this one ends within it), so no `&mut` exists now.
        let slots = unsafe { &*self.slots.get() };
        slots[index as usize].set(Some(obj));
    }

    /// All slots, for a collection.
    pub(crate) fn slots(&mut self) -> &[Slot] {
        self.slots.get_mut()
    }

    /// Number of slots: the base of a frame opened now.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        // SAFETY: the heap is !Sync and no reference into `slots` outlives
        // a method call (this one ends within it), so no `&mut` exists now.
        unsafe { &*self.slots.get() }.len()
    }

    /// Adds a persistent root for `obj`.
    pub(crate) fn add_persistent(&mut self, obj: ObjectRef) -> Arc<PersistentSlot> {
        let slot = Arc::new(PersistentSlot::new(obj));
        self.persistent.push(Arc::clone(&slot));
        slot
    }

    /// The objects the persistent roots with a handle left refer to now,
    /// with their positions.
    pub(crate) fn persistent(&self) -> Vec<(u32, ObjectRef)> {
        self.persistent
            .iter()
            .enumerate()
            .filter(|(_, slot)| Arc::strong_count(slot) > 1) // a handle is left
            .filter_map(|(i, slot)| slot.get().map(|obj| (i as u32, obj)))
            .collect()
    }

    /// Pushes the persistent roots (after pruning those whose handles are
    /// all gone) on top of the stack for a collection; returns where they start.
    pub(crate) fn push_persistent(&mut self) -> usize {
        // A count of 1 is the heap's own: no handle is left to clone it.
        self.persistent.retain(|slot| Arc::strong_count(slot) > 1);
        let base = self.len();
        for slot in &self.persistent {
            let obj = slot.get();
            self.push(obj.expect("a persistent root always refers to an object"));
        }
        base
    }

    /// Copies the slots from `base` on (rewritten by the collection) back
    /// into the persistent roots they came from, and drops them.
    pub(crate) fn pop_persistent(&mut self, base: usize) {
        let slots = self.slots.get_mut();
        for (root, slot) in self.persistent.iter().zip(&slots[base..]) {
            root.set(slot.get());
        }
        slots.truncate(base);
    }

    /// Empties every persistent root and forgets them, when the heap is
    /// dropped: a handle that outlives its heap then refers to nothing.
    pub(crate) fn drop_persistent(&mut self) {
        for slot in self.persistent.drain(..) {
            slot.set(None);
        }
    }

    /// Drops the slots from `base` on, when the frame that starts there closes.
    #[inline(always)]
    pub(crate) fn truncate(&mut self, base: usize) {
        self.slots.get_mut().truncate(base);
    }

    /// The slots printed like a backtrace, from `innermost` out.
    pub(crate) fn backtrace(&self, innermost: &Frame<'_>) -> String {
        let frames = std::iter::successors(Some(innermost), |frame| frame.parent);
        let depth = frames.clone().count();
        // SAFETY: the heap is !Sync and no reference into `slots` outlives
        // a method call (this one ends within it), so no `&mut` exists now.
        let slots = unsafe { &*self.slots.get() };
        let mut out = String::new();
        let mut end = slots.len();
        for (depth, frame) in (0..depth).rev().zip(frames) {
            let _ = writeln!(out, "#{depth} {} ({} roots)", frame.name, end - frame.base);
            for (i, slot) in slots[frame.base..end].iter().enumerate() {
                if let Some(obj) = slot.get() {
                    // SAFETY: every root refers to a live object.
                    let name = unsafe { obj.info() }.name();
                    let _ = writeln!(out, "    [{}] {name} @ {:#x}", frame.base + i, obj.addr());
                }
            }
            end = frame.base;
        }
        out
    }
}

/// Most slots a shadow stack holds. Doubling from below it keeps the
/// capacity under `u32::MAX`, so every index fits a [`Root`](crate::Root).
const MAX_SLOTS: usize = 1 << 30;

/// Makes room for more slots (doubling the capacity).
///
/// # Panics
/// If the shadow stack already holds [`MAX_SLOTS`]; the vector is then
/// unchanged, so its capacity stays within `u32::MAX`.
#[cold]
#[inline(never)]
fn grow(slots: &mut Vec<Slot>) {
    assert!(
        slots.len() < MAX_SLOTS,
        "the shadow stack exceeds {MAX_SLOTS} roots"
    );
    slots.reserve_exact(slots.len().max(64));
    debug_assert!(slots.capacity() <= u32::MAX as usize);
}

/// A persistent root's slot: the object's address, 0 once the heap is
/// dropped. It is read and written only by whoever holds the heap (in a
/// region, a collection, the heap's drop); atomic, and shared through an
/// `Arc`, so that handles of a sendable heap may be cloned and dropped on
/// another thread.
pub(crate) struct PersistentSlot(AtomicUsize);

impl PersistentSlot {
    pub(crate) fn new(obj: ObjectRef) -> PersistentSlot {
        PersistentSlot(AtomicUsize::new(obj.addr()))
    }

    /// The object, or `None` once the heap is gone.
    pub(crate) fn get(&self) -> Option<ObjectRef> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            // SAFETY: a non-zero value is an object start stored by `new`
            // or `set`, kept alive and up to date by the heap (it empties
            // the slot when it is dropped).
            addr => Some(unsafe { ObjectRef::from_addr(addr) }),
        }
    }

    pub(crate) fn set(&self, obj: Option<ObjectRef>) {
        self.0
            .store(obj.map_or(0, ObjectRef::addr), Ordering::Relaxed);
    }
}
