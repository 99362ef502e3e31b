//! A last shrinking pass after proptest's. Ops pick roots modulo the number
//! of roots, so deleting one op can change what later ops mean, and
//! proptest's vector shrinker stops at such local minima. This pass rewrites
//! the program in canonical form (indices reduced, no-ops gone), then deletes
//! ops (re-indexing later ops so they keep naming the same roots, and
//! dropping the ops that used a deleted root) and lowers numbers one at a
//! time until no change still fails.

use super::model::{Model, Step};
use super::Op;

/// `program` with every index reduced modulo the roots it picks from and
/// every op that does nothing removed; it runs exactly as `program` does.
pub(super) fn normalize(program: &[Op]) -> Vec<Op> {
    let mut model = Model::default();
    let mut out = Vec::with_capacity(program.len());
    for op in program {
        let step = model.resolve(op);
        out.extend(canonical(op, step));
        model.apply(step);
    }
    out
}

fn canonical(op: &Op, step: Step) -> Option<Op> {
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
        Step::Skip => return None,
    })
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
        Op::Enter | Op::Leave | Op::Collect => Vec::new(),
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
                if candidate == best || candidate.len() > best.len() {
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
    model.apply(model.resolve(op));
    slots.truncate(model.roots.len());
    slots.resize(model.roots.len(), j);
}

/// `op` with every root index `r` replaced by `f(r)`, or `None` if `f`
/// returns `None` for one of them.
fn map_roots(op: &Op, mut f: impl FnMut(usize) -> Option<usize>) -> Option<Op> {
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
        Op::Alloc { .. } | Op::AllocLarge { .. } | Op::Enter | Op::Leave | Op::Collect => {
            op.clone()
        }
    })
}
