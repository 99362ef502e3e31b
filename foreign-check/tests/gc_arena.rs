//! Corpus bug classes probed in `gc-arena` 0.7 (see
//! `docs/HARNESS_ADAPTERS.md`), and a seeded bug on the user's side that
//! the harness must catch through the seam.
//!
//! The seeded bug frees reachable objects from the global allocator: this
//! binary never frees memory ([`NeverFree`]), so a program the shrinker
//! tries that touches a freed object finds old bytes rather than
//! corrupting the process.

use foreign_check::gc_arena_seam::GcArenaSkippingBarrier;
use foreign_check::never_free::NeverFree;
use gc_arena::{Arena, Collect, Gc, Rootable};
use gc_testing::harness::seam;
use gc_testing::harness::HarnessConfig;
#[global_allocator]
static ALLOCATOR: NeverFree = NeverFree;

/// The corpus' "store that skips the barrier", as a user of gc-arena
/// would write it with `unlock_unchecked`: the harness, driving the arena
/// in stress mode (a fifth of an object's marking paid after every write,
/// so cycles span many operations), finds an object freed while
/// reachable and shrinks the program to about ten ops: an object marked
/// black gets an edge to a new object, whose root then goes.
#[test]
fn harness_catches_writes_that_skip_the_barrier() {
    let config = HarnessConfig {
        cases: 4096,
        stress: true,
        seed: Some(1),
        ..HarnessConfig::default()
    };
    let failure = seam::find_failure::<GcArenaSkippingBarrier>(&config)
        .expect("the harness missed writes that skip gc-arena's barrier");
    assert!(failure.program.len() <= 12, "{failure}");
}

/// gc-arena's own header-padding bug class: a value aligned above the
/// header sits at an aligned address, intact across collections. Holds.
#[test]
fn an_over_aligned_value_is_aligned_and_intact() {
    #[derive(Collect)]
    #[collect(require_static)]
    #[repr(align(128))]
    struct Aligned([u8; 128]);

    #[derive(Collect)]
    #[collect(no_drop)]
    struct Values<'gc>(Vec<Gc<'gc, Aligned>>);

    let mut arena = Arena::<Rootable![Values<'_>]>::new(|mc| {
        Values((0..16).map(|i| Gc::new(mc, Aligned([i; 128]))).collect())
    });
    arena.finish_cycle();
    arena.finish_cycle();
    arena.mutate(|_, values| {
        for (i, v) in values.0.iter().enumerate() {
            assert_eq!(Gc::as_ptr(*v) as usize % 128, 0);
            assert!(v.0.iter().all(|&b| b == i as u8));
        }
    });
}
