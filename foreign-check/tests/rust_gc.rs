//! Corpus bug classes probed in `gc` 0.5.1, rust-gc (see
//! `docs/HARNESS_ADAPTERS.md`). Each test asserts what the current release
//! does.

use gc::{
    custom_trace, finalizer_safe, force_collect, unsafe_empty_trace, Finalize, Gc, GcCell, Trace,
};
use gc_testing::{DropCounter, Drops};
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a member does when finalized or dropped.
#[derive(Clone, Copy, PartialEq)]
enum Hook {
    Nothing,
    /// Its finalizer reads its neighbour.
    ReadNext,
    /// Its finalizer stores its neighbour in `STASH`, once.
    Resurrect,
    /// Its destructor clones its neighbour's `Gc`.
    CloneInDrop,
}

thread_local! {
    static STASH: RefCell<Option<Gc<Member>>> = const { RefCell::new(None) };
}

struct Member {
    id: u32,
    next: GcCell<Option<Gc<Member>>>,
    next_id: u32,
    hook: Hook,
    done: Cell<bool>,
    drops: Drops,
    /// What finalizers saw: (neighbour, neighbour already dropped).
    seen: std::rc::Rc<RefCell<Vec<(u32, bool)>>>,
    _counter: DropCounter,
}

// SAFETY: marks its one `Gc` field. (`custom_trace!` calls the unsafe
// `mark` in the unsafe trace methods it writes, without a block.)
#[allow(unsafe_op_in_unsafe_fn)]
unsafe impl Trace for Member {
    custom_trace!(this, mark(&this.next));
}

impl Finalize for Member {
    fn finalize(&self) {
        match self.hook {
            Hook::ReadNext => {
                let next = self.next.borrow();
                let read = next.as_ref().map(|n| n.id);
                let dropped = self.drops.count(self.next_id) > 0;
                assert_eq!(read, Some(self.next_id));
                self.seen.borrow_mut().push((self.next_id, dropped));
            }
            Hook::Resurrect if !self.done.replace(true) => {
                STASH.with(|s| *s.borrow_mut() = self.next.borrow().clone());
            }
            _ => {}
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if self.hook == Hook::CloneInDrop {
            let _clone = self.next.borrow().clone();
        }
    }
}

#[derive(Default)]
struct World {
    drops: Drops,
    seen: std::rc::Rc<RefCell<Vec<(u32, bool)>>>,
}

impl World {
    fn member(&self, id: u32, next_id: u32, hook: Hook) -> Gc<Member> {
        Gc::new(Member {
            id,
            next: GcCell::new(None),
            next_id,
            hook,
            done: Cell::new(false),
            drops: self.drops.clone(),
            seen: self.seen.clone(),
            _counter: self.drops.counter(id),
        })
    }

    /// Two members in a cycle; the caller drops the handle returned to
    /// make it garbage (allocation may collect: rust-gc's first threshold
    /// is 100 bytes).
    fn cycle(&self, ids: (u32, u32), hooks: (Hook, Hook)) -> Gc<Member> {
        let a = self.member(ids.0, ids.1, hooks.0);
        let b = self.member(ids.1, ids.0, hooks.1);
        *a.next.borrow_mut() = Some(b.clone());
        *b.next.borrow_mut() = Some(a.clone());
        a
    }
}

/// bacon_rajan_cc #6 / #40's class, in rust-gc: holds. Every finalizer of
/// a garbage cycle runs before any member is dropped, and reads its
/// neighbour intact; destructors cannot read it (below).
#[test]
fn cycle_member_finalizers_read_intact_members() {
    let world = World::default();
    drop(world.cycle((0, 1), (Hook::ReadNext, Hook::ReadNext)));
    force_collect();
    assert_eq!(world.drops.total(), 2);
    let mut seen = world.seen.borrow().clone();
    seen.sort_unstable();
    assert_eq!(seen, [(0, false), (1, false)]);
}

/// KNOWN FAILURE (present in gc 0.5.1), rust-gc #124's class: a
/// finalizer resurrects a dead object, which is freed anyway. #0's
/// finalizer stores a clone of its neighbour #1's `Gc` in a thread-local
/// (safe code: `finalize` may read and clone `Gc`s). The collection marks
/// again after the finalizers ran, but that second mark also clears the
/// marks it set, and the sweep frees every object of the first list: both
/// members are dropped while the thread-local still roots #1. The
/// dangling `Gc` is leaked, never read.
#[test]
fn known_failure_an_object_a_finalizer_resurrects_is_freed_anyway() {
    let world = World::default();
    drop(world.cycle((0, 1), (Hook::Resurrect, Hook::Nothing)));
    force_collect();
    let stashed = STASH.with(|s| s.borrow_mut().take());
    assert!(stashed.is_some(), "the finalizer did not run");
    std::mem::forget(stashed);
    assert_eq!(
        (world.drops.count(0), world.drops.count(1)),
        (1, 1),
        "fixed upstream? then this test flips: update docs/HARNESS_ADAPTERS.md"
    );
}

/// rust-gc #36's class: a destructor run by the sweep clones a `Gc` to a
/// member being freed. Holds: the clone panics (`finalizer_safe()` is
/// false during the sweep) instead of reviving freed memory; the panic
/// leaves the heap usable, and a later collection frees what was left,
/// each object once.
#[test]
fn cloning_a_gc_in_a_destructor_during_the_sweep_panics_and_nothing_leaks() {
    let world = World::default();
    let first = world.cycle((0, 1), (Hook::CloneInDrop, Hook::Nothing));
    let second = world.cycle((2, 3), (Hook::Nothing, Hook::Nothing));
    drop((first, second));
    let swept = catch_unwind(AssertUnwindSafe(force_collect));
    assert!(swept.is_err(), "the clone in the destructor did not panic");
    assert!(finalizer_safe(), "the sweep's guard survived the panic");
    force_collect();
    world.drops.assert_no_double_drop();
    assert_eq!(world.drops.total(), 4);
}

/// gc-arena's header-padding class: a value aligned above the header
/// sits at an aligned address, intact across collections.
#[test]
fn an_over_aligned_value_is_aligned_and_intact() {
    #[repr(align(128))]
    struct Aligned([u8; 128]);
    impl Finalize for Aligned {}
    // SAFETY: owns no `Gc`.
    unsafe impl Trace for Aligned {
        unsafe_empty_trace!();
    }
    let values: Vec<Gc<Aligned>> = (0..16).map(|i| Gc::new(Aligned([i; 128]))).collect();
    force_collect();
    for (i, v) in values.iter().enumerate() {
        assert_eq!(&**v as *const Aligned as usize % 128, 0);
        assert!(v.0.iter().all(|&b| b == i as u8));
    }
}
