//! The programs the seam runs: the handle-API ops of [`Op`] (no mutation
//! regions, tables or weak references stored in objects, which only gc-core
//! has), in two families: ops drawn one at a time, weighted towards
//! allocation and edge writes, and programs rich in lifetime ops (scopes
//! left, roots re-pointed, collections, and, for collectors with weak
//! references, episodes that downgrade a root's object, re-point the root,
//! collect and upgrade).

use super::super::Op;
use proptest::prelude::*;

fn root() -> std::ops::Range<usize> {
    0..16
}

/// One op, drawn with the weights of the harness's handle-API family.
fn op(weak: bool) -> BoxedStrategy<Op> {
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
    if !weak {
        return strong.boxed();
    }
    prop_oneof![
        21 => strong,
        2 => root().prop_map(|obj| Op::Downgrade { obj }),
        3 => (0..8usize).prop_map(|weak| Op::Upgrade { weak }),
    ]
    .boxed()
}

/// A short run of ops that ends lives: scopes, re-pointed roots,
/// collections and, with `weak`, a downgrade-forget-collect-upgrade
/// episode.
fn lifetime(weak: bool) -> BoxedStrategy<Vec<Op>> {
    let one = prop_oneof![
        4 => Just(Op::Enter),
        4 => Just(Op::Leave),
        4 => Just(Op::Collect),
        3 => (root(), root()).prop_map(|(root, from)| Op::Assign { root, from }),
        1 => Just(Op::Restart),
    ]
    .prop_map(|op| vec![op]);
    if !weak {
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
    prop_oneof![3 => one, 1 => episode].boxed()
}

/// Programs of 1 to `max_ops` ops; weak-reference ops only if `weak`.
pub(super) fn programs(max_ops: usize, weak: bool) -> impl Strategy<Value = Vec<Op>> {
    let max = max_ops.max(1);
    let single = op(weak).prop_map(|op| vec![op]).boxed();
    let mixed = proptest::collection::vec(prop_oneof![2 => single, 1 => lifetime(weak)], 1..=max);
    prop_oneof![
        3 => proptest::collection::vec(op(weak), 1..=max),
        2 => mixed.prop_map(|chunks| chunks.into_iter().flatten().collect()),
    ]
    .prop_map(move |mut program: Vec<Op>| {
        program.truncate(max);
        program
    })
}
