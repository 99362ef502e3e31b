//! Small helpers over the Scope API: allocating values, reading pairs and
//! lists, and building parsed [`Datum`]s on the heap.
//!
//! The idioms they show: every allocation is `try_alloc` (so running out of
//! heap is an error value, not a panic); `Gc` fields start null and are
//! filled with `Scope::set` from roots; a loop re-points one root with
//! `Scope::assign` instead of pushing a new slot per step where it can.

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

/// `list` without its first `k` elements; the list is known to be that long.
pub fn drop_front<'s, C: Collector>(
    s: &Scope<'s, C>,
    list: Root<'_, Value>,
    k: usize,
) -> Root<'s, Value> {
    let cursor = s.root(list);
    for _ in 0..k {
        s.assign(cursor, cdr(s, cursor));
    }
    cursor
}

/// The elements of a proper list, each rooted in `s`; `None` if `list` is
/// not a proper list.
pub fn list_items<'s, C: Collector>(
    s: &Scope<'s, C>,
    list: Root<'_, Value>,
) -> Option<Vec<Root<'s, Value>>> {
    let mut items = Vec::new();
    let cursor = s.root(list);
    loop {
        match s.get(cursor) {
            Value::Nil => return Some(items),
            Value::Pair { .. } => {
                items.push(car(s, cursor));
                s.assign(cursor, cdr(s, cursor));
            }
            _ => return None,
        }
    }
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
