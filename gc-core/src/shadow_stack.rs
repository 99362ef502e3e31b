//! The shadow stack: the heap's precise root set, kept as a stack of slots
//! split into named frames, one frame per [`Scope`](crate::Scope).
//!
//! ```text
//!  slots:  [ a | b | c | d | e ]      each slot: Cell<Option<ObjectRef>>
//!  frames:   ^main     ^parse          frame = (name, index of its first slot)
//! ```
//!
//! Pushing a root is a `Vec` push; leaving a scope truncates to its base.
//! Collectors see the slots as `&[Slot]` and may rewrite them.

use crate::object::ObjectRef;
use crate::trace::Slot;
use std::cell::UnsafeCell;
use std::fmt;

/// One named frame.
#[derive(Debug, Clone, Copy)]
struct Frame {
    name: &'static str,
    base: usize,
}

/// The root slots of one heap, pushed by scopes.
///
/// Slots live in an `UnsafeCell` so that rooting a value (a push) needs only
/// `&self`: reading a field and rooting it never collects, so it may happen
/// while `&T`s borrowed from the scope are alive.
#[derive(Default)]
pub(crate) struct ShadowStack {
    /// Invariant: every slot holds `Some`. No reference into this vector
    /// escapes a method, so pushing through `&self` cannot invalidate one.
    slots: UnsafeCell<Vec<Slot>>,
    frames: Vec<Frame>,
}

impl ShadowStack {
    /// Roots `obj` in the current frame, returning its slot index.
    #[inline(always)]
    pub(crate) fn push(&self, obj: ObjectRef) -> usize {
        // SAFETY: the heap is !Sync and no reference into `slots` outlives a
        // method call, so this is the only access right now.
        let slots = unsafe { &mut *self.slots.get() };
        slots.push(Slot::new(Some(obj)));
        slots.len() - 1
    }

    /// The object in slot `index`.
    #[inline(always)]
    pub(crate) fn get(&self, index: usize) -> ObjectRef {
        // SAFETY: as in `push`; the reference ends within this call.
        let slots = unsafe { &*self.slots.get() };
        match slots[index].get() {
            Some(obj) => obj,
            None => unreachable!("shadow-stack slot {index} is empty"),
        }
    }

    /// Re-points slot `index` at `obj`.
    #[inline(always)]
    pub(crate) fn set(&self, index: usize, obj: ObjectRef) {
        // SAFETY: as in `push`; the reference ends within this call.
        let slots = unsafe { &*self.slots.get() };
        slots[index].set(Some(obj));
    }

    /// All slots, for a collection.
    pub(crate) fn slots(&mut self) -> &[Slot] {
        self.slots.get_mut()
    }

    pub(crate) fn len(&self) -> usize {
        // SAFETY: as in `push`; the reference ends within this call.
        unsafe { &*self.slots.get() }.len()
    }

    /// Opens a frame; returns its depth for [`ShadowStack::pop_frame`].
    pub(crate) fn push_frame(&mut self, name: &'static str) -> usize {
        let base = self.len();
        self.frames.push(Frame { name, base });
        self.frames.len()
    }

    /// Closes frames down to (and including) the one at `depth`, dropping their slots.
    pub(crate) fn pop_frame(&mut self, depth: usize) {
        let base = self.frames[depth - 1].base;
        self.frames.truncate(depth - 1);
        self.slots.get_mut().truncate(base);
    }
}

/// Prints the shadow stack like a backtrace, innermost frame first.
impl fmt::Display for ShadowStack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: as in `push`; the reference ends within this call.
        let slots = unsafe { &*self.slots.get() };
        let mut end = slots.len();
        for (depth, frame) in self.frames.iter().enumerate().rev() {
            writeln!(f, "#{depth} {} ({} roots)", frame.name, end - frame.base)?;
            for (i, slot) in slots[frame.base..end].iter().enumerate() {
                if let Some(obj) = slot.get() {
                    // SAFETY: every root refers to a live object.
                    let name = unsafe { obj.info() }.name();
                    writeln!(f, "    [{}] {name} @ {:#x}", frame.base + i, obj.addr())?;
                }
            }
            end = frame.base;
        }
        Ok(())
    }
}
