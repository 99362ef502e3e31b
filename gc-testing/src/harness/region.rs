//! The object-model half of a run: tables written inside mutation regions
//! ([`Scope::mutate`](gc_core::Scope::mutate)), and the check that walks them
//! against the model.

use super::exec::{expect_upgrade, AnyWeak, DropMark, Frame, Handle, Handles, Tally};
use super::model::{keeps, Contents, Kind, MVal, Model, Spot, Step, Value as ModelValue};
use gc_core::model::{Gc, GcMap, GcVec, Identity, Lock, Mutation, Persistent, RefLock};
use gc_core::{Collector, Trace};
use std::cell::{RefCell, RefMut};
use std::collections::HashMap;

/// A table's value: numbers unboxed, tables by reference.
#[derive(Trace, Clone, Copy)]
pub(super) enum Value<'gc> {
    Nil,
    Num(f64),
    Obj(Gc<'gc, Table<'gc>>),
}

/// The harness's object-model type: a slot that changes variant, a vector,
/// a map keyed by strings and one keyed by identity.
#[derive(Trace)]
pub(super) struct Table<'gc> {
    pub(super) id: u64,
    mark: DropMark,
    slot: Lock<Value<'gc>>,
    items: RefLock<GcVec<'gc, Value<'gc>>>,
    fields: RefLock<GcMap<'gc, String, Value<'gc>>>,
    by_id: RefLock<GcMap<'gc, Gc<'gc, Table<'gc>>, Value<'gc>>>,
    /// Weak references stored in the table (`Op::RegionStoreWeak`).
    weak: RefCell<Vec<AnyWeak>>,
}

/// What a run keeps outside every scope: the persistent roots (in the
/// model's order) and the identity each table showed first.
#[derive(Default)]
pub(super) struct Outside {
    pub(super) persistent: Vec<Persistent<Table<'static>>>,
    identities: RefCell<HashMap<u64, Identity>>,
    /// The run's weak references, in the model's order.
    pub(super) weaks: Vec<AnyWeak>,
    /// The run's weak maps ([`super::ephemeron`]).
    pub(super) maps: super::ephemeron::Maps,
}

fn key(k: u8) -> String {
    format!("k{k}")
}

fn same(value: Value<'_>, expected: MVal) -> bool {
    match (value, expected) {
        (Value::Nil, MVal::Nil) => true,
        (Value::Num(n), MVal::Num(e)) => n == f64::from(e),
        (Value::Obj(t), MVal::Obj(id)) => t.id == id,
        _ => false,
    }
}

fn show(value: Option<Value<'_>>) -> String {
    match value {
        None => "nothing".to_string(),
        Some(Value::Nil) => "nil".to_string(),
        Some(Value::Num(n)) => format!("{n}"),
        Some(Value::Obj(t)) => format!("#{}", t.id),
    }
}

/// Checks that an operation on `place` returned `expected`.
fn expect(
    what: &str,
    place: Spot,
    got: Option<Value<'_>>,
    expected: Option<MVal>,
) -> Result<(), String> {
    let ok = match (got, expected) {
        (None, None) => true,
        (Some(g), Some(e)) => same(g, e),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let expected = expected.map_or("nothing".to_string(), |e| e.to_string());
    Err(format!(
        "{what} {place} gave {}, expected {expected}",
        show(got)
    ))
}

/// Runs one step of a mutation region.
pub(super) struct Region<'m, 's, 'gc, C: Collector> {
    pub(super) m: &'m Mutation<'s, 'gc, C>,
    pub(super) tally: &'m Tally,
}

impl<'s, 'gc, C: Collector> Region<'_, 's, 'gc, C> {
    fn alloc(&self, id: u64, slot: Value<'gc>) -> Gc<'gc, Table<'gc>> {
        let m = self.m;
        self.tally.0.borrow_mut().push(0);
        debug_assert_eq!(self.tally.0.borrow().len() as u64, id + 1);
        m.alloc(Table {
            id,
            mark: DropMark::new(id, self.tally),
            slot: Lock::new(slot),
            items: RefLock::new(GcVec::new(m)),
            fields: RefLock::new(GcMap::new(m)),
            by_id: RefLock::new(GcMap::new(m)),
            weak: RefCell::new(Vec::new()),
        })
    }

    /// Root `root`'s table.
    fn table(&self, frame: &Frame<'_, 's>, root: usize) -> Gc<'gc, Table<'gc>> {
        let mut table = None;
        frame.with(root, &mut |h| match h {
            Handle::Table(r) => table = Some(self.m.get(r)),
            _ => unreachable!("the model resolves table ops on tables only"),
        });
        table.expect("Frame::with calls back")
    }

    fn value(&self, frame: &Frame<'_, 's>, value: ModelValue) -> Value<'gc> {
        match value {
            ModelValue::Nil => Value::Nil,
            ModelValue::Num(n) => Value::Num(f64::from(n)),
            ModelValue::Obj { root, .. } => Value::Obj(self.table(frame, root)),
            ModelValue::New { id } => Value::Obj(self.alloc(id, Value::Nil)),
        }
    }

    fn root(&self, frame: &mut Frame<'_, 's>, value: Option<Value<'gc>>) {
        if let Some(Value::Obj(t)) = value {
            frame.own.push(Handle::Table(self.m.root(t)));
        }
    }

    /// Executes `step`, a model op, checking what it reads against the model.
    pub(super) fn execute(
        &self,
        frame: &mut Frame<'_, 's>,
        outside: &mut Outside,
        step: Step,
    ) -> Result<(), String> {
        let m = self.m;
        match step {
            Step::New { id, slot } => {
                let slot = self.value(frame, slot);
                let table = self.alloc(id, slot);
                frame.own.push(Handle::Table(m.root(table)));
            }
            Step::Write {
                obj,
                place,
                value,
                old,
            } => {
                let (table, at) = (self.table(frame, obj), self.at(frame, place));
                let was = self.write(table, at, self.value(frame, value));
                expect("writing", place, was, old)?;
            }
            Step::Get { obj, place, found } => {
                let got = self.read(self.table(frame, obj), self.at(frame, place));
                expect("reading", place, got, found)?;
                self.root(frame, got);
            }
            Step::Remove { obj, place, found } => {
                let got = self.remove(self.table(frame, obj), self.at(frame, place));
                expect("removing", place, got, found)?;
            }
            Step::Push { obj, value } => {
                let value = self.value(frame, value);
                self.items(frame, obj).push(value);
            }
            Step::Pop { obj, found } => {
                let mut items = self.items(frame, obj);
                let got = items.pop();
                expect("popping", Spot::Item(items.len()), got, found)?;
            }
            Step::Truncate { obj, len } => self.items(frame, obj).truncate(len),
            Step::Retain { obj, mask } => {
                let mut position = 0..;
                let keep = |_: &Value<'_>| keeps(mask, position.next().expect("unbounded"));
                self.items(frame, obj).retain(keep);
            }
            Step::Swap { obj, other } => {
                let (mut a, mut b) = (self.items(frame, obj), self.items(frame, other));
                std::mem::swap(&mut *a, &mut *b);
            }
            Step::Persist { obj } => {
                let table = self.table(frame, obj);
                outside.persistent.push(m.persist(table));
            }
            Step::Unpersist { index } => drop(outside.persistent.remove(index)),
            Step::Recall { index, .. } => {
                let table = m.persistent(&outside.persistent[index]);
                frame.own.push(Handle::Table(m.root(table)));
            }
            Step::Downgrade { obj, .. } => {
                let table = self.table(frame, obj);
                outside.weaks.push(AnyWeak::Table(m.downgrade(table)));
            }
            Step::Upgrade {
                weak, id, alive, ..
            } => {
                let what = format!("weak {weak}");
                self.upgrade_into(frame, &outside.weaks[weak], &what, id, alive)?;
            }
            Step::StoreWeak { obj, weak, .. } => {
                let table = self.table(frame, obj);
                table.weak.borrow_mut().push(outside.weaks[weak]);
            }
            Step::LoadWeak {
                obj,
                index,
                id,
                alive,
                ..
            } => {
                let stored = self.table(frame, obj).weak.borrow().get(index).copied();
                let stored = stored.ok_or_else(|| format!("root {obj} holds no weak[{index}]"))?;
                let what = format!("root {obj}.weak[{index}]");
                self.upgrade_into(frame, &stored, &what, id, alive)?;
            }
            _ => unreachable!("not a model step: {step:?}"),
        }
        Ok(())
    }

    /// Upgrades `weak` (to #`id`) in the region and checks the result
    /// against the model; a table it gives is rooted, another object's
    /// upgrade only checked (a region cannot read or root it).
    fn upgrade_into(
        &self,
        frame: &mut Frame<'_, 's>,
        weak: &AnyWeak,
        what: &str,
        id: u64,
        alive: bool,
    ) -> Result<(), String> {
        let m = self.m;
        let upgraded = match weak {
            AnyWeak::Table(w) => match m.upgrade(w) {
                Some(table) if table.id != id => {
                    return Err(format!("{what} upgraded to #{}, expected #{id}", table.id))
                }
                Some(table) => {
                    frame.own.push(Handle::Table(m.root(table)));
                    true
                }
                None => false,
            },
            AnyWeak::Small(w) => m.upgrade(w).is_some(),
            AnyWeak::Large(w) => m.upgrade(w).is_some(),
        };
        expect_upgrade(what, id, alive, upgraded)
    }

    /// Root `root`'s table's vector, through the barrier.
    fn items(&self, frame: &Frame<'_, 's>, root: usize) -> RefMut<'gc, GcVec<'gc, Value<'gc>>> {
        let table = self.table(frame, root);
        self.m.write(table).project(|t| &t.items).borrow_mut()
    }

    /// `place` with its key table found.
    fn at(&self, frame: &Frame<'_, 's>, place: Spot) -> At<'gc> {
        match place {
            Spot::Slot => At::Slot,
            Spot::Item(i) => At::Item(i),
            Spot::Key(k) => At::Key(key(k)),
            Spot::Id { root, .. } => At::Id(self.table(frame, root)),
        }
    }

    /// Writes `value` at `at`; returns what was there.
    fn write(
        &self,
        table: Gc<'gc, Table<'gc>>,
        at: At<'gc>,
        value: Value<'gc>,
    ) -> Option<Value<'gc>> {
        let (m, write) = (self.m, self.m.write(table));
        match at {
            At::Slot => {
                let old = table.slot.get();
                write.project(|t| &t.slot).set(value);
                Some(old)
            }
            At::Item(i) => {
                let mut items = write.project(|t| &t.items).borrow_mut();
                Some(std::mem::replace(&mut items[i], value))
            }
            At::Key(k) => write
                .project(|t| &t.fields)
                .borrow_mut()
                .insert(m, k, value),
            At::Id(k) => write.project(|t| &t.by_id).borrow_mut().insert(m, k, value),
        }
    }

    fn read(&self, table: Gc<'gc, Table<'gc>>, at: At<'gc>) -> Option<Value<'gc>> {
        let m = self.m;
        match at {
            At::Slot => Some(table.slot.get()),
            At::Item(i) => table.items.borrow().get(i).copied(),
            At::Key(k) => table.fields.borrow().get(m, &k).copied(),
            At::Id(k) => table.by_id.borrow().get(m, &k).copied(),
        }
    }

    fn remove(&self, table: Gc<'gc, Table<'gc>>, at: At<'gc>) -> Option<Value<'gc>> {
        let (m, write) = (self.m, self.m.write(table));
        match at {
            At::Slot => unreachable!("the model skips removing the slot"),
            At::Item(i) => Some(write.project(|t| &t.items).borrow_mut().remove(i)),
            At::Key(k) => write.project(|t| &t.fields).borrow_mut().remove(m, &k),
            At::Id(k) => write.project(|t| &t.by_id).borrow_mut().remove(m, &k),
        }
    }
}

/// A [`Spot`] on the heap: the key made, the key table found.
enum At<'gc> {
    Slot,
    Item(usize),
    Key(String),
    Id(Gc<'gc, Table<'gc>>),
}

/// Follows every table reachable from the tables among `roots` and from the
/// persistent roots, comparing each with the model by payload id: its slot,
/// vector and maps (looked up by key and by identity, which must work after
/// the objects moved), one address per id, and an identity that stays the
/// same for as long as the table lives and differs from every other's;
/// with `upgrade_weaks`, also every weak reference to a table.
pub(super) fn walk<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    roots: &dyn Handles,
    model: &Model,
    outside: &Outside,
    upgrade_weaks: bool,
) -> Result<(), String> {
    let mut stack = Vec::new();
    for (index, &id) in model.roots.iter().enumerate().rev() {
        roots.with(index, &mut |h| {
            if let Handle::Table(r) = h {
                stack.push((m.get(r), id, format!("root {index}")));
            }
        });
    }
    for (index, (p, &id)) in outside.persistent.iter().zip(&model.persistent).enumerate() {
        stack.push((m.persistent(p), id, format!("persistent {index}")));
    }
    let mut seen: HashMap<u64, Gc<'gc, Table<'gc>>> = HashMap::new();
    let mut owners: HashMap<Identity, u64> = HashMap::new();
    while let Some((table, id, path)) = stack.pop() {
        let object = model.object(id);
        if object.kind != Kind::Table {
            return Err(format!(
                "{path} should be #{id}, a {:?} object",
                object.kind
            ));
        }
        if table.id != id {
            return Err(format!("{path} should be #{id} but is #{}", table.id));
        }
        if let Some(&first) = seen.get(&id) {
            if !Gc::ptr_eq(first, table) {
                return Err(format!("{path} reaches a second copy of #{id}"));
            }
            continue;
        }
        seen.insert(id, table);
        let identity = m.identity(table);
        let first = *outside
            .identities
            .borrow_mut()
            .entry(id)
            .or_insert(identity);
        if first != identity {
            return Err(format!("{path} (#{id}): its identity changed"));
        }
        if let Some(other) = owners.insert(identity, id) {
            return Err(format!("{path} (#{id}) has the identity of #{other}"));
        }
        compare(m, table, &object.table, &path, &mut stack)?;
        compare_weak(table, &object.weak, outside, model, &path)?;
    }
    match upgrade_weaks {
        true => check_weaks(m, &seen, model, outside),
        false => Ok(()),
    }
}

/// Upgrades every weak reference to a table in the run's list, as
/// `exec::check_weaks` does for the handle-API objects: an object exactly
/// when the model says it is alive, the table the walk reached (same
/// address) or, unreachable and not yet found, the one with its id.
fn check_weaks<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    seen: &HashMap<u64, Gc<'gc, Table<'gc>>>,
    model: &Model,
    outside: &Outside,
) -> Result<(), String> {
    for (i, (weak, &id)) in outside.weaks.iter().zip(&model.weaks).enumerate() {
        let AnyWeak::Table(w) = weak else { continue };
        let up = m.upgrade(w);
        expect_upgrade(
            &format!("weak {i}"),
            id,
            !model.object(id).dead,
            up.is_some(),
        )?;
        let Some(up) = up else { continue };
        match seen.get(&id) {
            Some(&there) if Gc::ptr_eq(there, up) => {}
            Some(_) => return Err(format!("weak {i} upgraded to another copy of #{id}")),
            None if up.id != id => {
                return Err(format!("weak {i} upgraded to #{}, expected #{id}", up.id))
            }
            None => {}
        }
    }
    Ok(())
}

/// The weak references stored in a table are exactly the ones the model
/// stored there (each equal to the run's reference to the same object).
fn compare_weak<'gc>(
    table: Gc<'gc, Table<'gc>>,
    expected: &[u64],
    outside: &Outside,
    model: &Model,
    path: &str,
) -> Result<(), String> {
    let stored = table.weak.borrow();
    if stored.len() != expected.len() {
        return Err(format!(
            "{path} holds {} weak references, expected {}",
            stored.len(),
            expected.len()
        ));
    }
    for (k, (w, &target)) in stored.iter().zip(expected).enumerate() {
        let made = |(v, &t): (&AnyWeak, &u64)| v == w && t == target;
        if !outside.weaks.iter().zip(&model.weaks).any(made) {
            return Err(format!(
                "{path}.weak[{k}] is not the weak reference to #{target} stored there"
            ));
        }
    }
    Ok(())
}

type Stack<'gc> = Vec<(Gc<'gc, Table<'gc>>, u64, String)>;

/// Compares one table's contents with the model's, pushing the tables it
/// refers to.
fn compare<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    table: Gc<'gc, Table<'gc>>,
    expected: &Contents,
    path: &str,
    stack: &mut Stack<'gc>,
) -> Result<(), String> {
    let mut found =
        |what: String, value: Option<Value<'gc>>, want: Option<MVal>| match (value, want) {
            (Some(v), Some(w)) if same(v, w) => {
                if let Value::Obj(t) = v {
                    stack.push((t, t.id, what));
                }
                Ok(())
            }
            (None, None) => Ok(()),
            _ => Err(format!(
                "{what} is {}, expected {}",
                show(value),
                want.map_or("nothing".into(), |w| w.to_string())
            )),
        };
    found(
        format!("{path}.slot"),
        Some(table.slot.get()),
        expected.slot,
    )?;
    let items = table.items.borrow();
    if items.len() != expected.items.len() {
        return Err(format!(
            "{path}.items has {} elements, expected {}",
            items.len(),
            expected.items.len()
        ));
    }
    for (i, (&v, &w)) in items.iter().zip(&expected.items).enumerate() {
        found(format!("{path}.items[{i}]"), Some(v), Some(w))?;
    }
    let fields = table.fields.borrow();
    if fields.len() != expected.fields.len() {
        return Err(format!(
            "{path}.fields has {} entries, expected {}",
            fields.len(),
            expected.fields.len()
        ));
    }
    for (&k, &w) in &expected.fields {
        found(
            format!("{path}.fields[\"k{k}\"]"),
            fields.get(m, &key(k)).copied(),
            Some(w),
        )?;
    }
    let by_id = table.by_id.borrow();
    if by_id.len() != expected.by_id.len() {
        return Err(format!(
            "{path}.by_id has {} entries, expected {}",
            by_id.len(),
            expected.by_id.len()
        ));
    }
    for (&k, &v) in by_id.iter(m) {
        let what = format!("{path}.by_id[#{}]", k.id);
        let Some(&w) = expected.by_id.get(&k.id) else {
            return Err(format!("{what} should not be there"));
        };
        found(what.clone(), Some(v), Some(w))?;
        found(
            format!("{what} (looked up)"),
            by_id.get(m, &k).copied(),
            Some(w),
        )?;
        let key = format!("{path}.by_id key #{}", k.id);
        found(key, Some(Value::Obj(k)), Some(MVal::Obj(k.id)))?;
    }
    Ok(())
}
