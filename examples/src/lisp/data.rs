//! Small helpers over the Scope API: allocating values, reading pairs and
//! lists, and building parsed [`Datum`]s on the heap.
//!
//! The idioms they show: every allocation is `try_alloc` (so running out of
//! heap is an error value, not a panic); `Gc` fields start null and are
//! filled with `Scope::set` from roots; reads that need no root borrow
//! through [`Gc::get`] ([`target`], [`pair_of`], [`elements`],
//! [`list_length`]); what must outlive an allocation is rooted with
//! `Scope::load` ([`car`], [`cdr`]).

use super::error::LispError;
use super::machine::Machine;
use super::parse::Datum;
use super::value::{Binding, Frame, Value};
use gc_core::{Collector, Gc, Root, Scope, Trace};

/// Allocates `value`, turning a full heap into [`LispError::OutOfMemory`].
pub fn alloc<'s, C: Collector, T: Trace + 'static>(
    s: &mut Scope<'s, C>,
    value: T,
) -> Result<Root<'s, T>, LispError> {
    Ok(s.try_alloc(value)?)
}

/// A new pair `(car . cdr)`.
pub fn cons<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    car: Root<'_, Value>,
    cdr: Root<'_, Value>,
) -> Result<Root<'s, Value>, LispError> {
    let pair = alloc(
        s,
        Value::Pair {
            car: Gc::null(),
            cdr: Gc::null(),
        },
    )?;
    s.set(pair, Value::car, car);
    s.set(pair, Value::cdr, cdr);
    Ok(pair)
}

/// The `car` of a value known to be a pair.
pub fn car<'s, C: Collector>(s: &Scope<'s, C>, pair: Root<'_, Value>) -> Root<'s, Value> {
    s.load(pair, Value::car)
        .expect("a pair's fields are set when it is built")
}

/// The `cdr` of a value known to be a pair.
pub fn cdr<'s, C: Collector>(s: &Scope<'s, C>, pair: Root<'_, Value>) -> Root<'s, Value> {
    s.load(pair, Value::cdr)
        .expect("a pair's fields are set when it is built")
}

/// The target of a field that is set once its object is built (a pair's
/// `car`/`cdr`, a binding's value, a closure's parts), borrowed with
/// [`Gc::get`]: no shadow-stack slot.
pub fn target<T>(field: &Gc<T>) -> &T {
    field
        .get()
        .expect("fields are set when their object is built")
}

/// The `car` and `cdr` of `value`, borrowed; `None` if it is not a pair.
pub fn pair_of(value: &Value) -> Option<(&Value, &Value)> {
    match value {
        Value::Pair { car, cdr } => Some((target(car), target(cdr))),
        _ => None,
    }
}

/// The elements of a list, borrowed; stops at the first non-pair (so an
/// improper tail is dropped; check with [`list_length`] first).
pub fn elements(list: &Value) -> impl Iterator<Item = &Value> {
    let mut rest = list;
    std::iter::from_fn(move || {
        let (car, cdr) = pair_of(rest)?;
        rest = cdr;
        Some(car)
    })
}

/// The length of a proper list, `None` for an improper or cyclic one (a
/// second cursor at half speed meets the first on a cyclic spine).
pub fn list_length(list: &Value) -> Option<usize> {
    let (mut fast, mut slow) = (list, list);
    let mut length = 0;
    while let Some((_, rest)) = pair_of(fast) {
        length += 1;
        fast = rest;
        if length % 2 == 0 {
            slow = pair_of(slow).expect("behind fast").1;
        }
        if std::ptr::eq(fast, slow) {
            return None;
        }
    }
    matches!(fast, Value::Nil).then_some(length)
}

/// A list of `items` (and `tail` as its last cdr).
pub fn make_list<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    items: &[Root<'_, Value>],
    tail: Root<'_, Value>,
) -> Result<Root<'s, Value>, LispError> {
    let list = s.root(tail);
    for &item in items.iter().rev() {
        let pair = cons(s, item, list)?;
        s.assign(list, pair);
    }
    Ok(list)
}

/// Adds the binding `sym = value` to `frame`.
pub fn bind<C: Collector>(
    s: &mut Scope<'_, C>,
    frame: Root<'_, Frame>,
    sym: u32,
    value: Root<'_, Value>,
) -> Result<(), LispError> {
    let binding = alloc(
        s,
        Binding {
            sym,
            value: Gc::null(),
            next: Gc::null(),
        },
    )?;
    s.set(binding, |b| &b.value, value);
    if let Some(head) = s.load(frame, |f| &f.head) {
        s.set(binding, |b| &b.next, head);
    }
    s.set(frame, |f| &f.head, binding);
    Ok(())
}

/// A new empty frame whose parent is `parent`.
pub fn new_frame<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    parent: Root<'_, Frame>,
) -> Result<Root<'s, Frame>, LispError> {
    let frame = alloc(s, Frame::default())?;
    s.set(frame, |f| &f.parent, parent);
    Ok(frame)
}

/// Builds a parsed datum on the heap.
pub fn build<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    m: &Machine<'_, '_>,
    datum: &Datum,
) -> Result<Root<'s, Value>, LispError> {
    match datum {
        Datum::Int(n) => alloc(s, Value::Int(*n)),
        Datum::Bool(b) => Ok(s.root(m.boolean(*b))),
        Datum::Str(text) => alloc(s, Value::Str(text.clone())),
        Datum::Sym(sym) => alloc(s, Value::Sym(*sym)),
        Datum::List(items, tail) => {
            let list = match tail {
                Some(tail) => build(s, m, tail)?,
                None => s.root(m.nil),
            };
            for item in items.iter().rev() {
                let item = build(s, m, item)?;
                let pair = cons(s, item, list)?;
                s.assign(list, pair);
            }
            Ok(list)
        }
    }
}
