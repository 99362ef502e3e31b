//! The mark phase: an explicit mark stack, so marking depth never touches
//! the Rust stack.

use gc_core::object::ObjectRef;
use gc_core::space::FreeListSpace;
use gc_core::{Slot, Tracer};
use std::collections::VecDeque;

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

    /// Takes the gray objects (for [`mark_parallel`]).
    pub(crate) fn take_gray(&mut self) -> Vec<ObjectRef> {
        std::mem::take(&mut self.gray)
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

/// A gray object handed between marking threads.
struct Gray(ObjectRef);

// SAFETY: an `ObjectRef` is `!Send` because user code must never carry a heap
// pointer to another thread. Here the program is stopped for the whole
// parallel phase (the collector holds `&mut` of the heap), the object stays
// live and unmoved until the phase ends, and other threads only read it:
// its header, and its payload through `Trace`, which rule 6 of the `Trace`
// contract allows on several threads at once.
unsafe impl Send for Gray {}

/// Gray objects a marking thread keeps to itself before it shares one.
const LOCAL_STACK: usize = 64;

/// Marks everything reachable from the (already marked) `gray` objects on
/// `threads` threads with work stealing ([`gc_core::parallel`]). Each thread
/// drains a private stack and moves its oldest entry (in a tree, the largest
/// unvisited subtree) to its shared deque only when that deque is empty or
/// the stack is long, so idle threads always find sizeable work to steal
/// while the common case stays a private push and pop.
pub(crate) fn mark_parallel(space: &FreeListSpace, gray: Vec<ObjectRef>, threads: usize) {
    let marks = space.shared_marks();
    let initial = gray.into_iter().map(Gray).collect();
    let scratch = || (Tracer::new(), VecDeque::with_capacity(LOCAL_STACK));
    gc_core::parallel::run(
        threads,
        initial,
        scratch,
        |(tracer, stack), item, worker| {
            stack.push_back(item.0);
            while let Some(obj) = stack.pop_back() {
                // SAFETY: gray objects are marked, hence reachable and live; the
                // program is stopped, so nothing writes them meanwhile.
                unsafe { obj.trace(tracer) };
                while let Some(slot) = tracer.pop() {
                    // SAFETY: the slot was just reported by a live object's trace.
                    let Some(child) = (unsafe { slot.as_ref() }).get() else {
                        continue;
                    };
                    // SAFETY: `child` came from a live object's field: it is live.
                    if !(marks.mark(child) && unsafe { child.info() }.needs_trace) {
                        continue;
                    }
                    stack.push_back(child);
                }
                if stack.len() > 1 && (worker.is_empty() || stack.len() > LOCAL_STACK) {
                    // The oldest entry: in a tree, the largest unvisited subtree.
                    let oldest = stack.pop_front().expect("more than one entry");
                    worker.push(Gray(oldest));
                }
            }
        },
    );
}
