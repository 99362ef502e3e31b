//! Corpus bug classes probed in `bacon_rajan_cc` 0.4 (see
//! `docs/HARNESS_ADAPTERS.md`). Each test asserts what the current release
//! does; one that asserts a known failure flips when upstream fixes it.
//!
//! The known failures free reachable objects: this binary never frees
//! memory ([`NeverFree`]), so a dangling access the shrinker's programs
//! make finds old bytes rather than corrupting the process.

use bacon_rajan_cc::{collect_cycles, Cc, Trace, Tracer};
use foreign_check::bacon_seam::BaconTracesTwice;
use foreign_check::never_free::NeverFree;
use gc_testing::harness::seam;
use gc_testing::harness::{HarnessConfig, Op};
use gc_testing::{DropCounter, Drops};

#[global_allocator]
static ALLOCATOR: NeverFree = NeverFree;
use std::cell::RefCell;

/// bacon_rajan_cc #41's shape, found by the harness: a `Trace` (a safe
/// trait here) that visits one field twice makes trial deletion subtract
/// that edge twice. The harness finds it in a few hundred programs and
/// shrinks it to two ops (a self-loop through the doubled edge: the count
/// underflows, a panic in a debug build and a wrapped count in release).
#[test]
fn harness_finds_a_trace_that_visits_a_field_twice() {
    let config = HarnessConfig {
        cases: 512,
        seed: Some(1),
        ..HarnessConfig::default()
    };
    let failure = seam::find_failure::<BaconTracesTwice>(&config)
        .expect("bacon_rajan_cc no longer trusts a Trace that visits a field twice");
    assert!(failure.program.len() <= 4, "{failure}");
}

/// KNOWN FAILURE (present in 0.4.0): the same wrong `Trace` frees an
/// object a root still holds. #1 is on a garbage self-loop and points at
/// #0 through the doubled edge; trial deletion takes #0's count from 2
/// (the root and #1) to 0 and frees it. The run reports it and leaks the
/// dangling root rather than touching it.
#[test]
fn known_failure_a_trace_that_visits_a_field_twice_frees_a_rooted_object() {
    let program = vec![
        Op::AllocLarge { len: 0 }, // root 0 = #0
        Op::Enter,
        Op::Alloc { len: 0 }, // root 1 = #1
        Op::Set {
            obj: 1,
            field: 0,
            target: 1,
        }, // #1.small[0] = #1
        Op::Set {
            obj: 1,
            field: 0,
            target: 0,
        }, // #1.large = #0 (traced twice)
        Op::Leave,            // #1 unrooted
        Op::Collect,
    ];
    let outcome = seam::run_program::<BaconTracesTwice>(&program, &HarnessConfig::default());
    assert_eq!(
        outcome,
        Err("step 6 (Collect): #0 is reachable but was dropped 1 time(s)".to_string()),
        "fixed upstream? then this test flips: update docs/HARNESS_ADAPTERS.md"
    );
}

/// A cycle member whose destructor looks at its neighbour.
struct Member {
    id: u32,
    drops: Drops,
    next: RefCell<Option<Cc<Member>>>,
    next_id: u32,
    /// Ids of neighbours a destructor could reach after their destructor
    /// ran.
    stale: std::rc::Rc<RefCell<Vec<u32>>>,
    _counter: DropCounter,
}

impl Trace for Member {
    fn trace(&self, tracer: &mut Tracer) {
        if let Some(next) = &*self.next.borrow() {
            next.trace(tracer);
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        // Safe code could now read `self.next`'s fields; whether it would
        // read a dropped value is asked of the drop log, without reading.
        if self.next.borrow().is_some() && self.drops.count(self.next_id) > 0 {
            self.stale.borrow_mut().push(self.next_id);
        }
        let _ = self.id;
    }
}

/// KNOWN FAILURE (present in 0.4.0), bacon_rajan_cc #6 / #40's class: the
/// members of a garbage cycle are dropped one by one, and a later
/// member's destructor can still reach (through a `Cc`, safely) a member
/// whose value was already dropped. 0.4 keeps the memory allocated until
/// every destructor ran, so the bytes are there, but the value is not:
/// a `String` or `Vec` in it was freed.
#[test]
fn known_failure_a_cycle_member_destructor_reaches_a_dropped_member() {
    let drops = Drops::default();
    let stale = std::rc::Rc::new(RefCell::new(Vec::new()));
    let member = |id: u32, next_id: u32| {
        Cc::new(Member {
            id,
            drops: drops.clone(),
            next: RefCell::new(None),
            next_id,
            stale: stale.clone(),
            _counter: drops.counter(id),
        })
    };
    let (a, b) = (member(0, 1), member(1, 0));
    *a.next.borrow_mut() = Some(b.clone());
    *b.next.borrow_mut() = Some(a.clone());
    drop((a, b));
    collect_cycles();
    assert_eq!((drops.count(0), drops.count(1)), (1, 1));
    assert_eq!(
        stale.borrow().len(),
        1,
        "fixed upstream? then this test flips: update docs/HARNESS_ADAPTERS.md"
    );
}
