//! SRFI-69 hash tables, `eq?` and `equal?`.
//!
//! A [`Table`] is a [`GcMap`] from [`Key`]s to values. An `eq?` table keys
//! heap objects by identity ([`Mutation::identity`]), which survives the
//! copying backend moving them; an `equal?` table hashes keys by structure:
//! numbers, symbols and strings by value, pairs and vectors by a bounded
//! walk of their elements (the first [`HASH_NODES`] values reached), so
//! hashing a long or cyclic list costs a constant. Mutating a key while it
//! is in a table is unspecified, as SRFI-69 says (the entry may no longer
//! be found).
//!
//! A weak-value table (`make-weak-value-hash-table`, Guile's name) holds
//! its keys strongly and its heap values by [`GcWeak`]: a value nothing
//! else refers to is cleared at the next collection, on every backend
//! alike, and its entry then reads as missing. Dead entries are swept
//! lazily: `hash-table-size` drops them before counting, a lookup that
//! finds one reports the key missing, and inserting a new key drops them
//! once the table has doubled since its last sweep (so a weak table never
//! holds more than about twice its live entries plus those that died since
//! its last sweep, at amortised constant cost per insertion). Immediates (numbers, booleans,
//! characters, symbols...) are not objects and are kept, as in Guile.

use super::value::{Big, Closure, Continuation, Pair, Port, Record, Text, Value, Vector};
use gc_core::model::{Gc, GcHash, GcMap, Lock, Mutation, RefLock};
use gc_core::{Collector, GcWeak, Threads, Trace};
use std::hash::{Hash, Hasher};
use std::mem::discriminant;

/// How many values of a key an `equal?` hash looks at.
pub const HASH_NODES: usize = 16;

/// Which equivalence a table's keys are compared with.
#[derive(Trace, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// `eq?`: identity.
    Eq,
    /// `equal?`: structure.
    Equal,
}

/// A hash table.
#[derive(Trace)]
pub struct Table<'gc> {
    /// The equivalence of its keys (every key carries it too).
    pub test: Test,
    /// `true` for a weak-value table: heap values are held by [`GcWeak`].
    pub weak: bool,
    /// The entries.
    pub map: RefLock<GcMap<'gc, Key<'gc>, Slot<'gc>>>,
    /// A weak-value table sweeps dead entries when an insertion brings it
    /// to this many entries (twice its size after the last sweep).
    pub sweep_at: Lock<usize>,
}

/// The least [`Table::sweep_at`].
const FIRST_SWEEP: usize = 8;

impl<'gc> Table<'gc> {
    /// An empty table.
    pub fn new<C: Collector>(m: &Mutation<'_, 'gc, C>, test: Test, weak: bool) -> Self {
        Table {
            test,
            weak,
            map: RefLock::new(GcMap::new(m)),
            sweep_at: Lock::new(FIRST_SWEEP),
        }
    }

    /// What this table stores for `value`: a weak reference to it in a
    /// weak-value table if it is a heap object, the value itself otherwise.
    pub fn slot<C: Collector>(&self, m: &Mutation<'_, 'gc, C>, value: Value<'gc>) -> Slot<'gc> {
        if !self.weak {
            return Slot::Strong(value);
        }
        match value {
            Value::Big(x) => Slot::Big(m.downgrade(x)),
            Value::Str(x) => Slot::Str(m.downgrade(x)),
            Value::Pair(x) => Slot::Pair(m.downgrade(x)),
            Value::Vector(x) => Slot::Vector(m.downgrade(x)),
            Value::Table(x) => Slot::Table(m.downgrade(x)),
            Value::Closure(x) => Slot::Closure(m.downgrade(x)),
            Value::Record(x) => Slot::Record(m.downgrade(x)),
            Value::Port(x) => Slot::Port(m.downgrade(x)),
            Value::Values(x) => Slot::Values(m.downgrade(x)),
            Value::Cont(x) => Slot::Cont(m.downgrade(x)),
            Value::Nil
            | Value::Unspecified
            | Value::Eof
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Char(_)
            | Value::Sym(_)
            | Value::Builtin(_) => Slot::Strong(value),
        }
    }

    /// The value stored under `key`, `None` if there is none or its value
    /// died.
    pub fn get<C: Collector>(
        &self,
        m: &Mutation<'_, 'gc, C>,
        key: Value<'gc>,
    ) -> Option<Value<'gc>> {
        let key = Key {
            value: key,
            test: self.test,
        };
        let slot = *self.map.borrow().get(m, &key)?;
        slot.value(m)
    }

    /// Stores `value` under `key`.
    pub fn set<C: Collector>(
        this: Gc<'gc, Self>,
        m: &Mutation<'_, 'gc, C>,
        key: Value<'gc>,
        value: Value<'gc>,
    ) -> Result<(), gc_core::GcError> {
        let key = Key {
            value: key,
            test: this.test,
        };
        let slot = this.slot(m, value);
        if this.weak && this.map.borrow().len() + 1 >= this.sweep_at.get() {
            Table::sweep(this, m);
        }
        m.write(this)
            .project(|t| &t.map)
            .borrow_mut()
            .try_insert(m, key, slot)?;
        Ok(())
    }

    /// Removes the entries whose value died, and sets the next sweep at
    /// twice the entries left.
    fn sweep<C: Collector>(this: Gc<'gc, Self>, m: &Mutation<'_, 'gc, C>) {
        let table = m.write(this);
        let mut map = table.project(|t| &t.map).borrow_mut();
        map.retain(|_, slot| slot.value(m).is_some());
        let next = (2 * map.len()).max(FIRST_SWEEP);
        drop(map);
        table.project(|t| &t.sweep_at).set(next);
    }

    /// The number of entries whose value lives; in a weak-value table it
    /// first removes the entries whose value died.
    pub fn size<C: Collector>(this: Gc<'gc, Self>, m: &Mutation<'_, 'gc, C>) -> usize {
        if this.weak {
            Table::sweep(this, m);
        }
        this.map.borrow().len()
    }
}

/// A table's value slot: the value, or (in a weak-value table) a weak
/// reference to the heap object it is.
#[derive(Trace, Clone, Copy, Debug)]
pub enum Slot<'gc> {
    /// Held strongly: every value of a strong table, immediates of a weak one.
    Strong(Value<'gc>),
    /// A bignum, weakly.
    Big(GcWeak<Big<'static>>),
    /// A string, weakly.
    Str(GcWeak<Text<'static>>),
    /// A pair, weakly.
    Pair(GcWeak<Pair<'static>>),
    /// A vector, weakly.
    Vector(GcWeak<Vector<'static>>),
    /// A hash table, weakly.
    Table(GcWeak<Table<'static>>),
    /// A procedure, weakly.
    Closure(GcWeak<Closure<'static>>),
    /// A record, weakly.
    Record(GcWeak<Record<'static>>),
    /// A port, weakly.
    Port(GcWeak<Port<'static>>),
    /// Multiple values, weakly.
    Values(GcWeak<Vector<'static>>),
    /// A continuation, weakly.
    Cont(GcWeak<Continuation<'static>>),
}

impl<'gc> Slot<'gc> {
    /// The value, `None` if it was held weakly and a collection found it dead.
    pub fn value<C: Collector>(self, m: &Mutation<'_, 'gc, C>) -> Option<Value<'gc>> {
        Some(match self {
            Slot::Strong(value) => value,
            Slot::Big(w) => Value::Big(m.upgrade(&w)?),
            Slot::Str(w) => Value::Str(m.upgrade(&w)?),
            Slot::Pair(w) => Value::Pair(m.upgrade(&w)?),
            Slot::Vector(w) => Value::Vector(m.upgrade(&w)?),
            Slot::Table(w) => Value::Table(m.upgrade(&w)?),
            Slot::Closure(w) => Value::Closure(m.upgrade(&w)?),
            Slot::Record(w) => Value::Record(m.upgrade(&w)?),
            Slot::Port(w) => Value::Port(m.upgrade(&w)?),
            Slot::Values(w) => Value::Values(m.upgrade(&w)?),
            Slot::Cont(w) => Value::Cont(m.upgrade(&w)?),
        })
    }
}

/// A table key: a value and the table's equivalence.
#[derive(Trace, Clone, Copy, Debug)]
pub struct Key<'gc> {
    /// The key.
    pub value: Value<'gc>,
    /// How it compares.
    pub test: Test,
}

impl<'gc> GcHash<'gc> for Key<'gc> {
    fn gc_hash<C: Collector, Th: Threads, H: Hasher>(
        &self,
        m: &Mutation<'_, 'gc, C, Th>,
        state: &mut H,
    ) {
        match self.test {
            Test::Eq => hash_eq(m, self.value, state),
            Test::Equal => hash_equal(m, self.value, state),
        }
    }

    fn gc_eq(&self, other: &Self) -> bool {
        match self.test {
            Test::Eq => eq(self.value, other.value),
            Test::Equal => equal(self.value, other.value),
        }
    }

    /// Objects hash by address (`hash_eq`), so a table rehashes after a
    /// collection that moved them.
    const BY_ADDRESS: bool = true;
}

/// `eq?`: identity, except that numbers, symbols, booleans, builtins and
/// `()` compare by value.
pub fn eq<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil)
        | (Value::Unspecified, Value::Unspecified)
        | (Value::Eof, Value::Eof) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Big(x), Value::Big(y)) => x.n == y.n,
        (Value::Char(x), Value::Char(y)) => x == y,
        (Value::Sym(x), Value::Sym(y)) => x == y,
        (Value::Builtin(x), Value::Builtin(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Gc::ptr_eq(x, y),
        (Value::Pair(x), Value::Pair(y)) => Gc::ptr_eq(x, y),
        (Value::Vector(x), Value::Vector(y)) => Gc::ptr_eq(x, y),
        (Value::Table(x), Value::Table(y)) => Gc::ptr_eq(x, y),
        (Value::Closure(x), Value::Closure(y)) => Gc::ptr_eq(x, y),
        (Value::Record(x), Value::Record(y)) => Gc::ptr_eq(x, y),
        (Value::Port(x), Value::Port(y)) => Gc::ptr_eq(x, y),
        (Value::Values(x), Value::Values(y)) => Gc::ptr_eq(x, y),
        (Value::Cont(x), Value::Cont(y)) => Gc::ptr_eq(x, y),
        _ => false,
    }
}

/// `equal?`: strings by content, pairs and vectors element by element, the
/// rest as [`eq`]. Walks with a work list, not recursion, so deep
/// structures cannot overflow the stack (cyclic ones do not terminate).
pub fn equal<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    let mut work = vec![(a, b)];
    while let Some((a, b)) = work.pop() {
        match (a, b) {
            (Value::Str(x), Value::Str(y)) if x.borrow()[..] != y.borrow()[..] => return false,
            (Value::Str(_), Value::Str(_)) => {}
            (Value::Pair(x), Value::Pair(y)) if !Gc::ptr_eq(x, y) => {
                work.push((x.cdr.get(), y.cdr.get()));
                work.push((x.car.get(), y.car.get()));
            }
            (Value::Vector(x), Value::Vector(y)) if !Gc::ptr_eq(x, y) => {
                let (x, y) = (x.borrow(), y.borrow());
                if x.len() != y.len() {
                    return false;
                }
                work.extend(x.iter().copied().zip(y.iter().copied()).rev());
            }
            _ if !eq(a, b) => return false,
            _ => {}
        }
    }
    true
}

/// Feeds what [`eq`] compares to `state`: objects by address.
fn hash_eq<'gc, C: Collector, Th: Threads, H: Hasher>(
    m: &Mutation<'_, 'gc, C, Th>,
    value: Value<'gc>,
    state: &mut H,
) {
    discriminant(&value).hash(state);
    match value {
        Value::Nil | Value::Unspecified | Value::Eof => {}
        Value::Bool(b) => b.hash(state),
        Value::Int(n) => n.hash(state),
        Value::Float(x) => x.to_bits().hash(state),
        Value::Big(x) => x.n.hash(state),
        Value::Char(c) => c.hash(state),
        Value::Sym(sym) => sym.hash(state),
        Value::Builtin(builtin) => builtin.hash(state),
        Value::Str(x) => x.gc_hash(m, state),
        Value::Pair(x) => x.gc_hash(m, state),
        Value::Vector(x) => x.gc_hash(m, state),
        Value::Table(x) => x.gc_hash(m, state),
        Value::Closure(x) => x.gc_hash(m, state),
        Value::Record(x) => x.gc_hash(m, state),
        Value::Port(x) => x.gc_hash(m, state),
        Value::Values(x) => x.gc_hash(m, state),
        Value::Cont(x) => x.gc_hash(m, state),
    }
}

/// Feeds what [`equal`] compares to `state`, for the first [`HASH_NODES`]
/// values of a depth-first walk (a fixed walk: equal values hash equally).
fn hash_equal<'gc, C: Collector, Th: Threads, H: Hasher>(
    m: &Mutation<'_, 'gc, C, Th>,
    value: Value<'gc>,
    state: &mut H,
) {
    let mut todo = [Value::Nil; HASH_NODES];
    let (mut len, mut seen) = (1, 0);
    todo[0] = value;
    while len > 0 && seen < HASH_NODES {
        len -= 1;
        seen += 1;
        let value = todo[len];
        let mut push = |value| {
            if len < HASH_NODES {
                todo[len] = value;
                len += 1;
            }
        };
        match value {
            Value::Str(x) => {
                discriminant(&value).hash(state);
                x.borrow()[..].hash(state);
            }
            Value::Pair(x) => {
                discriminant(&value).hash(state);
                push(x.cdr.get());
                push(x.car.get());
            }
            Value::Vector(x) => {
                discriminant(&value).hash(state);
                let items = x.borrow();
                items.len().hash(state);
                items.iter().take(4).rev().for_each(|&item| push(item));
            }
            _ => hash_eq(m, value, state),
        }
    }
}
