//! Corpus bug classes probed in `dumpster` 2.1's `unsync` collector (see
//! `docs/HARNESS_ADAPTERS.md`). Each test asserts what the current release
//! does.

use dumpster::unsync::{collect, Gc};
use dumpster::{TraceWith, Visitor};
use gc_testing::{DropCounter, Drops};
use std::cell::RefCell;

/// What a destructor does: nothing, look at its neighbour, build a
/// garbage cycle, or collect.
#[derive(Clone, Copy, PartialEq)]
enum OnDrop {
    Nothing,
    ReadNext,
    MakeCycle,
    Collect,
}

struct Member {
    next: RefCell<Option<Gc<Member>>>,
    next_id: u32,
    on_drop: OnDrop,
    drops: Drops,
    /// Neighbours a destructor could read after their destructor ran.
    stale: std::rc::Rc<RefCell<Vec<u32>>>,
    /// Destructors that looked at their neighbour: (id, readable).
    looked: std::rc::Rc<RefCell<Vec<(u32, bool)>>>,
    _counter: DropCounter,
}

// SAFETY: visits its one `Gc` field.
unsafe impl<V: Visitor> TraceWith<V> for Member {
    fn accept(&self, visitor: &mut V) -> Result<(), ()> {
        self.next.accept(visitor)
    }
}

impl Member {
    fn new(id: u32, next_id: u32, on_drop: OnDrop, world: &World) -> Gc<Member> {
        Gc::new(Member {
            next: RefCell::new(None),
            next_id,
            on_drop,
            drops: world.drops.clone(),
            stale: world.stale.clone(),
            looked: world.looked.clone(),
            _counter: world.drops.counter(id),
        })
    }
}

#[derive(Default, Clone)]
struct World {
    drops: Drops,
    stale: std::rc::Rc<RefCell<Vec<u32>>>,
    looked: std::rc::Rc<RefCell<Vec<(u32, bool)>>>,
}

impl World {
    /// Two members in a cycle, no handle left: garbage for `collect()`.
    fn cycle(&self, ids: (u32, u32), on_drop: OnDrop) {
        let a = Member::new(ids.0, ids.1, on_drop, self);
        let b = Member::new(ids.1, ids.0, on_drop, self);
        *a.next.borrow_mut() = Some(b.clone());
        *b.next.borrow_mut() = Some(a.clone());
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        match self.on_drop {
            OnDrop::Nothing => {}
            OnDrop::ReadNext => {
                let next = self.next.borrow();
                // `try_deref` is dumpster's safe read in a destructor: a
                // dead neighbour reads as `None`.
                let readable = next.as_ref().and_then(Gc::try_deref).is_some();
                if readable && self.drops.count(self.next_id) > 0 {
                    self.stale.borrow_mut().push(self.next_id);
                }
                self.looked.borrow_mut().push((self.next_id, readable));
            }
            OnDrop::MakeCycle => {
                let world = World {
                    drops: self.drops.clone(),
                    stale: self.stale.clone(),
                    looked: self.looked.clone(),
                };
                world.cycle((10, 11), OnDrop::Nothing);
            }
            OnDrop::Collect => collect(),
        }
    }
}

/// bacon_rajan_cc #6 / #40's class, in dumpster: holds. A destructor of a
/// garbage-cycle member that reads its neighbour through
/// `Gc::try_deref` gets `None` once the neighbour is dead, never a
/// dropped value (dumpster nulls the pointers into the garbage it frees).
#[test]
fn a_cycle_member_destructor_never_reads_a_dropped_member() {
    let world = World::default();
    world.cycle((0, 1), OnDrop::ReadNext);
    collect();
    assert_eq!((world.drops.count(0), world.drops.count(1)), (1, 1));
    assert!(
        world.stale.borrow().is_empty(),
        "{:?}",
        world.stale.borrow()
    );
    // Both destructors looked (in the order of a hash map's drain);
    // dumpster had made both neighbours dead.
    let mut looked = world.looked.borrow().clone();
    looked.sort_unstable();
    assert_eq!(looked, [(0, false), (1, false)]);
}

/// dumpster #48 / #50's class (fixed for `sync` by #50): a destructor run
/// by a collection builds a new garbage cycle. Holds in `unsync`: the
/// next collection frees it.
#[test]
fn a_cycle_built_in_a_destructor_is_freed_by_the_next_collection() {
    let world = World::default();
    world.cycle((0, 1), OnDrop::MakeCycle);
    collect();
    assert_eq!((world.drops.count(0), world.drops.count(1)), (1, 1));
    collect();
    assert_eq!(
        (world.drops.count(10), world.drops.count(11)),
        (2, 2),
        "each of the two destructors built a cycle of #10 and #11"
    );
}

/// The corpus' re-entrant collection: a destructor run by a collection
/// calls `collect()`. Holds: the inner call returns at once, and every
/// member is dropped exactly once.
#[test]
fn a_collection_entered_from_a_destructor_is_refused() {
    let world = World::default();
    world.cycle((0, 1), OnDrop::Collect);
    world.cycle((2, 3), OnDrop::Nothing);
    collect();
    world.drops.assert_no_double_drop();
    assert_eq!(world.drops.total(), 4);
}

/// gc-arena's header-padding class: a value aligned above the header
/// sits at an aligned address, intact across collections.
#[test]
fn an_over_aligned_value_is_aligned_and_intact() {
    #[repr(align(128))]
    struct Aligned([u8; 128]);
    // SAFETY: owns no `Gc`.
    unsafe impl<V: Visitor> TraceWith<V> for Aligned {
        fn accept(&self, _: &mut V) -> Result<(), ()> {
            Ok(())
        }
    }
    let values: Vec<Gc<Aligned>> = (0..16).map(|i| Gc::new(Aligned([i; 128]))).collect();
    collect();
    for (i, v) in values.iter().enumerate() {
        assert_eq!(Gc::as_ptr(v) as usize % 128, 0);
        assert!(v.0.iter().all(|&b| b == i as u8));
    }
}
