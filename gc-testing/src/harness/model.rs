//! The reference model: a graph of payload ids, a mirror of the shadow stack
//! and of the persistent roots, and reachability. It knows nothing about
//! addresses or collectors.

use super::{Op, Place, Val};
use std::collections::BTreeMap;
use std::fmt;

/// Which of the harness's two object types an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A small object.
    Small,
    /// An object above the 8 KiB large-object threshold.
    Large,
    /// An object-model table (see [`Op::New`]).
    Table,
}

/// One of an object's four edges: `small[0..3]` (to small objects) or
/// `large` (to a large object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edge {
    /// `small[k]`.
    Small(usize),
    /// `large`.
    Large,
}

impl Edge {
    /// Every edge, in the order the checker follows them.
    pub(super) const ALL: [Edge; 4] = [Edge::Small(0), Edge::Small(1), Edge::Small(2), Edge::Large];

    /// Field `f` of an op, taken modulo 4 (3 is `large`).
    fn from_field(f: u8) -> Edge {
        match f % 4 {
            3 => Edge::Large,
            k => Edge::Small(usize::from(k)),
        }
    }

    /// `small[k]` is `k`, `large` is 3.
    pub(super) fn index(self) -> usize {
        match self {
            Edge::Small(k) => k,
            Edge::Large => 3,
        }
    }
}

impl fmt::Display for Edge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edge::Small(k) => write!(f, "small[{k}]"),
            Edge::Large => f.write_str("large"),
        }
    }
}

/// An [`Op`] resolved against the model: root indices taken modulo the
/// number of roots, the edge chosen, the expected result attached. Both the
/// model and the real heap execute steps, so they cannot disagree on what an
/// op means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Alloc {
        id: u64,
        kind: Kind,
        len: usize,
    },
    Set {
        obj: usize,
        edge: Edge,
        target: usize,
    },
    Clear {
        obj: usize,
        edge: Edge,
    },
    Load {
        obj: usize,
        edge: Edge,
        target: Option<u64>,
    },
    Root {
        obj: usize,
    },
    Assign {
        root: usize,
        from: usize,
    },
    Enter,
    Leave,
    Read {
        obj: usize,
        id: u64,
    },
    Collect,
    /// A table with payload id `id`, its slot set to `slot`, rooted.
    New {
        id: u64,
        slot: Value,
    },
    Write {
        obj: usize,
        place: Spot,
        value: Value,
        /// What `place` held before (`None`: no entry).
        old: Option<MVal>,
    },
    Get {
        obj: usize,
        place: Spot,
        found: Option<MVal>,
    },
    Remove {
        obj: usize,
        place: Spot,
        found: Option<MVal>,
    },
    Push {
        obj: usize,
        value: Value,
    },
    Pop {
        obj: usize,
        found: Option<MVal>,
    },
    Truncate {
        obj: usize,
        len: usize,
    },
    Retain {
        obj: usize,
        mask: u8,
    },
    Swap {
        obj: usize,
        other: usize,
    },
    Persist {
        obj: usize,
    },
    Unpersist {
        index: usize,
    },
    Recall {
        index: usize,
        id: u64,
    },
    /// A weak reference to root `obj`'s object (payload id `id`), kept as
    /// weak reference number `weak` in the harness's list. `region`: made
    /// with `Mutation::downgrade` (a table) rather than `Scope::downgrade`.
    Downgrade {
        obj: usize,
        id: u64,
        weak: usize,
        region: bool,
    },
    /// Upgrades weak reference `weak` (to #`id`); if `alive`, roots the
    /// object again. `region`: with `Mutation::upgrade` (a table's).
    Upgrade {
        weak: usize,
        id: u64,
        alive: bool,
        region: bool,
    },
    /// Stores weak reference `weak` (to #`id`) in root `obj`'s object's
    /// list of weak references (`region`: a table's, in a region).
    StoreWeak {
        obj: usize,
        weak: usize,
        id: u64,
        region: bool,
    },
    /// Upgrades entry `index` (to #`id`) of root `obj`'s object's list of
    /// weak references; if `alive`, roots the object again (in a region:
    /// only a table).
    LoadWeak {
        obj: usize,
        index: usize,
        id: u64,
        alive: bool,
        region: bool,
    },
    /// The end of a mutation region: [`Op::Yield`], or an op outside
    /// regions that does nothing here but still ends one.
    Yield,
    Restart,
    /// The op means nothing here (no roots yet, kinds differ, or leaving
    /// the outermost scope).
    Skip,
    /// A weak-map op ([`super::ephemeron`]).
    Eph(super::ephemeron::EphStep),
}

/// A value in a table, as the model keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MVal {
    Nil,
    Num(u8),
    /// A reference to the table with this payload id.
    Obj(u64),
}

impl MVal {
    /// The table this value refers to, if any.
    pub(super) fn target(self) -> Option<u64> {
        match self {
            MVal::Obj(id) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for MVal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MVal::Nil => f.write_str("nil"),
            MVal::Num(n) => write!(f, "{n}"),
            MVal::Obj(id) => write!(f, "#{id}"),
        }
    }
}

/// A [`Val`] resolved: root indices reduced, the table's payload id known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Value {
    Nil,
    Num(u8),
    Obj {
        root: usize,
        id: u64,
    },
    /// A new table, not rooted, with this payload id.
    New {
        id: u64,
    },
}

impl Value {
    /// The value as the table will hold it.
    pub(super) fn stored(self) -> MVal {
        match self {
            Value::Nil => MVal::Nil,
            Value::Num(n) => MVal::Num(n),
            Value::Obj { id, .. } | Value::New { id } => MVal::Obj(id),
        }
    }
}

/// A [`Place`] resolved: the vector index reduced, the key table's id known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Spot {
    Slot,
    Item(usize),
    Key(u8),
    Id { root: usize, id: u64 },
}

impl fmt::Display for Spot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spot::Slot => f.write_str("slot"),
            Spot::Item(i) => write!(f, "items[{i}]"),
            Spot::Key(k) => write!(f, "fields[\"k{k}\"]"),
            Spot::Id { id, .. } => write!(f, "by_id[#{id}]"),
        }
    }
}

/// A table's contents.
#[derive(Debug, Clone, Default)]
pub(super) struct Contents {
    pub(super) slot: Option<MVal>,
    pub(super) items: Vec<MVal>,
    pub(super) fields: BTreeMap<u8, MVal>,
    /// Keyed by the key table's payload id.
    pub(super) by_id: BTreeMap<u64, MVal>,
}

impl Contents {
    fn get(&self, place: Spot) -> Option<MVal> {
        match place {
            Spot::Slot => self.slot,
            Spot::Item(i) => self.items.get(i).copied(),
            Spot::Key(k) => self.fields.get(&k).copied(),
            Spot::Id { id, .. } => self.by_id.get(&id).copied(),
        }
    }

    /// Every payload id the table refers to, with the place that holds it
    /// (`items[2]`; an identity key as `by_id<key #4>`).
    fn named_targets(&self) -> impl Iterator<Item = (String, u64)> + '_ {
        let slot = self.slot.iter().map(|v| (Spot::Slot, *v));
        let items = (self.items.iter().enumerate()).map(|(i, v)| (Spot::Item(i), *v));
        let fields = self.fields.iter().map(|(&k, v)| (Spot::Key(k), *v));
        let by_id = (self.by_id.iter()).map(|(&id, v)| (Spot::Id { root: 0, id }, *v));
        let values = slot.chain(items).chain(fields).chain(by_id);
        let values = values.filter_map(|(spot, v)| Some((spot.to_string(), v.target()?)));
        let keys = self
            .by_id
            .keys()
            .map(|&id| (format!("by_id<key #{id}>"), id));
        values.chain(keys)
    }

    /// Every payload id the table refers to (identity keys included).
    fn targets(&self) -> impl Iterator<Item = u64> + '_ {
        let values = self
            .slot
            .iter()
            .chain(&self.items)
            .chain(self.fields.values());
        values
            .chain(self.by_id.values())
            .filter_map(|v| v.target())
            .chain(self.by_id.keys().copied())
    }
}

/// A model object: its kind, payload length and edges (by payload id), and
/// a table's contents.
#[derive(Debug, Clone)]
pub(super) struct ModelObject {
    /// Its payload id (its index in `Model::objects`).
    pub(super) id: u64,
    pub(super) kind: Kind,
    pub(super) len: usize,
    edges: [Option<u64>; 4],
    pub(super) table: Contents,
    /// The weak references the object holds (handle-API objects), by the
    /// payload id each refers to.
    pub(super) weak: Vec<u64>,
    /// A collection found it unreachable: its weak references no longer
    /// upgrade, and it never becomes reachable again.
    pub(super) dead: bool,
    /// An incremental marking cycle still in progress found it unreachable
    /// when it started (so the snapshot does not hold it): it dies when
    /// that cycle ends, unless a weak upgrade marks it first
    /// ([`Model::spared`]). Until then its weak references still upgrade.
    doomed: bool,
}

impl ModelObject {
    /// The payload id `edge` refers to, if any.
    pub(super) fn edge(&self, edge: Edge) -> Option<u64> {
        self.edges[edge.index()]
    }
}

/// The model heap. Object ids are indices into `objects`, in allocation order.
#[derive(Debug, Default)]
pub(super) struct Model {
    pub(super) objects: Vec<ModelObject>,
    /// The shadow stack: the id each root slot refers to, outermost first.
    pub(super) roots: Vec<u64>,
    /// `roots.len()` when each open nested scope was entered.
    frames: Vec<usize>,
    /// The persistent roots' tables, oldest first.
    pub(super) persistent: Vec<u64>,
    /// A mutation region is open.
    in_region: bool,
    /// The harness's own list of weak references: the payload id each
    /// refers to, in the order they were made.
    pub(super) weaks: Vec<u64>,
    /// The weak maps ([`super::ephemeron`]), in the order they were made.
    pub(super) maps: Vec<super::ephemeron::ModelMap>,
}

impl Model {
    /// What `op` means in the current state. An op outside regions that
    /// does nothing still ends an open region ([`Step::Yield`]).
    pub(super) fn resolve(&self, op: &Op) -> Step {
        match self.resolve_op(op) {
            Step::Skip if self.in_region && !op.in_region() => Step::Yield,
            Step::Yield if !self.in_region => Step::Skip,
            step => step,
        }
    }

    fn resolve_op(&self, op: &Op) -> Step {
        if let Some(step) = self.resolve_eph(op) {
            return step;
        }
        let n = self.roots.len();
        let kind = |root: usize| self.objects[self.roots[root] as usize].kind;
        let handle = |o: &ModelObject| o.kind != Kind::Table;
        match *op {
            Op::Alloc { len } => self.alloc(Kind::Small, len),
            Op::AllocLarge { len } => self.alloc(Kind::Large, len),
            Op::New { slot } => {
                let Some(slot) = self.value(slot) else {
                    return Step::Skip;
                };
                let id = self.objects.len() as u64 + u64::from(matches!(slot, Value::New { .. }));
                Step::New { id, slot }
            }
            Op::Enter => Step::Enter,
            Op::Leave if self.frames.is_empty() => Step::Skip,
            Op::Leave => Step::Leave,
            Op::Collect => Step::Collect,
            Op::Yield => Step::Yield,
            Op::Restart => Step::Restart,
            Op::Unpersist { index } if !self.persistent.is_empty() => Step::Unpersist {
                index: index % self.persistent.len(),
            },
            Op::Recall { index } if !self.persistent.is_empty() => {
                let index = index % self.persistent.len();
                Step::Recall {
                    index,
                    id: self.persistent[index],
                }
            }
            Op::Unpersist { .. } | Op::Recall { .. } => Step::Skip,
            Op::Upgrade { weak } | Op::RegionUpgrade { weak } => {
                let region = matches!(op, Op::RegionUpgrade { .. });
                let fits = |id: u64| !region || self.object(id).kind == Kind::Table;
                let n = self.weaks.len();
                let start = n.saturating_sub(1 + weak % n.max(1));
                let older = |k: usize| (start + n - k) % n;
                let Some(weak) = (0..n).map(older).find(|&w| fits(self.weaks[w])) else {
                    return Step::Skip;
                };
                let id = self.weaks[weak];
                Step::Upgrade {
                    weak,
                    id,
                    alive: !self.object(id).dead,
                    region,
                }
            }
            _ if n == 0 => Step::Skip,
            Op::Downgrade { obj } => Step::Downgrade {
                obj: obj % n,
                id: self.roots[obj % n],
                weak: self.weaks.len(),
                region: false,
            },
            Op::RegionDowngrade { obj } => match self.pick(obj, |o| o.kind == Kind::Table) {
                Some(obj) => Step::Downgrade {
                    obj,
                    id: self.roots[obj],
                    weak: self.weaks.len(),
                    region: true,
                },
                None => Step::Skip,
            },
            Op::StoreWeak { obj, weak } | Op::RegionStoreWeak { obj, weak } => {
                let region = matches!(op, Op::RegionStoreWeak { .. });
                let holder = |o: &ModelObject| handle(o) != region;
                let (Some(obj), false) = (self.pick(obj, holder), self.weaks.is_empty()) else {
                    return Step::Skip;
                };
                let weak = self.weaks.len() - 1 - weak % self.weaks.len();
                Step::StoreWeak {
                    obj,
                    weak,
                    id: self.weaks[weak],
                    region,
                }
            }
            Op::LoadWeak { obj, index } | Op::RegionLoadWeak { obj, index } => {
                let region = matches!(op, Op::RegionLoadWeak { .. });
                let holder = |o: &ModelObject| handle(o) != region && !o.weak.is_empty();
                let Some(obj) = self.pick(obj, holder) else {
                    return Step::Skip;
                };
                let list = &self.object(self.roots[obj]).weak;
                let index = list.len() - 1 - index % list.len();
                let id = list[index];
                Step::LoadWeak {
                    obj,
                    index,
                    id,
                    alive: !self.object(id).dead,
                    region,
                }
            }
            Op::Set { obj, field, target } => {
                let (Some(obj), Some(target)) = (self.pick(obj, handle), self.pick(target, handle))
                else {
                    return Step::Skip;
                };
                let edge = match kind(target) {
                    Kind::Large => Edge::Large,
                    _ => Edge::Small(usize::from(field % 3)),
                };
                Step::Set { obj, edge, target }
            }
            Op::Clear { obj, field } | Op::Load { obj, field } => {
                let Some(obj) = self.pick(obj, handle) else {
                    return Step::Skip;
                };
                let edge = Edge::from_field(field);
                match op {
                    Op::Clear { .. } => Step::Clear { obj, edge },
                    _ => {
                        let target = self.object(self.roots[obj]).edge(edge);
                        Step::Load { obj, edge, target }
                    }
                }
            }
            Op::Root { obj } => Step::Root { obj: obj % n },
            Op::Assign { root, from } => {
                let root = root % n;
                match self.pick(from, |o| o.kind == kind(root)) {
                    Some(from) => Step::Assign { root, from },
                    None => Step::Skip,
                }
            }
            Op::Read { obj } => Step::Read {
                obj: obj % n,
                id: self.roots[obj % n],
            },
            _ => self.resolve_table_op(op).unwrap_or(Step::Skip),
        }
    }

    /// A model op on a table, or `None` if it means nothing here.
    fn resolve_table_op(&self, op: &Op) -> Option<Step> {
        let table = |root: usize| {
            let root = self.pick(root, |o| o.kind == Kind::Table)?;
            Some((root, &self.object(self.roots[root]).table))
        };
        Some(match *op {
            Op::Write { obj, place, value } => {
                let (obj, contents) = table(obj)?;
                let place = self.spot(place, contents)?;
                let value = self.value(value)?;
                Step::Write {
                    obj,
                    place,
                    value,
                    old: contents.get(place),
                }
            }
            Op::Get { obj, place } => {
                let (obj, contents) = table(obj)?;
                let place = self.spot(place, contents)?;
                let found = contents.get(place);
                Step::Get { obj, place, found }
            }
            Op::Remove { obj, place } => {
                let (obj, contents) = table(obj)?;
                let place = self.spot(place, contents).filter(|p| *p != Spot::Slot)?;
                let found = contents.get(place);
                Step::Remove { obj, place, found }
            }
            Op::Push { obj, value } => Step::Push {
                obj: table(obj)?.0,
                value: self.value(value)?,
            },
            Op::Pop { obj } => {
                let (obj, contents) = table(obj)?;
                let found = contents.items.last().copied();
                Step::Pop { obj, found }
            }
            Op::Truncate { obj, len } => Step::Truncate {
                obj: table(obj)?.0,
                len: usize::from(len),
            },
            Op::Retain { obj, mask } => Step::Retain {
                obj: table(obj)?.0,
                mask,
            },
            Op::Swap { obj, other } => {
                let obj = table(obj)?.0;
                let id = self.roots[obj];
                let other = self.pick(other, |o| o.kind == Kind::Table && o.id != id)?;
                Step::Swap { obj, other }
            }
            Op::Persist { obj } => Step::Persist { obj: table(obj)?.0 },
            _ => return None,
        })
    }

    fn alloc(&self, kind: Kind, len: u8) -> Step {
        let id = self.objects.len() as u64;
        Step::Alloc {
            id,
            kind,
            len: usize::from(len),
        }
    }

    /// The first root at or after `root` (modulo the number of roots,
    /// wrapping) whose object `fits`, if any.
    fn pick(&self, root: usize, fits: impl Fn(&ModelObject) -> bool) -> Option<usize> {
        let n = self.roots.len();
        (0..n)
            .map(|k| (root % n + k) % n)
            .find(|&r| fits(self.object(self.roots[r])))
    }

    /// `value` resolved (`None` if it names a table and there is none).
    fn value(&self, value: Val) -> Option<Value> {
        Some(match value {
            Val::Nil => Value::Nil,
            Val::Num(n) => Value::Num(n),
            Val::New => Value::New {
                id: self.objects.len() as u64,
            },
            Val::Obj(root) => {
                let root = self.pick(root, |o| o.kind == Kind::Table)?;
                Value::Obj {
                    root,
                    id: self.roots[root],
                }
            }
        })
    }

    /// `place` resolved in `table` (`None` for an element of an empty
    /// vector, or a key root that is not a table).
    fn spot(&self, place: Place, table: &Contents) -> Option<Spot> {
        Some(match place {
            Place::Slot => Spot::Slot,
            Place::Item(_) if table.items.is_empty() => return None,
            Place::Item(i) => Spot::Item(usize::from(i) % table.items.len()),
            Place::Key(k) => Spot::Key(k),
            Place::Id(root) => match self.value(Val::Obj(root))? {
                Value::Obj { root, id } => Spot::Id { root, id },
                _ => unreachable!("a root resolves to an object"),
            },
        })
    }

    /// Applies `step`, what [`Model::resolve`] made of `op` in this state.
    pub(super) fn apply(&mut self, op: &Op, step: Step) {
        self.in_region = match step {
            Step::Skip => self.in_region,
            Step::Yield => false,
            _ => op.in_region(),
        };
        match step {
            Step::Alloc { id, kind, len } => {
                self.new_object(kind, len);
                self.roots.push(id);
            }
            Step::New { id, slot } => {
                let slot = self.store(slot);
                self.new_object(Kind::Table, 0).table.slot = Some(slot);
                self.roots.push(id);
            }
            Step::Write {
                obj, place, value, ..
            } => {
                let value = self.store(value);
                let table = &mut self.object_mut(obj).table;
                match place {
                    Spot::Slot => table.slot = Some(value),
                    Spot::Item(i) => table.items[i] = value,
                    Spot::Key(k) => drop(table.fields.insert(k, value)),
                    Spot::Id { id, .. } => drop(table.by_id.insert(id, value)),
                }
            }
            Step::Get { found, .. } => self.roots.extend(found.and_then(MVal::target)),
            Step::Remove { obj, place, .. } => {
                let table = &mut self.object_mut(obj).table;
                match place {
                    Spot::Slot => unreachable!("resolve skips removing the slot"),
                    Spot::Item(i) => drop(table.items.remove(i)),
                    Spot::Key(k) => drop(table.fields.remove(&k)),
                    Spot::Id { id, .. } => drop(table.by_id.remove(&id)),
                }
            }
            Step::Push { obj, value } => {
                let value = self.store(value);
                self.object_mut(obj).table.items.push(value);
            }
            Step::Pop { obj, .. } => drop(self.object_mut(obj).table.items.pop()),
            Step::Truncate { obj, len } => self.object_mut(obj).table.items.truncate(len),
            Step::Retain { obj, mask } => {
                let mut position = 0..;
                let items = &mut self.object_mut(obj).table.items;
                items.retain(|_| keeps(mask, position.next().expect("unbounded")));
            }
            Step::Swap { obj, other } => {
                let a = std::mem::take(&mut self.object_mut(obj).table.items);
                let b = std::mem::replace(&mut self.object_mut(other).table.items, a);
                self.object_mut(obj).table.items = b;
            }
            Step::Persist { obj } => self.persistent.push(self.roots[obj]),
            Step::Unpersist { index } => drop(self.persistent.remove(index)),
            Step::Recall { id, .. } => self.roots.push(id),
            Step::Restart => {
                self.roots.clear();
                self.frames.clear();
            }
            Step::Set { obj, edge, target } => {
                let target = self.roots[target];
                self.object_mut(obj).edges[edge.index()] = Some(target);
            }
            Step::Clear { obj, edge } => self.object_mut(obj).edges[edge.index()] = None,
            Step::Load { target, .. } => self.roots.extend(target),
            Step::Root { obj } => self.roots.push(self.roots[obj]),
            Step::Assign { root, from } => self.roots[root] = self.roots[from],
            Step::Enter => self.frames.push(self.roots.len()),
            Step::Leave => {
                let start = self.frames.pop().expect("resolve checked the depth");
                self.roots.truncate(start);
            }
            Step::Downgrade { id, .. } => self.weaks.push(id),
            Step::Upgrade { id, alive, .. } => {
                if alive {
                    self.roots.push(id);
                }
            }
            Step::LoadWeak {
                id, alive, region, ..
            } => {
                // A region roots only tables it upgrades.
                if alive && (!region || self.object(id).kind == Kind::Table) {
                    self.roots.push(id);
                }
            }
            Step::StoreWeak { obj, id, .. } => self.object_mut(obj).weak.push(id),
            Step::Collect => {
                self.cycle_ended();
                self.collected(true, false);
            }
            Step::Eph(step) => self.apply_eph(step),
            Step::Read { .. } | Step::Yield | Step::Skip => {}
        }
    }

    /// A collection ran in this state. One that traced the heap (or ran
    /// reference counting's trial deletion: `complete`) finds every
    /// unreachable object dead; reference counting's reconciliation alone
    /// finds dead exactly the unreachable objects no garbage cycle holds
    /// (those a cycle reaches keep a count above 0). If it is an
    /// incremental marking cycle that is still `in_progress`, what it finds
    /// unreachable is only doomed: snapshot at the beginning marks what was
    /// reachable when the cycle started, and the cycle's end decides
    /// ([`Model::cycle_ended`]).
    pub(super) fn collected(&mut self, complete: bool, in_progress: bool) {
        let reachable = self.reachable();
        let garbage: Vec<bool> = (0..self.objects.len())
            .map(|id| !reachable[id] && !self.objects[id].dead)
            .collect();
        let held = if complete {
            vec![false; garbage.len()]
        } else {
            self.held_by_cycles(&garbage)
        };
        for (id, object) in self.objects.iter_mut().enumerate() {
            if garbage[id] && !held[id] {
                object.doomed = in_progress;
                object.dead = !in_progress;
            }
        }
        self.sweep_maps();
    }

    /// The incremental marking cycle in progress ended: its doomed objects
    /// die. One reachable now was made reachable by a weak upgrade (nothing
    /// else reaches an object the cycle's snapshot missed), which marked it.
    pub(super) fn cycle_ended(&mut self) {
        let reachable = self.reachable();
        for (object, reachable) in self.objects.iter_mut().zip(reachable) {
            object.dead |= std::mem::take(&mut object.doomed) && !reachable;
        }
        self.sweep_maps();
    }

    /// A weak reference to `id` was upgraded: while a cycle marks, the
    /// collector's read barrier marks the object, and so everything it
    /// refers to, which then survive the cycle.
    pub(super) fn spared(&mut self, id: u64) {
        let mut stack = vec![id];
        let mut seen = vec![false; self.objects.len()];
        while let Some(id) = stack.pop() {
            if !std::mem::replace(&mut seen[id as usize], true) {
                self.objects[id as usize].doomed = false;
                stack.extend(self.successors(id));
            }
        }
    }

    /// `held[id]`: object `id` is reachable, among the `garbage` objects,
    /// from one that lies on a cycle of garbage objects.
    fn held_by_cycles(&self, garbage: &[bool]) -> Vec<bool> {
        let within = |from: &[u64]| {
            let mut seen = vec![false; garbage.len()];
            let mut stack: Vec<u64> = from.to_vec();
            while let Some(id) = stack.pop() {
                if garbage[id as usize] && !std::mem::replace(&mut seen[id as usize], true) {
                    stack.extend(self.successors(id));
                }
            }
            seen
        };
        let on_cycle: Vec<u64> = (0..garbage.len() as u64)
            .filter(|&id| garbage[id as usize] && within(&self.successors(id))[id as usize])
            .collect();
        within(&on_cycle)
    }

    /// The payload ids object `id` refers to (strongly).
    fn successors(&self, id: u64) -> Vec<u64> {
        let object = self.object(id);
        let mut out: Vec<u64> = object.edges.iter().flatten().copied().collect();
        out.extend(object.table.targets());
        out.extend(self.ephemeron_successors(id));
        out
    }

    fn new_object(&mut self, kind: Kind, len: usize) -> &mut ModelObject {
        self.objects.push(ModelObject {
            id: self.objects.len() as u64,
            kind,
            len,
            edges: [None; 4],
            table: Contents::default(),
            weak: Vec::new(),
            dead: false,
            doomed: false,
        });
        self.objects.last_mut().expect("just pushed")
    }

    /// The value a table stores for `value`, allocating a new table first.
    fn store(&mut self, value: Value) -> MVal {
        if let Value::New { id } = value {
            debug_assert_eq!(id, self.objects.len() as u64);
            self.new_object(Kind::Table, 0).table.slot = Some(MVal::Nil);
        }
        value.stored()
    }

    /// The object with payload id `id`.
    pub(super) fn object(&self, id: u64) -> &ModelObject {
        &self.objects[id as usize]
    }

    fn object_mut(&mut self, root: usize) -> &mut ModelObject {
        let id = self.roots[root] as usize;
        &mut self.objects[id]
    }

    /// `reachable[id]`: whether object `id` is reachable from a root.
    pub(super) fn reachable(&self) -> Vec<bool> {
        let mut reachable = vec![false; self.objects.len()];
        let mut stack = self.roots.clone();
        stack.extend(&self.persistent);
        loop {
            while let Some(id) = stack.pop() {
                if !std::mem::replace(&mut reachable[id as usize], true) {
                    let object = self.object(id);
                    stack.extend(object.edges.iter().flatten());
                    stack.extend(object.table.targets());
                }
            }
            // Ephemerons: the values of live keys of held maps, to the closure.
            stack = self.ephemeron_values(&reachable);
            if stack.is_empty() {
                return reachable;
            }
        }
    }

    /// The shortest chain from a named root to object `id`, printed as the
    /// checks print places (`root 2.small[1].items[0]`), or `None` if no
    /// root reaches it.
    pub(super) fn path_to(&self, id: u64) -> Option<String> {
        let mut seen = vec![false; self.objects.len()];
        let roots = self
            .roots
            .iter()
            .enumerate()
            .map(|(i, &r)| (r, format!("root {i}")));
        let persistent =
            (self.persistent.iter().enumerate()).map(|(i, &p)| (p, format!("persistent {i}")));
        let mut queue: std::collections::VecDeque<_> = roots.chain(persistent).collect();
        while let Some((at, path)) = queue.pop_front() {
            if at == id {
                return Some(path);
            }
            if std::mem::replace(&mut seen[at as usize], true) {
                continue;
            }
            let object = self.object(at);
            for edge in Edge::ALL {
                if let Some(target) = object.edge(edge) {
                    queue.push_back((target, format!("{path}.{edge}")));
                }
            }
            for (place, target) in object.table.named_targets() {
                queue.push_back((target, format!("{path}.{place}")));
            }
        }
        None
    }

    /// A one-line explanation of `step` in this state (before applying it),
    /// for the listing of a failing program.
    pub(super) fn explain(&self, step: Step) -> String {
        let root = |r: usize| format!("root {r} (#{})", self.roots[r]);
        if let Step::Eph(step) = step {
            return self.explain_eph(step);
        }
        match step {
            Step::Alloc { id, kind, len } => {
                let kind = format!("{kind:?}").to_lowercase();
                format!("root {} = new {kind} #{id} ({len} words)", self.roots.len())
            }
            Step::Set { obj, edge, target } => format!("{}.{edge} = {}", root(obj), root(target)),
            Step::Clear { obj, edge } => format!("{}.{edge} = null", root(obj)),
            Step::Load {
                obj,
                edge,
                target: Some(t),
            } => {
                format!("root {} = {}.{edge} (#{t})", self.roots.len(), root(obj))
            }
            Step::Load {
                obj,
                edge,
                target: None,
            } => format!("{}.{edge} is null", root(obj)),
            Step::Root { obj } => format!("root {} = {}", self.roots.len(), root(obj)),
            Step::Assign { root: r, from } => format!("{} = {}", root(r), root(from)),
            Step::Enter => format!("enter scope (depth {})", self.frames.len() + 1),
            Step::Leave => {
                let start = self.frames.last().copied().unwrap_or(0);
                format!("leave scope: roots {start}.. dropped")
            }
            Step::Read { obj, .. } => format!("read {}", root(obj)),
            Step::Collect => {
                let live = self.reachable().iter().filter(|&&r| r).count();
                format!(
                    "collect ({live} of {} objects reachable)",
                    self.objects.len()
                )
            }
            Step::Skip => "no-op here".to_string(),
            Step::Downgrade { obj, weak, .. } => format!("weak {weak} = downgrade {}", root(obj)),
            Step::Upgrade {
                weak, id, alive, ..
            } => match alive {
                true => format!("root {} = upgrade weak {weak} (#{id})", self.roots.len()),
                false => format!("upgrade weak {weak} (#{id}, dead): none"),
            },
            Step::StoreWeak { obj, weak, id, .. } => {
                format!("{}.weak.push(weak {weak} (#{id}))", root(obj))
            }
            Step::LoadWeak {
                obj,
                index,
                id,
                alive,
                region,
            } => match alive {
                true if region && self.object(id).kind != Kind::Table => {
                    format!("upgrade {}.weak[{index}] (#{id}), not rooted", root(obj))
                }
                true => format!(
                    "root {} = upgrade {}.weak[{index}] (#{id})",
                    self.roots.len(),
                    root(obj)
                ),
                false => format!("upgrade {}.weak[{index}] (#{id}, dead): none", root(obj)),
            },
            _ => self.explain_table_step(step),
        }
    }

    fn explain_table_step(&self, step: Step) -> String {
        let root = |r: usize| format!("root {r} (#{})", self.roots[r]);
        let value = |v: Value| match v {
            Value::New { id } => format!("new table #{id}"),
            Value::Obj { root: r, .. } => root(r),
            v => v.stored().to_string(),
        };
        let found = |f: Option<MVal>| f.map_or("nothing".to_string(), |v| v.to_string());
        let next = self.roots.len();
        match step {
            Step::New { id, slot } => {
                format!("root {next} = new table #{id}, slot = {}", value(slot))
            }
            Step::Write {
                obj,
                place,
                value: v,
                old,
            } => format!("{}.{place} = {} (was {})", root(obj), value(v), found(old)),
            Step::Get {
                obj,
                place,
                found: Some(MVal::Obj(id)),
            } => format!("root {next} = {}.{place} (#{id})", root(obj)),
            Step::Get {
                obj,
                place,
                found: f,
            } => format!("{}.{place} is {}", root(obj), found(f)),
            Step::Remove {
                obj,
                place,
                found: f,
            } => {
                format!("remove {}.{place} ({})", root(obj), found(f))
            }
            Step::Push { obj, value: v } => format!("{}.items.push({})", root(obj), value(v)),
            Step::Pop { obj, found: f } => format!("{}.items.pop() ({})", root(obj), found(f)),
            Step::Truncate { obj, len } => format!("{}.items.truncate({len})", root(obj)),
            Step::Retain { obj, mask } => {
                format!("{}.items.retain(positions in {mask:#010b})", root(obj))
            }
            Step::Swap { obj, other } => format!("swap {}.items, {}.items", root(obj), root(other)),
            Step::Persist { obj } => {
                format!("persistent {} = {}", self.persistent.len(), root(obj))
            }
            Step::Unpersist { index } => {
                format!("drop persistent {index} (#{})", self.persistent[index])
            }
            Step::Recall { index, id } => format!("root {next} = persistent {index} (#{id})"),
            Step::Yield => "end of the mutation region".to_string(),
            Step::Restart => format!(
                "leave every scope; new heap.scope ({} persistent roots)",
                self.persistent.len()
            ),
            _ => unreachable!("explain handles the other steps"),
        }
    }
}

/// `true` if [`Op::Retain`] with `mask` keeps position `i`.
pub(super) fn keeps(mask: u8, i: usize) -> bool {
    mask >> (i % 8) & 1 == 1
}
