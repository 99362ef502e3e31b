//! A last shrinking pass after proptest's. Ops pick roots modulo the number
//! of roots, so deleting one op can change what later ops mean, and
//! proptest's vector shrinker stops at such local minima. This pass rewrites
//! the program in canonical form (indices reduced, no-ops gone), then deletes
//! ops (re-indexing later ops so they keep naming the same roots, and
//! dropping the ops that used a deleted root) and lowers numbers one at a
//! time until no change still fails.

use super::model::{Model, Spot, Step, Value};
use super::{Op, Place, Val};

/// `program` with every index reduced modulo the roots it picks from and
/// every op that does nothing removed; it runs exactly as `program` does.
pub(super) fn normalize(program: &[Op]) -> Vec<Op> {
    let mut model = Model::default();
    let mut out = Vec::with_capacity(program.len());
    for op in program {
        let step = model.resolve(op);
        out.extend(canonical(op, step, &model));
        model.apply(op, step);
    }
    out
}

fn canonical(op: &Op, step: Step, model: &Model) -> Option<Op> {
    // Weak references are picked newest first.
    let back = |weak: usize| model.weaks.len() - 1 - weak;
    let field = |edge: super::model::Edge| edge.index() as u8;
    Some(match step {
        Step::Alloc { .. } | Step::Enter | Step::Leave | Step::Collect => op.clone(),
        Step::Set { obj, edge, target } => Op::Set {
            obj,
            field: field(edge) % 3,
            target,
        },
        Step::Clear { obj, edge } => Op::Clear {
            obj,
            field: field(edge),
        },
        Step::Load { obj, edge, .. } => Op::Load {
            obj,
            field: field(edge),
        },
        Step::Root { obj } => Op::Root { obj },
        Step::Assign { root, from } => Op::Assign { root, from },
        Step::Read { obj, .. } => Op::Read { obj },
        Step::New { slot, .. } => Op::New { slot: val(slot) },
        Step::Write {
            obj, place, value, ..
        } => Op::Write {
            obj,
            place: place_of(place),
            value: val(value),
        },
        Step::Get { obj, place, .. } => Op::Get {
            obj,
            place: place_of(place),
        },
        Step::Remove { obj, place, .. } => Op::Remove {
            obj,
            place: place_of(place),
        },
        Step::Push { obj, value } => Op::Push {
            obj,
            value: val(value),
        },
        Step::Pop { obj, .. } => Op::Pop { obj },
        Step::Truncate { obj, len } => Op::Truncate {
            obj,
            len: len as u8,
        },
        Step::Retain { obj, mask } => Op::Retain { obj, mask },
        Step::Swap { obj, other } => Op::Swap { obj, other },
        Step::Persist { obj } => Op::Persist { obj },
        Step::Unpersist { index } => Op::Unpersist { index },
        Step::Recall { index, .. } => Op::Recall { index },
        Step::Yield => Op::Yield,
        Step::Restart => Op::Restart,
        Step::Downgrade {
            obj, region: false, ..
        } => Op::Downgrade { obj },
        Step::Downgrade {
            obj, region: true, ..
        } => Op::RegionDowngrade { obj },
        Step::Upgrade {
            weak,
            region: false,
            ..
        } => Op::Upgrade { weak: back(weak) },
        Step::Upgrade {
            weak, region: true, ..
        } => Op::RegionUpgrade { weak: back(weak) },
        Step::StoreWeak {
            obj, weak, region, ..
        } => {
            let weak = back(weak);
            match region {
                false => Op::StoreWeak { obj, weak },
                true => Op::RegionStoreWeak { obj, weak },
            }
        }
        Step::LoadWeak {
            obj, index, region, ..
        } => {
            let index = model.object(model.roots[obj]).weak.len() - 1 - index;
            match region {
                false => Op::LoadWeak { obj, index },
                true => Op::RegionLoadWeak { obj, index },
            }
        }
        Step::Skip => return None,
        Step::Eph(step) => super::ephemeron::canonical(step),
    })
}

/// The [`Val`] that resolves to `value` (its root index reduced).
fn val(value: Value) -> Val {
    match value {
        Value::Nil => Val::Nil,
        Value::Num(n) => Val::Num(n),
        Value::Obj { root, .. } => Val::Obj(root),
        Value::New { .. } => Val::New,
    }
}

/// The [`Place`] that resolves to `spot` (indices reduced).
fn place_of(spot: Spot) -> Place {
    match spot {
        Spot::Slot => Place::Slot,
        // An element index, reduced, is below the `u8` it came from.
        Spot::Item(i) => Place::Item(i as u8),
        Spot::Key(k) => Place::Key(k),
        Spot::Id { root, .. } => Place::Id(root),
    }
}

/// Every value one step simpler than `value`, in the order
/// `Nil < Num < Obj < New` (then by number), so shrinking terminates.
fn simpler_val(value: Val) -> Vec<Val> {
    match value {
        Val::Nil => Vec::new(),
        Val::Num(n) => [Val::Nil].into_iter().chain((0..n).map(Val::Num)).collect(),
        Val::Obj(r) => [Val::Nil, Val::Num(0)]
            .into_iter()
            .chain((0..r).map(Val::Obj))
            .collect(),
        Val::New => vec![Val::Nil, Val::Num(0), Val::Obj(0)],
    }
}

/// Every place one step simpler than `place`, in the order
/// `Slot < Item < Key < Id` (then by number).
fn simpler_place(place: Place) -> Vec<Place> {
    match place {
        Place::Slot => Vec::new(),
        Place::Item(i) => [Place::Slot]
            .into_iter()
            .chain((0..i).map(Place::Item))
            .collect(),
        Place::Key(k) => [Place::Slot, Place::Item(0)]
            .into_iter()
            .chain((0..k).map(Place::Key))
            .collect(),
        Place::Id(r) => [Place::Slot, Place::Item(0), Place::Key(0)]
            .into_iter()
            .chain((0..r).map(Place::Id))
            .collect(),
    }
}

/// Every op one step simpler than `op`: one number lowered.
fn simpler(op: &Op) -> Vec<Op> {
    let lower = |n: usize| (0..n).collect::<Vec<_>>();
    let lower8 = |n: u8| (0..n).collect::<Vec<_>>();
    match *op {
        Op::Alloc { len } => lower8(len)
            .into_iter()
            .map(|len| Op::Alloc { len })
            .collect(),
        Op::AllocLarge { len } => {
            let mut out: Vec<Op> = lower8(len)
                .into_iter()
                .map(|len| Op::AllocLarge { len })
                .collect();
            out.push(Op::Alloc { len });
            out
        }
        Op::Set { obj, field, target } => {
            let mut out: Vec<Op> = lower(obj)
                .into_iter()
                .map(|obj| Op::Set { obj, field, target })
                .collect();
            out.extend(
                lower8(field)
                    .into_iter()
                    .map(|field| Op::Set { obj, field, target }),
            );
            out.extend(
                lower(target)
                    .into_iter()
                    .map(|target| Op::Set { obj, field, target }),
            );
            out
        }
        Op::Clear { obj, field } | Op::Load { obj, field } => {
            let make = |obj, field| match op {
                Op::Clear { .. } => Op::Clear { obj, field },
                _ => Op::Load { obj, field },
            };
            let mut out: Vec<Op> = lower(obj).into_iter().map(|obj| make(obj, field)).collect();
            out.extend(lower8(field).into_iter().map(|field| make(obj, field)));
            out
        }
        Op::Root { obj } => lower(obj).into_iter().map(|obj| Op::Root { obj }).collect(),
        Op::Read { obj } => lower(obj).into_iter().map(|obj| Op::Read { obj }).collect(),
        Op::Assign { root, from } => {
            let mut out: Vec<Op> = lower(root)
                .into_iter()
                .map(|root| Op::Assign { root, from })
                .collect();
            out.extend(
                lower(from)
                    .into_iter()
                    .map(|from| Op::Assign { root, from }),
            );
            out
        }
        Op::Enter | Op::Leave | Op::Collect | Op::Yield | Op::Restart => Vec::new(),
        _ => super::ephemeron::simpler(op).unwrap_or_else(|| simpler_model_op(op)),
    }
}

/// [`simpler`] for the model ops.
fn simpler_model_op(op: &Op) -> Vec<Op> {
    let lower = |n: usize| 0..n;
    match *op {
        Op::New { slot } => simpler_val(slot)
            .into_iter()
            .map(|slot| Op::New { slot })
            .collect(),
        Op::Write { obj, place, value } => {
            let objs = lower(obj).map(|obj| Op::Write { obj, place, value });
            let places =
                simpler_place(place)
                    .into_iter()
                    .map(|place| Op::Write { obj, place, value });
            let values =
                simpler_val(value)
                    .into_iter()
                    .map(|value| Op::Write { obj, place, value });
            objs.chain(places).chain(values).collect()
        }
        Op::Get { obj, place } | Op::Remove { obj, place } => {
            let make = |obj, place| match op {
                Op::Get { .. } => Op::Get { obj, place },
                _ => Op::Remove { obj, place },
            };
            let objs = lower(obj).map(|obj| make(obj, place));
            let places = simpler_place(place)
                .into_iter()
                .map(|place| make(obj, place));
            objs.chain(places).collect()
        }
        Op::Push { obj, value } => {
            let objs = lower(obj).map(|obj| Op::Push { obj, value });
            let values = simpler_val(value)
                .into_iter()
                .map(|value| Op::Push { obj, value });
            objs.chain(values).collect()
        }
        Op::Pop { obj } => lower(obj).map(|obj| Op::Pop { obj }).collect(),
        Op::Persist { obj } => lower(obj).map(|obj| Op::Persist { obj }).collect(),
        Op::Truncate { obj, len } => {
            let objs = lower(obj).map(|obj| Op::Truncate { obj, len });
            objs.chain((0..len).map(|len| Op::Truncate { obj, len }))
                .collect()
        }
        Op::Retain { obj, mask } => {
            let objs = lower(obj).map(|obj| Op::Retain { obj, mask });
            // One bit cleared at a time: at most 8 candidates, each lower.
            let bits = (0..8).filter(|b| mask >> b & 1 == 1);
            objs.chain(bits.map(|b| Op::Retain {
                obj,
                mask: mask & !(1 << b),
            }))
            .collect()
        }
        Op::Swap { obj, other } => {
            let objs = lower(obj).map(|obj| Op::Swap { obj, other });
            objs.chain(lower(other).map(|other| Op::Swap { obj, other }))
                .collect()
        }
        Op::Unpersist { index } => lower(index).map(|index| Op::Unpersist { index }).collect(),
        Op::Downgrade { obj } => lower(obj).map(|obj| Op::Downgrade { obj }).collect(),
        Op::RegionDowngrade { obj } => lower(obj).map(|obj| Op::RegionDowngrade { obj }).collect(),
        Op::Upgrade { weak } => lower(weak).map(|weak| Op::Upgrade { weak }).collect(),
        Op::RegionUpgrade { weak } => lower(weak).map(|weak| Op::RegionUpgrade { weak }).collect(),
        Op::StoreWeak { obj, weak } => {
            let objs = lower(obj).map(|obj| Op::StoreWeak { obj, weak });
            objs.chain(lower(weak).map(|weak| Op::StoreWeak { obj, weak }))
                .collect()
        }
        Op::LoadWeak { obj, index } => {
            let objs = lower(obj).map(|obj| Op::LoadWeak { obj, index });
            objs.chain(lower(index).map(|index| Op::LoadWeak { obj, index }))
                .collect()
        }
        Op::RegionStoreWeak { obj, weak } => {
            let objs = lower(obj).map(|obj| Op::RegionStoreWeak { obj, weak });
            objs.chain(lower(weak).map(|weak| Op::RegionStoreWeak { obj, weak }))
                .collect()
        }
        Op::RegionLoadWeak { obj, index } => {
            let objs = lower(obj).map(|obj| Op::RegionLoadWeak { obj, index });
            objs.chain(lower(index).map(|index| Op::RegionLoadWeak { obj, index }))
                .collect()
        }
        Op::Recall { index } => lower(index).map(|index| Op::Recall { index }).collect(),
        _ => unreachable!("simpler handles the other ops"),
    }
}

/// Shrinks `program`, which fails with `message`, as far as deleting one op
/// or lowering one number keeps it failing under `run`. Returns the smallest
/// failing program and its message.
pub(super) fn minimize(
    program: &[Op],
    message: String,
    run: impl Fn(&[Op]) -> Result<(), String>,
) -> (Vec<Op>, String) {
    let mut best = program.to_vec();
    let mut message = message;
    let canonical = normalize(&best);
    if let Err(m) = run(&canonical) {
        (best, message) = (canonical, m);
    }
    'search: loop {
        for i in 0..best.len() {
            let mut candidates = vec![without(&best, i), [&best[..i], &best[i + 1..]].concat()];
            for op in simpler(&best[i]) {
                let mut changed = best.clone();
                changed[i] = op;
                candidates.push(changed);
            }
            for candidate in candidates {
                let candidate = normalize(&candidate);
                if size(&candidate) >= size(&best) {
                    continue;
                }
                if let Err(m) = run(&candidate) {
                    (best, message) = (candidate, m);
                    continue 'search;
                }
            }
        }
        return (best, message);
    }
}

/// How big a program is: its length, then the sum of its numbers (kinds of
/// value and place counted in the order [`simpler`] lowers them). Every
/// change the search accepts makes it smaller, so the search ends even when
/// re-resolving a changed program raises an index elsewhere (an op takes the
/// first root of its kind from its index on).
fn size(program: &[Op]) -> (usize, u64) {
    let val = |v: Val| match v {
        Val::Nil => 0,
        Val::Num(n) => 1 + u64::from(n),
        Val::Obj(r) => 2 + r as u64,
        Val::New => 3,
    };
    let place = |p: Place| match p {
        Place::Slot => 0,
        Place::Item(i) => 1 + u64::from(i),
        Place::Key(k) => 2 + u64::from(k),
        Place::Id(r) => 3 + r as u64,
    };
    let op = |op: &Op| -> u64 {
        match *op {
            Op::Alloc { len } => u64::from(len),
            Op::AllocLarge { len } => 1 + u64::from(len),
            Op::Set { obj, field, target } => (obj + target) as u64 + u64::from(field),
            Op::Clear { obj, field } | Op::Load { obj, field } => obj as u64 + u64::from(field),
            Op::Root { obj } | Op::Read { obj } | Op::Pop { obj } | Op::Persist { obj } => {
                obj as u64
            }
            Op::Assign { root: a, from: b } | Op::Swap { obj: a, other: b } => (a + b) as u64,
            Op::New { slot } => val(slot),
            Op::Write {
                obj,
                place: p,
                value,
            } => obj as u64 + place(p) + val(value),
            Op::Get { obj, place: p } | Op::Remove { obj, place: p } => obj as u64 + place(p),
            Op::Push { obj, value } => obj as u64 + val(value),
            Op::Truncate { obj, len } => obj as u64 + u64::from(len),
            Op::Retain { obj, mask } => obj as u64 + u64::from(mask.count_ones()),
            Op::Unpersist { index } | Op::Recall { index } => index as u64,
            Op::Downgrade { obj } | Op::RegionDowngrade { obj } => obj as u64,
            Op::Upgrade { weak } | Op::RegionUpgrade { weak } => weak as u64,
            Op::StoreWeak { obj, weak } | Op::RegionStoreWeak { obj, weak } => (obj + weak) as u64,
            Op::LoadWeak { obj, index } | Op::RegionLoadWeak { obj, index } => (obj + index) as u64,
            Op::Enter | Op::Leave | Op::Collect | Op::Yield | Op::Restart => 0,
            _ => super::ephemeron::size(op).expect("a weak-map op"),
        }
    };
    (program.len(), program.iter().map(op).sum())
}

/// `program` (canonical) without op `i`: later ops are re-indexed to keep
/// naming the same root slots (a slot is known by the op that pushed it), and
/// ops that name a slot the shorter program no longer has are dropped too.
fn without(program: &[Op], i: usize) -> Vec<Op> {
    let (mut old, mut new) = (Model::default(), Model::default());
    let (mut old_slots, mut new_slots) = (Vec::new(), Vec::new());
    let mut out = Vec::new();
    for (j, op) in program.iter().enumerate() {
        let translated = (j != i)
            .then(|| {
                map_roots(op, |r| {
                    new_slots
                        .iter()
                        .position(|&s| Some(s) == old_slots.get(r).copied())
                })
            })
            .flatten();
        if let Some(op) = translated {
            step(&mut new, &mut new_slots, &op, j);
            out.push(op);
        }
        step(&mut old, &mut old_slots, op, j);
    }
    out
}

/// Runs `op` (number `j`) on `model`, keeping `slots` (the op that pushed
/// each root slot) in step with the model's shadow stack.
fn step(model: &mut Model, slots: &mut Vec<usize>, op: &Op, j: usize) {
    let step = model.resolve(op);
    model.apply(op, step);
    slots.truncate(model.roots.len());
    slots.resize(model.roots.len(), j);
}

/// `op` with every root index `r` replaced by `f(r)`, or `None` if `f`
/// returns `None` for one of them.
fn map_roots(op: &Op, mut f: impl FnMut(usize) -> Option<usize>) -> Option<Op> {
    if let Some(mapped) = super::ephemeron::map_roots(op, &mut f) {
        return mapped;
    }
    Some(match *op {
        Op::Set { obj, field, target } => Op::Set {
            obj: f(obj)?,
            field,
            target: f(target)?,
        },
        Op::Clear { obj, field } => Op::Clear {
            obj: f(obj)?,
            field,
        },
        Op::Load { obj, field } => Op::Load {
            obj: f(obj)?,
            field,
        },
        Op::Root { obj } => Op::Root { obj: f(obj)? },
        Op::Assign { root, from } => Op::Assign {
            root: f(root)?,
            from: f(from)?,
        },
        Op::Read { obj } => Op::Read { obj: f(obj)? },
        Op::New { slot } => Op::New {
            slot: map_val(slot, &mut f)?,
        },
        Op::Write { obj, place, value } => Op::Write {
            obj: f(obj)?,
            place: map_place(place, &mut f)?,
            value: map_val(value, &mut f)?,
        },
        Op::Get { obj, place } => Op::Get {
            obj: f(obj)?,
            place: map_place(place, &mut f)?,
        },
        Op::Remove { obj, place } => Op::Remove {
            obj: f(obj)?,
            place: map_place(place, &mut f)?,
        },
        Op::Push { obj, value } => Op::Push {
            obj: f(obj)?,
            value: map_val(value, &mut f)?,
        },
        Op::Pop { obj } => Op::Pop { obj: f(obj)? },
        Op::Truncate { obj, len } => Op::Truncate { obj: f(obj)?, len },
        Op::Retain { obj, mask } => Op::Retain { obj: f(obj)?, mask },
        Op::Swap { obj, other } => Op::Swap {
            obj: f(obj)?,
            other: f(other)?,
        },
        Op::Persist { obj } => Op::Persist { obj: f(obj)? },
        Op::Downgrade { obj } => Op::Downgrade { obj: f(obj)? },
        Op::RegionDowngrade { obj } => Op::RegionDowngrade { obj: f(obj)? },
        Op::StoreWeak { obj, weak } => Op::StoreWeak { obj: f(obj)?, weak },
        Op::RegionStoreWeak { obj, weak } => Op::RegionStoreWeak { obj: f(obj)?, weak },
        Op::RegionLoadWeak { obj, index } => Op::RegionLoadWeak {
            obj: f(obj)?,
            index,
        },
        Op::LoadWeak { obj, index } => Op::LoadWeak {
            obj: f(obj)?,
            index,
        },
        Op::Upgrade { .. } | Op::RegionUpgrade { .. } => op.clone(),
        Op::Alloc { .. }
        | Op::AllocLarge { .. }
        | Op::Enter
        | Op::Leave
        | Op::Collect
        | Op::Unpersist { .. }
        | Op::Recall { .. }
        | Op::Yield
        | Op::Restart => op.clone(),
        _ => unreachable!("weak-map ops are mapped above"),
    })
}

fn map_val(value: Val, f: &mut impl FnMut(usize) -> Option<usize>) -> Option<Val> {
    Some(match value {
        Val::Obj(r) => Val::Obj(f(r)?),
        other => other,
    })
}

fn map_place(place: Place, f: &mut impl FnMut(usize) -> Option<usize>) -> Option<Place> {
    Some(match place {
        Place::Id(r) => Place::Id(f(r)?),
        other => other,
    })
}
