//! Running a program through an [`Adapter`] next to the model, checking
//! the collector against the model after every step.

use super::super::exec::{expect_upgrade, guarded, Tally};
use super::super::model::{Edge, Kind, Model, Step};
use super::super::{HarnessConfig, Op};
use super::{Adapter, Payload};

/// One program's run.
struct Run<A: Adapter> {
    adapter: A,
    model: Model,
    tally: Tally,
    /// The run's weak references, in the model's order.
    weaks: Vec<A::Weak>,
}

/// Runs `ops` on a fresh `A` and on the model; returns the first
/// disagreement (or panic), prefixed with the step where it showed.
pub(super) fn run_program<A: Adapter>(ops: &[Op], config: &HarnessConfig) -> Result<(), String> {
    let mut opened = None;
    guarded(|| {
        opened = Some(A::open(config)?);
        Ok(())
    })
    .map_err(|e| format!("opening {}: {e}", A::NAME))?;
    let mut run = Run {
        adapter: opened.expect("set when opening succeeded"),
        model: Model::default(),
        tally: Tally::default(),
        weaks: Vec::new(),
    };
    let mut result = Ok(());
    for (at, op) in ops.iter().enumerate() {
        result = guarded(|| run.step(op)).map_err(|e| format!("step {at} ({op:?}): {e}"));
        if result.is_err() {
            break;
        }
    }
    let Run {
        adapter,
        model,
        tally,
        weaks,
    } = run;
    if result.is_err() {
        // A weak reference may point into freed memory too.
        std::mem::forget(weaks);
        // The failure found is the one to report, not how ending it went.
        let _ = guarded(move || {
            adapter.abandon();
            Ok(())
        });
        return result;
    }
    drop(weaks);
    let finished = guarded(move || {
        adapter.finish();
        Ok(())
    });
    finished.map_err(|e| format!("finishing: {e}"))?;
    let counts = tally.0.borrow().clone();
    check_finished(&model, &counts, A::ABILITIES.collects_cycles)
}

impl<A: Adapter> Run<A> {
    /// Resolves `op`, runs it on the adapter and the model, and checks.
    fn step(&mut self, op: &Op) -> Result<(), String> {
        if op.in_region() {
            return Err("a mutation-region op: only gc-core heaps have regions".into());
        }
        let mut step = self.model.resolve(op);
        self.execute(&mut step)?;
        // The model's own collect finds every unreachable object dead: the
        // seam asks it for what this collector's collection finds instead.
        if step == Step::Collect {
            self.model.collected(A::ABILITIES.collects_cycles, false);
        } else {
            self.model.apply(op, step);
        }
        if matches!(step, Step::Leave | Step::Restart) {
            self.adapter.truncate(self.model.roots.len());
        }
        self.check(step == Step::Collect)
    }

    /// Runs `step` on the adapter; an upgrade's outcome, once checked,
    /// is written into the step for the model.
    fn execute(&mut self, step: &mut Step) -> Result<(), String> {
        let a = &mut self.adapter;
        match *step {
            Step::Alloc { id, kind, len } => {
                a.alloc(Payload::new(id, len, kind == Kind::Large, &self.tally))
            }
            Step::Set { obj, edge, target } => a.set(obj, edge.index(), target),
            Step::Clear { obj, edge } => a.clear(obj, edge.index()),
            Step::Load { obj, edge, target } => {
                if a.load(obj, edge.index()) != target.is_some() {
                    let got = if target.is_some() {
                        "null"
                    } else {
                        "an object"
                    };
                    return Err(format!("load of {edge} returned {got}"));
                }
            }
            Step::Root { obj } => a.root(obj),
            Step::Assign { root, from } => a.assign(root, from),
            Step::Read { obj, id } => {
                let found = read_id(a, obj);
                if found != id {
                    return Err(format!("root {obj} reads as #{found}, expected #{id}"));
                }
            }
            Step::Collect => a.collect(),
            Step::Downgrade { obj, .. } => self.weaks.push(a.downgrade(obj)),
            Step::Upgrade {
                weak,
                id,
                ref mut alive,
                ..
            } => *alive = self.upgrade(weak, id)?,
            Step::StoreWeak {
                obj,
                weak,
                region: false,
                ..
            } => a.store_weak(obj, &self.weaks[weak]),
            Step::LoadWeak {
                obj,
                index,
                id,
                ref mut alive,
                region: false,
            } => {
                let top = self.model.roots.len();
                let up = a.load_weak(obj, index);
                *alive = self.upgraded(&format!("root {obj}.weak[{index}]"), id, up, top)?;
            }
            Step::Enter | Step::Leave | Step::Restart | Step::Skip => {}
            other => return Err(format!("{other:?} is not an op the seam runs")),
        }
        Ok(())
    }

    /// Upgrades weak reference `weak` (to #`id`) of the run's list: see
    /// [`Run::upgraded`].
    fn upgrade(&mut self, weak: usize, id: u64) -> Result<bool, String> {
        let top = self.model.roots.len();
        let up = self.adapter.upgrade(&self.weaks[weak]);
        self.upgraded(&format!("weak {weak}"), id, up, top)
    }

    /// Checks what upgrading `what`, a weak reference to #`id`, gave
    /// (`up`: it upgraded and pushed root `top`) against the model and the
    /// drop counts, and returns `up`. An unreachable object the model does
    /// not know dead may go either way (collectors differ in when they
    /// notice), but one that failed is dead to the model from then on.
    fn upgraded(&mut self, what: &str, id: u64, up: bool, top: usize) -> Result<bool, String> {
        let dropped = self.tally.0.borrow()[id as usize] > 0;
        if up && dropped {
            return Err(format!("{what} upgraded to #{id} after #{id} was dropped"));
        }
        if self.model.object(id).dead || self.model.reachable()[id as usize] {
            expect_upgrade(what, id, !self.model.object(id).dead, up)?;
        }
        if up {
            let found = read_id(&mut self.adapter, top);
            if found != id {
                return Err(format!("{what} upgraded to #{found}, expected #{id}"));
            }
        } else {
            self.model.objects[id as usize].dead = true;
        }
        Ok(up)
    }

    /// The checks after a step: drop counts, then the graph, then every
    /// weak reference.
    fn check(&mut self, collected: bool) -> Result<(), String> {
        self.learn_drops()?;
        if collected {
            let counts = self.tally.0.borrow();
            let kept = |o: &&super::super::model::ModelObject| o.dead && counts[o.id as usize] == 0;
            if let Some(o) = self.model.objects.iter().find(kept) {
                return Err(format!(
                    "#{} is unreachable but collect() did not drop it",
                    o.id
                ));
            }
        }
        self.walk()?;
        for weak in 0..self.weaks.len() {
            let id = self.model.weaks[weak];
            let base = self.model.roots.len();
            self.upgrade(weak, id)?;
            self.adapter.truncate(base);
        }
        Ok(())
    }

    /// No object dropped twice or while reachable; an object the collector
    /// dropped is dead to the model.
    fn learn_drops(&mut self) -> Result<(), String> {
        let reachable = self.model.reachable();
        let counts = self.tally.0.borrow();
        for (id, &count) in counts.iter().enumerate() {
            match (reachable[id], count) {
                (_, 0) => {}
                (true, n) => return Err(format!("#{id} is reachable but was dropped {n} time(s)")),
                (false, 1) => self.model.objects[id].dead = true,
                (false, n) => return Err(format!("#{id} was dropped {n} times")),
            }
        }
        Ok(())
    }

    /// Follows every root and edge through the adapter, comparing each
    /// object with the model by id: payload, edges, and one address per id.
    /// Edges are followed by loading them into roots above the model's,
    /// dropped at the end.
    fn walk(&mut self) -> Result<(), String> {
        let base = self.model.roots.len();
        let result = self
            .walk_from(base)
            .and_then(|(seen, top)| self.check_stored_weaks(&seen, top));
        self.adapter.truncate(base);
        result
    }

    /// Upgrades every weak reference stored in an object the walk reached
    /// (`seen`: the root it is at, and its id), each checked as the run's
    /// own are; `top` roots are in use.
    fn check_stored_weaks(&mut self, seen: &[(usize, u64)], top: usize) -> Result<(), String> {
        for &(at, id) in seen {
            for index in 0..self.model.object(id).weak.len() {
                let target = self.model.object(id).weak[index];
                let up = self.adapter.load_weak(at, index);
                let what = format!("#{id}.weak[{index}]");
                self.upgraded(&what, target, up, top)?;
                self.adapter.truncate(top);
            }
        }
        Ok(())
    }

    /// The walk itself; returns where each object it reached is rooted, and
    /// how many roots it left in use.
    fn walk_from(&mut self, base: usize) -> Result<(Vec<(usize, u64)>, usize), String> {
        let (a, model) = (&mut self.adapter, &self.model);
        let mut top = base;
        let mut seen: Vec<Option<usize>> = vec![None; model.objects.len()];
        let mut stack: Vec<(usize, u64, String)> = (0..base)
            .rev()
            .map(|r| (r, model.roots[r], format!("root {r}")))
            .collect();
        while let Some((at, id, path)) = stack.pop() {
            let object = model.object(id);
            let mut found = None;
            a.read(at, &mut |p| {
                found = Some((p.id, p.intact(object.len, object.kind == Kind::Large)))
            });
            let (found, intact) = found.ok_or("the adapter's read did not call back")?;
            if found != id {
                return Err(format!("{path} should be #{id} but is #{found}"));
            }
            if let Some(first) = seen[id as usize] {
                if !a.same(first, at) {
                    return Err(format!("{path} reaches a second copy of #{id}"));
                }
                continue;
            }
            seen[id as usize] = Some(at);
            if !intact {
                return Err(format!("{path} (#{id}): payload corrupted"));
            }
            if A::ABILITIES.stored_weak && a.weak_count(at) != object.weak.len() {
                return Err(format!(
                    "{path} (#{id}) holds {} weak references, expected {}",
                    a.weak_count(at),
                    object.weak.len()
                ));
            }
            for edge in Edge::ALL {
                match (a.load(at, edge.index()), object.edge(edge)) {
                    (false, None) => {}
                    (true, Some(target)) => {
                        stack.push((top, target, format!("{path}.{edge}")));
                        top += 1;
                    }
                    (true, None) => return Err(format!("{path}.{edge} should be null")),
                    (false, Some(t)) => {
                        return Err(format!("{path}.{edge} should refer to #{t} but is null"))
                    }
                }
            }
        }
        let reached = seen.iter().enumerate();
        let reached = reached.filter_map(|(id, at)| at.map(|at| (at, id as u64)));
        Ok((reached.collect(), top))
    }
}

/// Root `root`'s payload id.
fn read_id<A: Adapter>(a: &mut A, root: usize) -> u64 {
    let mut id = None;
    a.read(root, &mut |p| id = Some(p.id));
    id.expect("the adapter's read did not call back")
}

/// After [`Adapter::finish`]: every object dropped exactly once (for a
/// collector that does not collect cycles, objects a garbage cycle holds
/// at most once).
fn check_finished(model: &Model, counts: &[u32], collects_cycles: bool) -> Result<(), String> {
    let mut end = Model::default();
    end.objects = model.objects.clone();
    end.collected(collects_cycles, false);
    for (id, &count) in counts.iter().enumerate() {
        let must = end.objects[id].dead;
        if count > 1 || (must && count == 0) {
            return Err(format!("after finish(), #{id} was dropped {count} times"));
        }
    }
    Ok(())
}
