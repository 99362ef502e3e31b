//! The programs the seam runs: the handle-API ops of [`Op`] (no mutation
//! regions or tables, which only gc-core has), in two families: ops drawn one at a time, weighted towards
//! allocation and edge writes, and programs rich in lifetime ops (scopes
//! left, roots re-pointed, collections, and, for collectors with weak
//! references, episodes that downgrade a root's object, keep the reference
//! or store it in an object, re-point the root, collect and upgrade).

use super::super::Op;
use super::Abilities;
use proptest::prelude::*;

fn root() -> std::ops::Range<usize> {
    0..16
}

/// One op, drawn with the weights of the harness's handle-API family.
fn op(can: Abilities) -> BoxedStrategy<Op> {
    let strong = prop_oneof![
        4 => (0..8u8).prop_map(|len| Op::Alloc { len }),
        1 => (0..8u8).prop_map(|len| Op::AllocLarge { len }),
        5 => (root(), 0..3u8, root()).prop_map(|(obj, field, target)| Op::Set { obj, field, target }),
        1 => (root(), 0..4u8).prop_map(|(obj, field)| Op::Clear { obj, field }),
        2 => (root(), 0..4u8).prop_map(|(obj, field)| Op::Load { obj, field }),
        1 => root().prop_map(|obj| Op::Root { obj }),
        2 => (root(), root()).prop_map(|(root, from)| Op::Assign { root, from }),
        2 => Just(Op::Enter),
        2 => Just(Op::Leave),
        1 => root().prop_map(|obj| Op::Read { obj }),
        2 => Just(Op::Collect),
    ];
    if !can.weak {
        return strong.boxed();
    }
    let weak = prop_oneof![
        21 => strong,
        2 => root().prop_map(|obj| Op::Downgrade { obj }),
        3 => (0..8usize).prop_map(|weak| Op::Upgrade { weak }),
    ];
    if !can.stored_weak {
        return weak.boxed();
    }
    prop_oneof![
        26 => weak,
        2 => (root(), 0..8usize).prop_map(|(obj, weak)| Op::StoreWeak { obj, weak }),
        2 => (root(), 0..4usize).prop_map(|(obj, index)| Op::LoadWeak { obj, index }),
    ]
    .boxed()
}

/// A short run of ops that ends lives: scopes, re-pointed roots,
/// collections and, with weak references, a downgrade-forget-collect-upgrade
/// episode (the reference kept by the run, or stored in an object).
fn lifetime(can: Abilities) -> BoxedStrategy<Vec<Op>> {
    let one = prop_oneof![
        4 => Just(Op::Enter),
        4 => Just(Op::Leave),
        4 => Just(Op::Collect),
        3 => (root(), root()).prop_map(|(root, from)| Op::Assign { root, from }),
        1 => Just(Op::Restart),
    ]
    .prop_map(|op| vec![op]);
    if !can.weak {
        return one.boxed();
    }
    let episode = (root(), root(), 0..2usize).prop_map(|(root, from, weak)| {
        vec![
            Op::Downgrade { obj: root },
            Op::Assign { root, from },
            Op::Collect,
            Op::Upgrade { weak },
        ]
    });
    if !can.stored_weak {
        return prop_oneof![3 => one, 1 => episode].boxed();
    }
    let stored = (root(), root(), root()).prop_map(|(root, from, holder)| {
        vec![
            Op::Downgrade { obj: root },
            Op::StoreWeak {
                obj: holder,
                weak: 0,
            },
            Op::Assign { root, from },
            Op::Collect,
            Op::LoadWeak {
                obj: holder,
                index: 0,
            },
        ]
    });
    prop_oneof![6 => one, 1 => episode, 1 => stored].boxed()
}

/// Programs of 1 to `max_ops` ops; weak-reference ops only for a
/// collector that `can` run them.
pub(super) fn programs(max_ops: usize, can: Abilities) -> impl Strategy<Value = Vec<Op>> {
    let max = max_ops.max(1);
    let single = op(can).prop_map(|op| vec![op]).boxed();
    let mixed = proptest::collection::vec(prop_oneof![2 => single, 1 => lifetime(can)], 1..=max);
    prop_oneof![
        3 => proptest::collection::vec(op(can), 1..=max),
        2 => mixed.prop_map(|chunks| chunks.into_iter().flatten().collect()),
    ]
    .prop_map(move |mut program: Vec<Op>| {
        program.truncate(max);
        program
    })
}
