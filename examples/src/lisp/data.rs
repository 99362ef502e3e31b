//! Small helpers over the object model: allocating values, reading pairs
//! and lists, and building parsed [`Datum`]s on the heap.
//!
//! Every allocation is `try_alloc` (or a container's `try_` method), so
//! running out of heap is an error value, not a panic. Reads are plain:
//! inside a region a [`Gc`] dereferences at no cost and nothing moves.

use super::error::LispError;
use super::parse::Datum;
use super::value::{Big, Pair, Value, Vector};
use gc_core::model::{Gc, GcVec, Lock, Mutation, RefLock};
use gc_core::{Collector, Rebrand, Trace};
use num_bigint::BigInt;

type Result<T> = std::result::Result<T, LispError>;

/// Allocates `value`, turning a full heap into [`LispError::OutOfMemory`].
pub fn alloc<'gc, C: Collector, T>(m: &Mutation<'_, 'gc, C>, value: T) -> Result<Gc<'gc, T>>
where
    T: Trace + Rebrand<'static> + 'gc,
    T::Output: Trace + 'static,
{
    Ok(m.try_alloc(value)?)
}

/// A new pair `(car . cdr)`.
pub fn cons<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    car: Value<'gc>,
    cdr: Value<'gc>,
) -> Result<Value<'gc>> {
    let pair = alloc(
        m,
        Pair {
            car: Lock::new(car),
            cdr: Lock::new(cdr),
        },
    )?;
    Ok(Value::Pair(pair))
}

/// The exact integer `n`: `Int` if it fits in 64 bits, else a bignum on
/// the heap (its digits charged to it).
pub fn big<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, n: BigInt) -> Result<Value<'gc>> {
    if let Ok(small) = i64::try_from(&n) {
        return Ok(Value::Int(small));
    }
    let charge = m.charge(n.bits().div_ceil(8) as usize)?;
    Ok(Value::Big(alloc(m, Big { n, charge })?))
}

/// A new string holding `text`.
pub fn string<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, text: &str) -> Result<Value<'gc>> {
    string_from(m, text.chars())
}

/// A new string of the characters `chars`.
pub fn string_from<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    chars: impl Iterator<Item = char>,
) -> Result<Value<'gc>> {
    let mut text = GcVec::new(m);
    let (low, _) = chars.size_hint();
    text.try_reserve(low)?;
    for c in chars {
        text.try_push(c)?;
    }
    Ok(Value::Str(alloc(m, RefLock::new(text))?))
}

/// A new vector of `items`.
pub fn vector<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    items: impl ExactSizeIterator<Item = Value<'gc>>,
) -> Result<Value<'gc>> {
    let mut elements = GcVec::try_with_capacity(m, items.len())?;
    for item in items {
        elements.push(item); // within the capacity: never allocates
    }
    let vector: Gc<'gc, Vector<'gc>> = alloc(m, RefLock::new(elements))?;
    Ok(Value::Vector(vector))
}

/// The `car` and `cdr` of `value`; `None` if it is not a pair.
pub fn pair_of(value: Value<'_>) -> Option<(Value<'_>, Value<'_>)> {
    match value {
        Value::Pair(pair) => Some((pair.car.get(), pair.cdr.get())),
        _ => None,
    }
}

/// The elements of a list; stops at the first non-pair (so an improper
/// tail is dropped; check with [`list_length`] first).
pub fn elements(list: Value<'_>) -> impl Iterator<Item = Value<'_>> {
    let mut rest = list;
    std::iter::from_fn(move || {
        let (car, cdr) = pair_of(rest)?;
        rest = cdr;
        Some(car)
    })
}

/// `true` if `a` and `b` are the same pair.
pub fn same_pair<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    matches!((a, b), (Value::Pair(a), Value::Pair(b)) if Gc::ptr_eq(a, b))
}

/// The length of a proper list, `None` for an improper or cyclic one (a
/// second cursor at half speed meets the first on a cyclic spine).
pub fn list_length(list: Value<'_>) -> Option<usize> {
    let (mut fast, mut slow) = (list, list);
    let mut length = 0;
    while let Some((_, rest)) = pair_of(fast) {
        length += 1;
        fast = rest;
        if length % 2 == 0 {
            slow = pair_of(slow).expect("behind fast").1;
        }
        if same_pair(fast, slow) {
            return None;
        }
    }
    matches!(fast, Value::Nil).then_some(length)
}

/// A list of `items` ending in `tail`.
pub fn make_list<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    items: impl DoubleEndedIterator<Item = Value<'gc>>,
    tail: Value<'gc>,
) -> Result<Value<'gc>> {
    items.rev().try_fold(tail, |list, item| cons(m, item, list))
}

/// Builds a parsed datum on the heap (recursing once per level of list
/// nesting, which the reader bounds).
pub fn build<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, datum: &Datum) -> Result<Value<'gc>> {
    Ok(match datum {
        Datum::Int(n) => Value::Int(*n),
        Datum::Big(n) => big(m, n.clone())?,
        Datum::Float(x) => Value::Float(*x),
        Datum::Char(c) => Value::Char(*c),
        Datum::Bool(b) => Value::Bool(*b),
        Datum::Str(text) => string(m, text)?,
        Datum::Vector(items) => {
            let items = items
                .iter()
                .map(|item| build(m, item))
                .collect::<Result<Vec<_>>>()?;
            vector(m, items.into_iter())?
        }
        Datum::Sym(sym) => Value::Sym(*sym),
        Datum::List(items, tail) => {
            let tail = match tail {
                Some(tail) => build(m, tail)?,
                None => Value::Nil,
            };
            let mut list = tail;
            for item in items.iter().rev() {
                let item = build(m, item)?;
                list = cons(m, item, list)?;
            }
            list
        }
    })
}
