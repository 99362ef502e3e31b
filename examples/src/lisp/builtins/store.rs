//! Vectors, SRFI-69 hash tables and records.

use super::{Args, Flow};
use crate::lisp::data::{alloc, elements, make_list};
use crate::lisp::error::LispError;
use crate::lisp::print::print;
use crate::lisp::table::{Key, Table, Test};
use crate::lisp::value::{Builtin, Record, Symbols, Value, Vector};
use gc_core::model::{Gc, GcVec, Mutation, RefLock};
use gc_core::Collector;

type Result<T> = std::result::Result<T, LispError>;

/// A new vector object holding `items`.
pub fn new_vector<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    items: impl ExactSizeIterator<Item = Value<'gc>>,
) -> Result<Gc<'gc, Vector<'gc>>> {
    let mut elements = GcVec::try_with_capacity(m, items.len())?;
    for item in items {
        elements.push(item); // within the capacity: never allocates
    }
    alloc(m, RefLock::new(elements))
}

/// Calls a vector, table or record builtin; `None` if `builtin` is not one.
pub fn call<'gc, C: Collector>(
    builtin: Builtin,
    args: &[Value<'gc>],
    symbols: &Symbols,
    m: &Mutation<'_, 'gc, C>,
) -> Result<Option<Value<'gc>>> {
    use Builtin as B;
    let a = Args::new(builtin, args, symbols);
    Ok(Some(match builtin {
        B::Vector => Value::Vector(new_vector(m, args.iter().copied())?),
        B::MakeVector => {
            let (length, fill) = match *args {
                [length] => (length, Value::Bool(false)),
                [length, fill] => (length, fill),
                _ => return Err(a.arity("1 or 2")),
            };
            Value::Vector(new_vector(m, std::iter::repeat_n(fill, a.size(length)?))?)
        }
        B::VectorLength => Value::Int(a.vector(a.one()?)?.borrow().len() as i64),
        B::VectorRef => {
            let [items, index] = a.exactly()?;
            let items = a.vector(items)?;
            let items = items.borrow();
            items[a.index(index, items.len())?]
        }
        B::VectorSet => {
            let [items, index, value] = a.exactly()?;
            let items = a.vector(items)?;
            let index = a.index(index, items.borrow().len())?;
            m.write(items).borrow_mut()[index] = value;
            Value::Unspecified
        }
        B::VectorPush => {
            let [items, value] = a.exactly()?;
            m.write(a.vector(items)?).borrow_mut().try_push(value)?;
            Value::Unspecified
        }
        B::VectorFill => {
            let [items, value] = a.exactly()?;
            m.write(a.vector(items)?)
                .borrow_mut()
                .iter_mut()
                .for_each(|slot| *slot = value);
            Value::Unspecified
        }
        B::VectorToList | B::VectorCopy | B::Subvector => {
            let args = a.between(1, 3)?;
            let items = a.vector(args[0])?.borrow().to_vec();
            let start = args.get(1).map(|&v| a.size(v)).transpose()?.unwrap_or(0);
            let end = args
                .get(2)
                .map(|&v| a.size(v))
                .transpose()?
                .unwrap_or(items.len());
            if start > end || end > items.len() {
                return Err(a.error(format!(
                    "range {start}..{end} out of bounds for length {}",
                    items.len()
                )));
            }
            let part = items[start..end].iter().copied();
            if builtin == B::VectorToList {
                make_list(m, part, Value::Nil)?
            } else {
                Value::Vector(new_vector(m, part)?)
            }
        }
        B::VectorGrow => {
            let [items, length] = a.exactly()?;
            let mut all = a.vector(items)?.borrow().to_vec();
            let length = a.size(length)?;
            if length < all.len() {
                return Err(a.error(format!("cannot shrink a vector to {length}")));
            }
            all.resize(length, Value::Bool(false));
            Value::Vector(new_vector(m, all.into_iter())?)
        }
        B::VectorAppend => {
            let mut all = Vec::new();
            for &arg in args {
                all.extend(a.vector(arg)?.borrow().iter().copied());
            }
            Value::Vector(new_vector(m, all.into_iter())?)
        }
        B::ListToVector => {
            let list = a.one()?;
            a.list_length(list)?;
            let items: Vec<_> = elements(list).collect();
            Value::Vector(new_vector(m, items.into_iter())?)
        }
        B::MakeHashTable | B::MakeWeakValueHashTable => make_hash_table(m, a)?,
        B::HashTableSet | B::HashTableRefDefault | B::HashTableDelete | B::HashTableSize => {
            table_op(m, a)?
        }
        B::RecordType => {
            let [name, fields] = a.exactly()?;
            a.list_length(fields)?;
            let items: Vec<_> = std::iter::once(name).chain(elements(fields)).collect();
            Value::Vector(new_vector(m, items.into_iter())?)
        }
        B::MakeRecord => {
            let (&kind, fields) = args.split_first().ok_or_else(|| a.arity("at least 1"))?;
            let kind = a.vector(kind)?;
            let mut values = GcVec::try_with_capacity(m, fields.len())?;
            fields.iter().for_each(|&field| values.push(field));
            let record = Record {
                kind,
                fields: RefLock::new(values),
            };
            Value::Record(alloc(m, record)?)
        }
        B::IsRecord => {
            let [value, kind] = a.exactly()?;
            let kind = a.vector(kind)?;
            Value::Bool(matches!(value, Value::Record(r) if Gc::ptr_eq(r.kind, kind)))
        }
        B::RecordRef | B::RecordSet => {
            let (record, kind, index) = match *args {
                [record, kind, index] | [record, kind, index, _] => (record, kind, index),
                _ => return Err(a.arity("3 or 4")),
            };
            let kind = a.vector(kind)?;
            let record = match a.record(record) {
                Ok(r) if Gc::ptr_eq(r.kind, kind) => r,
                _ => {
                    let name = kind.borrow().first().copied().unwrap_or(Value::Nil);
                    let what = format!("a record of type {}", print(symbols, name, 40, false));
                    return Err(a.expected(&what, record));
                }
            };
            let index = a.index(index, record.fields.borrow().len())?;
            match args.get(3) {
                Some(&value) => {
                    m.write(record).project(|r| &r.fields).borrow_mut()[index] = value;
                    Value::Unspecified
                }
                None => record.fields.borrow()[index],
            }
        }
        _ => return Ok(None),
    }))
}

/// `(make-hash-table [equal?|eq?|eqv?])`: an `equal?` table by default;
/// `(make-weak-value-hash-table [equal?|eq?|eqv?])`: a weak-value table,
/// `eq?` by default (as Guile's).
fn make_hash_table<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    a: Args<'_, 'gc>,
) -> Result<Value<'gc>> {
    let weak = a.builtin == Builtin::MakeWeakValueHashTable;
    let test = match *a.args {
        [] if weak => Test::Eq,
        [] | [Value::Builtin(Builtin::Equal)] => Test::Equal,
        [Value::Builtin(Builtin::Eq | Builtin::Eqv)] => Test::Eq,
        [other] => return Err(a.expected("an equivalence (equal?, eqv? or eq?)", other)),
        _ => return Err(a.arity("0 or 1")),
    };
    Ok(Value::Table(alloc(m, Table::new(m, test, weak))?))
}

/// `hash-table-set!`, `hash-table-ref/default`, `hash-table-delete!`,
/// `hash-table-size`.
fn table_op<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, a: Args<'_, 'gc>) -> Result<Value<'gc>> {
    use Builtin as B;
    let (&table, rest) = a.args.split_first().ok_or_else(|| a.arity("at least 1"))?;
    let table = a.table(table)?;
    Ok(match (a.builtin, rest) {
        (B::HashTableSize, []) => Value::Int(Table::size(table, m) as i64),
        (B::HashTableSet, &[k, value]) => {
            Table::set(table, m, k, value)?;
            Value::Unspecified
        }
        (B::HashTableRefDefault, &[k, default]) => table.get(m, k).unwrap_or(default),
        (B::HashTableDelete, &[k]) => {
            let key = Key {
                value: k,
                test: table.test,
            };
            m.write(table)
                .project(|t| &t.map)
                .borrow_mut()
                .remove(m, &key);
            Value::Unspecified
        }
        (B::HashTableSize, _) => return Err(a.arity("1")),
        (B::HashTableDelete, _) => return Err(a.arity("2")),
        _ => return Err(a.arity("3")),
    })
}

/// `(hash-table-ref table key [thunk])`: the thunk is called (in tail
/// position) when `key` is missing; without one that is an error.
pub fn hash_table_ref<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    a: Args<'_, 'gc>,
) -> Result<Flow<'gc>> {
    let (table, key, thunk) = match *a.args {
        [table, key] => (table, key, None),
        [table, key, thunk] => (table, key, Some(thunk)),
        _ => return Err(a.arity("2 or 3")),
    };
    let found = a.table(table)?.get(m, key);
    match (found, thunk) {
        (Some(value), _) => Ok(Flow::Return(value)),
        (None, Some(thunk)) => Ok(Flow::Call(thunk)),
        (None, None) => {
            let shown = print(a.symbols, key, 60, true);
            Err(a.error(format!("no value for key {shown}")))
        }
    }
}
