//! Running a program on a real [`Heap`] next to the model, checking the
//! heap against the model after every step.

use super::model::{Edge, Kind, Model, Step};
use super::region::{self, Outside, Region, Table};
use super::{HarnessConfig, Op};
use gc_core::stats::{Cause, CollectionEvent, Phase};
use gc_core::{Collector, Gc, GcWeak, Heap, NoGc, Rebrand, Root, Scope, Trace, Tracer};
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Once;

/// Words in a large object's inline array: 8,800 bytes, above the 8 KiB
/// large-object threshold.
pub(super) const LARGE_WORDS: usize = 1100;

/// The inline part that tells small and large objects apart.
pub(super) trait Words: Trace + 'static {
    fn for_id(id: u64) -> Self;
    fn intact(&self, id: u64) -> bool;
}

impl Words for () {
    fn for_id(_: u64) -> Self {}
    fn intact(&self, _: u64) -> bool {
        true
    }
}

impl Words for [u64; LARGE_WORDS] {
    fn for_id(id: u64) -> Self {
        [!id; LARGE_WORDS]
    }
    fn intact(&self, id: u64) -> bool {
        self.iter().all(|&w| w == !id)
    }
}

/// A harness object. `small` comes last, so a collector that loses the last
/// slot an object reports loses a `small` edge.
#[derive(Trace)]
pub(super) struct Obj<W: Words> {
    id: u64,
    data: Vec<u64>,
    words: W,
    mark: DropMark,
    /// Weak references stored in the heap ([`Op::StoreWeak`]).
    weak: RefCell<Vec<AnyWeak>>,
    large: Gc<Large>,
    small: [Gc<Small>; 3],
}

pub(super) type Small = Obj<()>;
type Large = Obj<[u64; LARGE_WORDS]>;

/// The owned payload of object `id`: `len` words derived from the id.
fn payload(id: u64, len: usize) -> Vec<u64> {
    (0..len as u64).map(|w| id << 8 | w).collect()
}

impl<W: Words> Obj<W> {
    /// The owned payload has `len` words and both it and the inline words
    /// match the id.
    fn intact(&self, len: usize) -> bool {
        self.data == payload(self.id, len) && self.words.intact(self.id)
    }

    fn new(id: u64, len: usize, tally: &Tally) -> Self {
        Obj {
            id,
            data: payload(id, len),
            words: W::for_id(id),
            mark: DropMark::new(id, tally),
            weak: RefCell::new(Vec::new()),
            large: Gc::null(),
            small: Default::default(),
        }
    }
}

/// Drop counts by payload id, shared by every object of one run.
#[derive(Clone, Default)]
pub(super) struct Tally(pub(super) Rc<RefCell<Vec<u32>>>);

/// Records its object's drop in the [`Tally`].
pub(super) struct DropMark {
    id: u64,
    tally: Tally,
}

impl DropMark {
    pub(super) fn new(id: u64, tally: &Tally) -> DropMark {
        DropMark {
            id,
            tally: tally.clone(),
        }
    }
}

impl Drop for DropMark {
    fn drop(&mut self) {
        self.tally.0.borrow_mut()[self.id as usize] += 1;
    }
}

// SAFETY: owns no `Gc` (rules 1 and 5), so the empty trace is complete and
// there is nothing to hand out (rule 4).
unsafe impl Trace for DropMark {
    const NEEDS_TRACE: bool = false;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, _: &mut Tracer) {}
}

// SAFETY: names no brand: it is its own rebranding.
unsafe impl<'a> Rebrand<'a> for DropMark {
    type Output = DropMark;
}

/// A weak reference to one of the object types.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(super) enum AnyWeak {
    Small(GcWeak<Small>),
    Large(GcWeak<Large>),
    Table(GcWeak<Table<'static>>),
}

// SAFETY: holds only `GcWeak`s, plain values that own no `Gc` (rules 1
// and 5), so the empty trace is complete and there is nothing to hand out
// (rule 4).
unsafe impl Trace for AnyWeak {
    const NEEDS_TRACE: bool = false;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, _: &mut Tracer) {}
}

// SAFETY: owns no `Gc` (see the `Trace` impl).
unsafe impl NoGc for AnyWeak {}

// SAFETY: names no brand (a table's weak reference is to `Table<'static>`,
// as `Mutation::downgrade` makes it): it is its own rebranding.
unsafe impl<'a> Rebrand<'a> for AnyWeak {
    type Output = AnyWeak;
}

/// A root of one of the object types.
#[derive(Clone, Copy)]
pub(super) enum Handle<'s> {
    Small(Root<'s, Small>),
    Large(Root<'s, Large>),
    /// A model table, read and written only in mutation regions.
    Table(Root<'s, Table<'static>>),
}

/// Runs `$body` with `$r` bound to the typed root inside `$h`, a root of a
/// handle-API object (the model resolves handle ops on those only).
macro_rules! with_root {
    ($h:expr, |$r:ident| $body:expr) => {
        match $h {
            Handle::Small($r) => $body,
            Handle::Large($r) => $body,
            Handle::Table(_) => unreachable!("a handle-API op on a table"),
        }
    };
}

impl<'s> Handle<'s> {
    fn alloc<C: Collector>(
        s: &mut Scope<'s, C>,
        id: u64,
        kind: Kind,
        len: usize,
        tally: &Tally,
    ) -> Self {
        tally.0.borrow_mut().push(0);
        match kind {
            Kind::Small => Handle::Small(s.alloc(Obj::new(id, len, tally))),
            Kind::Large => Handle::Large(s.alloc(Obj::new(id, len, tally))),
            Kind::Table => unreachable!("tables are allocated in regions"),
        }
    }

    fn kind(self) -> Kind {
        match self {
            Handle::Small(_) => Kind::Small,
            Handle::Large(_) => Kind::Large,
            Handle::Table(_) => Kind::Table,
        }
    }
}

/// A weak reference to `h`'s object.
fn downgrade<C: Collector>(s: &mut Scope<'_, C>, h: Handle<'_>) -> AnyWeak {
    match h {
        Handle::Small(r) => AnyWeak::Small(s.downgrade(r)),
        Handle::Large(r) => AnyWeak::Large(s.downgrade(r)),
        Handle::Table(r) => AnyWeak::Table(s.downgrade(r)),
    }
}

/// `weak`'s object rooted in `s`, if it upgrades.
fn upgrade<'s, C: Collector>(s: &Scope<'s, C>, weak: &AnyWeak) -> Option<Handle<'s>> {
    match weak {
        AnyWeak::Small(w) => s.upgrade(w).map(Handle::Small),
        AnyWeak::Large(w) => s.upgrade(w).map(Handle::Large),
        AnyWeak::Table(w) => s.upgrade(w).map(Handle::Table),
    }
}

thread_local! {
    /// The objects weak references were upgraded to, by steps and by
    /// checks, since the model last learnt of them ([`learn_collections`]):
    /// while an incremental cycle marks, an upgrade marks its object.
    static UPGRADED: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Checks what upgrading a weak reference to #`id` gave: an object exactly
/// when the model says #`id` is `alive`. Nothing is read through a
/// reference the model says is dead.
pub(super) fn expect_upgrade(
    what: &str,
    id: u64,
    alive: bool,
    upgraded: bool,
) -> Result<(), String> {
    if upgraded {
        UPGRADED.with_borrow_mut(|ids| ids.push(id));
    }
    match (alive, upgraded) {
        (true, false) => Err(format!(
            "{what} (#{id}) did not upgrade, but no collection found #{id} unreachable"
        )),
        (false, true) => Err(format!(
            "{what} (#{id}) upgraded after a collection found #{id} unreachable"
        )),
        _ => Ok(()),
    }
}

/// A new root in `s` for `h`'s object.
fn root_in<'s, C: Collector>(s: &Scope<'s, C>, h: Handle<'_>) -> Handle<'s> {
    match h {
        Handle::Small(r) => Handle::Small(s.root(r)),
        Handle::Large(r) => Handle::Large(s.root(r)),
        Handle::Table(r) => Handle::Table(s.root(r)),
    }
}

pub(super) fn id_of<C: Collector>(s: &mut Scope<'_, C>, h: Handle<'_>) -> u64 {
    match h {
        Handle::Table(r) => s.mutate(|m| m.get(r).id),
        _ => with_root!(h, |r| s.get(r).id),
    }
}

fn intact<C: Collector>(s: &Scope<'_, C>, h: Handle<'_>, len: usize) -> bool {
    with_root!(h, |r| s.get(r).intact(len))
}

fn load<'s, C: Collector>(s: &Scope<'s, C>, h: Handle<'_>, edge: Edge) -> Option<Handle<'s>> {
    with_root!(h, |r| match edge {
        Edge::Small(k) => s.load(r, |o| &o.small[k]).map(Handle::Small),
        Edge::Large => s.load(r, |o| &o.large).map(Handle::Large),
    })
}

/// Sets (`Some`) or clears (`None`) `edge` of `h`'s object.
fn store<C: Collector>(s: &Scope<'_, C>, h: Handle<'_>, edge: Edge, value: Option<Handle<'_>>) {
    with_root!(h, |r| match (edge, value) {
        (Edge::Small(k), Some(Handle::Small(v))) => s.set(r, |o| &o.small[k], v),
        (Edge::Large, Some(Handle::Large(v))) => s.set(r, |o| &o.large, v),
        (Edge::Small(k), None) => s.clear(r, |o| &o.small[k]),
        (Edge::Large, None) => s.clear(r, |o| &o.large),
        _ => unreachable!("the model picks the edge from the target's kind"),
    })
}

fn assign<C: Collector>(s: &Scope<'_, C>, root: Handle<'_>, from: Handle<'_>) {
    match (root, from) {
        (Handle::Small(a), Handle::Small(b)) => s.assign(a, b),
        (Handle::Large(a), Handle::Large(b)) => s.assign(a, b),
        (Handle::Table(a), Handle::Table(b)) => s.assign(a, b),
        _ => unreachable!("the model skips assignments between kinds"),
    }
}

fn ptr_eq<C: Collector>(s: &Scope<'_, C>, a: Handle<'_>, b: Handle<'_>) -> bool {
    with_root!(a, |a| with_root!(b, |b| s.ptr_eq(a, b)))
}

/// The roots of every open scope, outermost first, indexed like the model's
/// shadow stack. Roots of different scopes have different brands, so each
/// frame keeps its own and hands them out through a callback.
pub(super) trait Handles {
    fn len(&self) -> usize;
    fn with(&self, index: usize, f: &mut dyn FnMut(Handle<'_>));
}

pub(super) struct Frame<'p, 's> {
    parent: Option<&'p dyn Handles>,
    pub(super) own: Vec<Handle<'s>>,
}

impl Handles for Frame<'_, '_> {
    fn len(&self) -> usize {
        self.parent.map_or(0, |p| p.len()) + self.own.len()
    }

    fn with(&self, index: usize, f: &mut dyn FnMut(Handle<'_>)) {
        let base = self.parent.map_or(0, |p| p.len());
        match (index.checked_sub(base), self.parent) {
            (Some(own), _) => f(self.own[own]),
            (None, Some(parent)) => parent.with(index, f),
            (None, None) => unreachable!("root {index} is below the outermost frame"),
        }
    }
}

/// One program's run: the ops, the model, the drop counts.
struct Run<'a> {
    ops: &'a [Op],
    next: usize,
    model: Model,
    tally: Tally,
    /// After an explicit collect, every unreachable object must be gone.
    collects_cycles: bool,
    /// Persistent roots, identities and weak references.
    outside: Outside,
    /// Pauses the model has learnt of ([`learn_collections`]).
    pauses: u64,
    /// An incremental marking cycle was in progress when the model last
    /// learnt of the pauses: checks do not upgrade weak references then.
    marking: bool,
}

/// How a frame's run ended.
enum Exit {
    Leave,
    /// [`Op::Restart`]: every frame closes and a new `heap.scope` opens.
    Restart,
    End,
}

/// Runs `ops` on a fresh `Heap<C>` and on the model; returns the first
/// disagreement (or panic), prefixed with the step where it showed.
pub(super) fn run_program<C: Collector>(ops: &[Op], config: &HarnessConfig) -> Result<(), String> {
    let mut heap = Heap::<C>::new(config.heap_config()).map_err(|e| e.to_string())?;
    UPGRADED.with_borrow_mut(Vec::clear); // what a failed program left
    let mut run = Run {
        ops,
        next: 0,
        model: Model::default(),
        tally: Tally::default(),
        collects_cycles: C::CAPABILITIES.collects_cycles,
        outside: Outside::default(),
        pauses: 0,
        marking: false,
    };
    let result = run_scopes(&mut heap, &mut run);
    drop(run.outside.persistent.drain(..));
    drop(run.outside.maps.drain(..));
    guarded(move || {
        drop(heap);
        Ok(())
    })
    .map_err(|e| format!("dropping the heap: {e}"))?;
    result?;
    let counts = run.tally.0.borrow();
    match counts.iter().position(|&n| n != 1) {
        Some(id) => Err(format!(
            "after dropping the heap, #{id} was dropped {} times",
            counts[id]
        )),
        None => Ok(()),
    }
}

/// Runs the program in `heap.scope` calls: one, and a new one after each
/// [`Op::Restart`] (checked in a scope of its own).
fn run_scopes<C: Collector>(heap: &mut Heap<C>, run: &mut Run<'_>) -> Result<(), String> {
    loop {
        match heap.scope("harness", |s| run_frame(s, None, run))? {
            Exit::Restart => {
                let at = run.next - 1;
                heap.scope("harness", |s| {
                    let frame = Frame {
                        parent: None,
                        own: Vec::new(),
                    };
                    guarded(|| check(s, &frame, run, false))
                })
                .map_err(|e| format!("step {at} (Restart): {e}"))?;
            }
            Exit::End | Exit::Leave => return Ok(()),
        }
    }
}

fn run_frame<C: Collector>(
    s: &mut Scope<'_, C>,
    parent: Option<&dyn Handles>,
    run: &mut Run<'_>,
) -> Result<Exit, String> {
    let mut frame = Frame {
        parent,
        own: Vec::new(),
    };
    while let Some(op) = run.ops.get(run.next) {
        if op.in_region() {
            run_region(s, &mut frame, run)?;
            continue;
        }
        run.next += 1;
        let step = run.model.resolve(op);
        run.model.apply(op, step);
        let result = match step {
            Step::Leave => return Ok(Exit::Leave),
            Step::Restart => return Ok(Exit::Restart),
            Step::Enter => match s.scope("harness", |inner| run_frame(inner, Some(&frame), run))? {
                Exit::Leave => Ok(()),
                exit => return Ok(exit),
            },
            Step::Eph(step) => {
                guarded(|| super::ephemeron::execute(s, &mut frame, step, &mut run.outside.maps))
            }
            _ => guarded(|| execute(s, &mut frame, step, &run.tally, &mut run.outside.weaks)),
        };
        let at = run.next - 1;
        result
            .and_then(|()| guarded(|| check(s, &frame, run, step == Step::Collect)))
            .map_err(|e| format!("step {at} ({:?}): {e}", run.ops[at]))?;
    }
    Ok(Exit::End)
}

/// Runs the model ops from `run.next` on in one mutation region, up to the
/// first op outside regions or [`Op::Yield`], checking the tables after each
/// one; then, once the region has ended (and the heap collected if it was
/// due), checks the whole heap.
fn run_region<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    frame: &mut Frame<'_, 's>,
    run: &mut Run<'_>,
) -> Result<(), String> {
    let mut ops = Ok(());
    // A panic here comes from the collection at the region's end (each op
    // is guarded on its own).
    let ended = guarded(|| {
        ops = s.mutate(|m| run_region_ops(m, frame, run));
        Ok(())
    });
    let at = run.next - 1;
    let op = &run.ops[at];
    ops?;
    ended.map_err(|e| format!("step {at} ({op:?}), when its region ended: {e}"))?;
    guarded(|| check(s, frame, run, false))
        .map_err(|e| format!("step {at} ({op:?}), after its region ended: {e}"))
}

/// The ops of one region, each checked (see [`run_region`]).
fn run_region_ops<'s, C: Collector>(
    m: &gc_core::model::Mutation<'s, '_, C>,
    frame: &mut Frame<'_, 's>,
    run: &mut Run<'_>,
) -> Result<(), String> {
    let region = Region {
        m,
        tally: &run.tally,
    };
    while let Some(op) = run.ops.get(run.next).filter(|op| op.in_region()) {
        run.next += 1;
        let step = run.model.resolve(op);
        run.model.apply(op, step);
        if matches!(step, Step::Yield) {
            break;
        }
        let at = run.next - 1;
        if step != Step::Skip {
            guarded(|| region.execute(frame, &mut run.outside, step))
                .and_then(|()| guarded(|| check_region(m, frame, run)))
                .map_err(|e| format!("step {at} ({op:?}): {e}"))?;
        }
    }
    Ok(())
}

/// The checks inside a region: drop counts, then the tables (handle-API
/// objects cannot change inside a region).
fn check_region<C: Collector>(
    m: &gc_core::model::Mutation<'_, '_, C>,
    frame: &Frame<'_, '_>,
    run: &Run<'_>,
) -> Result<(), String> {
    let model = &run.model;
    check_drops(model, &run.tally.0.borrow(), &model.reachable(), false)?;
    region::walk(m, frame, &run.model, &run.outside, !run.marking)
}

thread_local! {
    /// Set while this thread runs [`guarded`] code, whose panics become errors.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into an error. The panic is not printed: a
/// shrinking run catches hundreds, and the error carries the message.
pub(super) fn guarded(f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was_quiet = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was_quiet));
    result.unwrap_or_else(|payload| {
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("(non-string panic)");
        Err(format!("panicked: {text}"))
    })
}

fn execute<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    frame: &mut Frame<'_, 's>,
    step: Step,
    tally: &Tally,
    weaks: &mut Vec<AnyWeak>,
) -> Result<(), String> {
    match step {
        Step::Alloc { id, kind, len } => frame.own.push(Handle::alloc(s, id, kind, len, tally)),
        Step::Set { obj, edge, target } => {
            frame.with(obj, &mut |o| {
                frame.with(target, &mut |t| store(s, o, edge, Some(t)))
            });
        }
        Step::Clear { obj, edge } => frame.with(obj, &mut |o| store(s, o, edge, None)),
        Step::Load { obj, edge, target } => {
            let mut loaded = None;
            frame.with(obj, &mut |o| loaded = load(s, o, edge));
            if loaded.is_some() != target.is_some() {
                return Err(format!(
                    "load of {edge} returned {}",
                    if target.is_some() {
                        "null"
                    } else {
                        "an object"
                    }
                ));
            }
            frame.own.extend(loaded);
        }
        Step::Root { obj } => {
            let mut rooted = None;
            frame.with(obj, &mut |o| rooted = Some(root_in(s, o)));
            frame.own.extend(rooted);
        }
        Step::Assign { root, from } => {
            frame.with(root, &mut |r| frame.with(from, &mut |f| assign(s, r, f)))
        }
        Step::Read { obj, id } => {
            let mut found = 0;
            frame.with(obj, &mut |o| found = id_of(s, o));
            if found != id {
                return Err(format!("root {obj} reads as #{found}, expected #{id}"));
            }
        }
        Step::Collect => s.collect(),
        Step::Downgrade { obj, .. } => {
            let mut made = None;
            frame.with(obj, &mut |o| made = Some(downgrade(s, o)));
            weaks.extend(made);
        }
        Step::Upgrade {
            weak, id, alive, ..
        } => upgrade_into(s, frame, &weaks[weak], &format!("weak {weak}"), id, alive)?,
        Step::StoreWeak { obj, weak, .. } => frame.with(obj, &mut |o| {
            with_root!(o, |r| s.get(r).weak.borrow_mut().push(weaks[weak]))
        }),
        Step::LoadWeak {
            obj,
            index,
            id,
            alive,
            ..
        } => {
            let mut stored = None;
            frame.with(obj, &mut |o| {
                stored = with_root!(o, |r| s.get(r).weak.borrow().get(index).copied())
            });
            let stored = stored.ok_or_else(|| format!("root {obj} holds no weak[{index}]"))?;
            upgrade_into(
                s,
                frame,
                &stored,
                &format!("root {obj}.weak[{index}]"),
                id,
                alive,
            )?;
        }
        Step::Enter | Step::Leave | Step::Yield | Step::Skip => {}
        _ => unreachable!("not a step outside regions: {step:?}"),
    }
    Ok(())
}

/// Upgrades `weak` (to #`id`), checks the result against the model and
/// roots the object in the current scope if it upgraded.
fn upgrade_into<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    frame: &mut Frame<'_, 's>,
    weak: &AnyWeak,
    what: &str,
    id: u64,
    alive: bool,
) -> Result<(), String> {
    let up = upgrade(s, weak);
    expect_upgrade(what, id, alive, up.is_some())?;
    if let Some(h) = up {
        let found = id_of(s, h);
        if found != id {
            return Err(format!("{what} upgraded to #{found}, expected #{id}"));
        }
        frame.own.push(h);
    }
    Ok(())
}

/// Tells the model of the pauses that ran since it last learnt of one:
/// all in the same state (the heap collects only when a step allocates or
/// a region ends, and the model's state after the step is the state the
/// collection saw, new objects aside). A collection finds every
/// unreachable object dead if it traced the heap or ran trial deletion
/// (the phases that ran took time), else only those no garbage cycle holds
/// (reference counting's reconciliation; see [`Model::collected`]).
///
/// An incremental marking cycle decides at its snapshot (the pause that
/// began its marking), where what it finds unreachable is only doomed,
/// and kills the doomed at its end; the objects weak references were
/// upgraded to since the last step are spared first (each upgrade came
/// before any pause of this step, or in a check after the last one).
fn learn_collections<C: Collector>(s: &Scope<'_, C>, run: &mut Run<'_>) {
    for id in UPGRADED.with_borrow_mut(std::mem::take) {
        run.model.spared(id);
    }
    let stats = s.stats();
    run.marking = s.collector().marking_step().is_some();
    let new = (stats.pauses.count() - run.pauses) as usize;
    if new == 0 {
        return;
    }
    assert!(
        stats.events.len() >= new,
        "harness bug: the event log keeps {} events, {new} pauses ran in one step",
        stats.events.len()
    );
    let complete = |e: &CollectionEvent| {
        matches!(e.cause, Cause::Explicit | Cause::AllocationFailure)
            || !e.phase(Phase::Trace).is_zero()
            || !e.phase(Phase::Cycles).is_zero()
    };
    for event in stats.events.iter().skip(stats.events.len() - new) {
        if !event.incremental {
            run.model.collected(complete(event), false);
            continue;
        }
        if event.began_marking {
            run.model.cycle_ended();
            run.model.collected(true, !event.ended_marking);
        } else if event.ended_marking {
            run.model.cycle_ended();
        }
    }
    run.pauses = stats.pauses.count();
}

/// The checks after a step: drop counts (before touching the heap, so a
/// wrongly freed object is reported rather than read), then the object
/// count after an explicit collect, then the whole reachable graph.
fn check<C: Collector>(
    s: &mut Scope<'_, C>,
    frame: &Frame<'_, '_>,
    run: &mut Run<'_>,
    collected: bool,
) -> Result<(), String> {
    learn_collections(s, run);
    let model = &run.model;
    assert_eq!(
        frame.len(),
        model.roots.len(),
        "harness bug: the model's shadow stack is out of step"
    );
    let reachable = model.reachable();
    check_drops(
        model,
        &run.tally.0.borrow(),
        &reachable,
        collected && run.collects_cycles,
    )?;
    if collected {
        // The held weak maps are objects too (the model keeps them apart).
        let maps = model.maps.iter().filter(|m| m.held).count();
        let expected = reachable.iter().filter(|&&r| r).count() + maps;
        let objects = s.usage().objects;
        if objects != expected && (run.collects_cycles || objects < expected) {
            return Err(format!(
                "after collect() the heap holds {objects} objects; {expected} are reachable"
            ));
        }
    }
    check_weak_identity(&run.outside.weaks, &model.weaks)?;
    let weaks = &run.outside.weaks;
    s.scope("harness-check", |c| {
        let seen = walk(c, frame, model, weaks)?;
        match run.marking {
            // An upgrade marks its object while a cycle marks (the read
            // barrier): a check must not change what the cycle keeps, so
            // it upgrades only between cycles (the program's own upgrades
            // are checked as they run).
            true => Ok(()),
            false => check_weaks(c, &seen, model, weaks),
        }
    })?;
    super::ephemeron::check(s, frame, model, &run.outside.maps)?;
    let collections = s.stats().collections;
    s.mutate(|m| region::walk(m, frame, model, &run.outside, !run.marking))?;
    assert_eq!(
        s.stats().collections,
        collections,
        "harness bug: the check's region collected"
    );
    Ok(())
}

/// Checks each object's drop count against its reachability; a wrong one
/// is reported with the model's path to it from a named root, if any.
fn check_drops(
    model: &Model,
    counts: &[u32],
    reachable: &[bool],
    garbage_must_be_gone: bool,
) -> Result<(), String> {
    for (id, (&count, &live)) in counts.iter().zip(reachable).enumerate() {
        let problem = match (live, count) {
            (true, 0) | (false, 1) => continue,
            (false, 0) if !garbage_must_be_gone => continue,
            (true, n) => format!("is reachable but was dropped {n} time(s)"),
            (false, 0) => "is unreachable but collect() did not drop it".to_string(),
            (false, n) => format!("was dropped {n} times"),
        };
        return Err(match model.path_to(id as u64) {
            Some(path) => format!("#{id} ({path}) {problem}"),
            None => format!("#{id} {problem}"),
        });
    }
    Ok(())
}

/// Follows every root and edge on the real heap, comparing each object with
/// the model by payload id: kind, payload, edges, and one address per id.
fn walk<'c, C: Collector>(
    c: &mut Scope<'c, C>,
    roots: &dyn Handles,
    model: &Model,
    weaks: &[AnyWeak],
) -> Result<Vec<Option<Handle<'c>>>, String> {
    let mut seen: Vec<Option<Handle<'_>>> = vec![None; model.objects.len()];
    let mut stack = Vec::new();
    for (index, &id) in model.roots.iter().enumerate().rev() {
        roots.with(index, &mut |r| {
            if r.kind() != Kind::Table {
                stack.push((root_in(c, r), id, format!("root {index}")))
            }
        });
    }
    while let Some((h, id, path)) = stack.pop() {
        let object = model.object(id);
        if h.kind() != object.kind {
            return Err(format!(
                "{path} should be #{id}, a {:?} object",
                object.kind
            ));
        }
        let found = id_of(c, h);
        if found != id {
            return Err(format!("{path} should be #{id} but is #{found}"));
        }
        if let Some(first) = seen[id as usize] {
            if !ptr_eq(c, first, h) {
                return Err(format!("{path} reaches a second copy of #{id}"));
            }
            continue;
        }
        seen[id as usize] = Some(h);
        if !intact(c, h, object.len) {
            return Err(format!("{path} (#{id}): payload or inline words corrupted"));
        }
        let stored = with_root!(h, |r| c.get(r).weak.borrow().clone());
        if stored.len() != object.weak.len() {
            return Err(format!(
                "{path} (#{id}) holds {} weak references, expected {}",
                stored.len(),
                object.weak.len()
            ));
        }
        for (k, (w, &target)) in stored.iter().zip(&object.weak).enumerate() {
            let made = |(v, &t): (&AnyWeak, &u64)| v == w && t == target;
            if !weaks.iter().zip(&model.weaks).any(made) {
                return Err(format!(
                    "{path}.weak[{k}] is not the weak reference to #{target} stored there"
                ));
            }
        }
        for edge in Edge::ALL {
            match (load(c, h, edge), object.edge(edge)) {
                (None, None) => {}
                (Some(next), Some(target)) => stack.push((next, target, format!("{path}.{edge}"))),
                (Some(_), None) => return Err(format!("{path}.{edge} should be null")),
                (None, Some(t)) => {
                    return Err(format!("{path}.{edge} should refer to #{t} but is null"))
                }
            }
        }
    }
    Ok(seen)
}

/// Two weak references are equal (and hash the same) exactly when they
/// were made from the same object: checked at every step, so across moves
/// and deaths.
fn check_weak_identity(weaks: &[AnyWeak], ids: &[u64]) -> Result<(), String> {
    use std::hash::BuildHasher;
    let hasher =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
    for (i, (a, &x)) in weaks.iter().zip(ids).enumerate() {
        for (j, (b, &y)) in weaks.iter().zip(ids).enumerate().skip(i + 1) {
            if (a == b) != (x == y) {
                let how = if a == b { "equal" } else { "different" };
                return Err(format!("weak {i} (#{x}) and weak {j} (#{y}) are {how}"));
            }
            if a == b && hasher.hash_one(a) != hasher.hash_one(b) {
                return Err(format!(
                    "weak {i} and weak {j} are equal but hash differently"
                ));
            }
        }
    }
    Ok(())
}

/// Upgrades every weak reference to a handle-API object in the run's list
/// (tables' are checked in a region, [`region::walk`]): one upgrades
/// exactly when the model says its object is alive, to that object: the
/// one the walk reached (compared by address, nothing read) or, for an
/// unreachable object no collection has found yet, the one with its id.
fn check_weaks<C: Collector>(
    c: &mut Scope<'_, C>,
    seen: &[Option<Handle<'_>>],
    model: &Model,
    weaks: &[AnyWeak],
) -> Result<(), String> {
    for (i, (weak, &id)) in weaks.iter().zip(&model.weaks).enumerate() {
        if matches!(weak, AnyWeak::Table(_)) {
            continue;
        }
        let up = upgrade(c, weak);
        expect_upgrade(
            &format!("weak {i}"),
            id,
            !model.object(id).dead,
            up.is_some(),
        )?;
        let Some(up) = up else { continue };
        match seen[id as usize] {
            Some(there) if ptr_eq(c, there, up) => {}
            Some(_) => return Err(format!("weak {i} upgraded to another copy of #{id}")),
            None => {
                let found = id_of(c, up);
                if found != id {
                    return Err(format!("weak {i} upgraded to #{found}, expected #{id}"));
                }
            }
        }
    }
    Ok(())
}
