//! Pairs and lists: `cons`, `car`, the `c[ad]{2,4}r` family, `append`,
//! `reverse`, `list-tail`, the `mem`/`ass` searches.

use super::{num::eqv, Args};
use crate::lisp::data::{cons, elements, make_list, pair_of};
use crate::lisp::error::LispError;
use crate::lisp::table::{eq, equal};
use crate::lisp::value::{Builtin, Symbols, Value};
use gc_core::model::Mutation;
use gc_core::Collector;

type Result<T> = std::result::Result<T, LispError>;

/// Calls a list builtin; `None` if `builtin` is not one.
pub fn call<'gc, C: Collector>(
    builtin: Builtin,
    args: &[Value<'gc>],
    symbols: &Symbols,
    m: &Mutation<'_, 'gc, C>,
) -> Result<Option<Value<'gc>>> {
    use Builtin as B;
    let a = Args::new(builtin, args, symbols);
    Ok(Some(match builtin {
        B::Cons => {
            let [x, y] = a.exactly()?;
            cons(m, x, y)?
        }
        B::Car => match a.one()? {
            Value::Pair(pair) => pair.car.get(),
            other => return Err(a.expected("a pair", other)),
        },
        B::Cdr => match a.one()? {
            Value::Pair(pair) => pair.cdr.get(),
            other => return Err(a.expected("a pair", other)),
        },
        B::SetCar | B::SetCdr => {
            let [pair, value] = a.exactly()?;
            let Value::Pair(pair) = pair else {
                return Err(a.expected("a pair", pair));
            };
            if builtin == B::SetCar {
                m.write(pair).project(|p| &p.car).set(value);
            } else {
                m.write(pair).project(|p| &p.cdr).set(value);
            }
            Value::Unspecified
        }
        B::List => make_list(m, args.iter().copied(), Value::Nil)?,
        B::Length => Value::Int(a.list_length(a.one()?)? as i64),
        B::Append => append(m, a)?,
        B::Reverse => {
            let list = a.one()?;
            a.list_length(list)?;
            elements(list).try_fold(Value::Nil, |acc, item| cons(m, item, acc))?
        }
        B::ListCopy => {
            let list = a.one()?;
            let items: Vec<_> = elements(list).collect();
            let mut tail = list;
            for _ in 0..items.len() {
                tail = pair_of(tail).expect("counted").1;
            }
            make_list(m, items.into_iter(), tail)?
        }
        B::ListTail | B::ListRef => {
            let [list, k] = a.exactly()?;
            let k = a.size(k)?;
            let mut rest = list;
            for _ in 0..k {
                rest = match pair_of(rest) {
                    Some((_, cdr)) => cdr,
                    None => return Err(a.error(format!("index {k} is past the end of the list"))),
                };
            }
            if builtin == B::ListTail {
                rest
            } else {
                match pair_of(rest) {
                    Some((car, _)) => car,
                    None => return Err(a.error(format!("index {k} is past the end of the list"))),
                }
            }
        }
        B::LastPair => {
            let mut list = a.one()?;
            if !matches!(list, Value::Pair(_)) {
                return Err(a.expected("a pair", list));
            }
            while let Some((_, next @ Value::Pair(_))) = pair_of(list) {
                list = next;
            }
            list
        }
        B::Memq | B::Memv | B::MemberEqual => {
            let [x, list] = a.exactly()?;
            let same = same_as(builtin);
            let mut rest = list;
            loop {
                match pair_of(rest) {
                    Some((item, _)) if same(x, item) => break rest,
                    Some((_, next)) => rest = next,
                    None => break Value::Bool(false),
                }
            }
        }
        B::Assq | B::Assv | B::AssocEqual => {
            let [x, list] = a.exactly()?;
            let same = same_as(builtin);
            let mut found = Value::Bool(false);
            for entry in elements(list) {
                match pair_of(entry) {
                    Some((key, _)) if same(x, key) => {
                        found = entry;
                        break;
                    }
                    Some(_) => {}
                    None => return Err(a.expected("an association list", list)),
                }
            }
            found
        }
        _ => match cxr_path(builtin.name()) {
            Some(path) => {
                let mut value = a.one()?;
                for step in path.chars().rev() {
                    value = match (pair_of(value), step) {
                        (Some((car, _)), 'a') => car,
                        (Some((_, cdr)), _) => cdr,
                        (None, _) => return Err(a.expected("a deeper list", a.args[0])),
                    };
                }
                value
            }
            None => return Ok(None),
        },
    }))
}

/// The `a`/`d` letters of a `c[ad]+r` name.
fn cxr_path(name: &str) -> Option<&str> {
    let path = name.strip_prefix('c')?.strip_suffix('r')?;
    (path.len() >= 2 && path.chars().all(|c| c == 'a' || c == 'd')).then_some(path)
}

fn same_as<'gc>(builtin: Builtin) -> fn(Value<'gc>, Value<'gc>) -> bool {
    match builtin {
        Builtin::Memq | Builtin::Assq => |x, y| eq(x, y),
        Builtin::Memv | Builtin::Assv => |x, y| eqv(x, y),
        _ => |x, y| equal(x, y),
    }
}

/// `(append list ... tail)`: copies every list but the last, which is shared.
fn append<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, a: Args<'_, 'gc>) -> Result<Value<'gc>> {
    let Some((&last, lists)) = a.args.split_last() else {
        return Ok(Value::Nil);
    };
    let mut items = Vec::new();
    for &list in lists {
        a.list_length(list)?;
        items.extend(elements(list));
    }
    make_list(m, items.into_iter(), last)
}
