//! The procedures written in Rust.

use super::data::{alloc, cons, elements, list_length, make_list, string, vector};
use super::error::LispError;
use super::machine::Machine;
use super::print::to_string;
use super::table::{eq, equal, Key, Table, Test};
use super::value::{Builtin, Symbols, Value, Vector};
use gc_core::model::{Gc, GcMap, Mutation, RefLock};
use gc_core::Collector;

type Result<T> = std::result::Result<T, LispError>;

/// What a builtin asks the evaluator to do.
pub enum Flow<'gc> {
    /// Return this value.
    Return(Value<'gc>),
    /// Call this procedure with no arguments, in tail position (the thunk
    /// of `hash-table-ref`).
    Call(Value<'gc>),
}

/// Calls `builtin` with `args`.
pub fn call<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    vm: &mut Machine<'_>,
    builtin: Builtin,
    args: &[Value<'gc>],
) -> Result<Flow<'gc>> {
    let a = Args {
        builtin,
        args,
        symbols: &vm.symbols,
    };
    use Builtin as B;
    Ok(Flow::Return(match builtin {
        B::Display => {
            let [value] = a.exactly()?;
            let text = to_string(a.symbols, value, usize::MAX);
            vm.out.write_all(text.as_bytes())?;
            Value::Unspecified
        }
        B::Newline => {
            let [] = a.exactly()?;
            vm.out.write_all(b"\n")?;
            Value::Unspecified
        }
        B::HashTableRef => return hash_table_ref(m, a),
        _ => pure(m, a)?,
    }))
}

/// The builtins that neither write output nor call procedures.
fn pure<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, a: Args<'_, 'gc>) -> Result<Value<'gc>> {
    use Builtin as B;
    let args = a.args;
    Ok(match a.builtin {
        B::Add | B::Sub | B::Mul | B::Quotient | B::Remainder => Value::Int(arithmetic(a)?),
        B::NumEq | B::Lt | B::Gt | B::Le | B::Ge => Value::Bool(compare(a)?),
        B::Not => Value::Bool(!a.one()?.is_true()),
        B::Eq => {
            let [x, y] = a.exactly()?;
            Value::Bool(eq(x, y))
        }
        B::Equal => {
            let [x, y] = a.exactly()?;
            Value::Bool(equal(x, y))
        }
        B::IsNull => Value::Bool(matches!(a.one()?, Value::Nil)),
        B::IsPair => Value::Bool(matches!(a.one()?, Value::Pair(_))),
        B::IsString => Value::Bool(matches!(a.one()?, Value::Str(_))),
        B::IsVector => Value::Bool(matches!(a.one()?, Value::Vector(_))),
        B::Cons => {
            let [x, y] = a.exactly()?;
            cons(m, x, y)?
        }
        B::Car | B::Cdr | B::SetCar | B::SetCdr => pair_op(m, a)?,
        B::List => make_list(m, args.iter().copied(), Value::Nil)?,
        B::Length => Value::Int(a.list_length(a.one()?)? as i64),
        B::StringLength => {
            let length = a.string(a.one()?)?.chars().count();
            Value::Int(length as i64)
        }
        B::StringAppend => {
            let mut text = String::new();
            for &arg in args {
                text.push_str(a.string(arg)?);
            }
            string(m, text)?
        }
        B::Vector => vector(m, args.iter().copied())?,
        B::MakeVector => {
            let (length, fill) = match *args {
                [length] => (length, Value::Unspecified),
                [length, fill] => (length, fill),
                _ => return Err(a.arity("1 or 2")),
            };
            let length = a.int(length)?;
            let length = usize::try_from(length)
                .map_err(|_| a.error(format!("negative length {length}")))?;
            vector(m, std::iter::repeat_n(fill, length))?
        }
        B::VectorRef | B::VectorSet | B::VectorLength | B::VectorPush => vector_op(m, a)?,
        B::VectorToList => {
            let items = Gc::as_ref(a.vector(a.one()?)?);
            make_list(m, items.borrow().iter().copied(), Value::Nil)?
        }
        B::ListToVector => {
            let list = a.one()?;
            a.list_length(list)?;
            let items: Vec<_> = elements(list).collect();
            vector(m, items.into_iter())?
        }
        B::MakeHashTable => make_hash_table(m, a)?,
        B::HashTableSet | B::HashTableRefDefault | B::HashTableDelete | B::HashTableSize => {
            table_op(m, a)?
        }
        B::Display | B::Newline | B::HashTableRef => unreachable!("handled by `call`"),
    })
}

/// `car`, `cdr`, `set-car!`, `set-cdr!`.
fn pair_op<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, a: Args<'_, 'gc>) -> Result<Value<'gc>> {
    use Builtin as B;
    let (pair, value) = match (a.builtin, a.args) {
        (B::Car | B::Cdr, &[pair]) => (pair, None),
        (B::SetCar | B::SetCdr, &[pair, value]) => (pair, Some(value)),
        (B::Car | B::Cdr, _) => return Err(a.arity("1")),
        _ => return Err(a.arity("2")),
    };
    let Value::Pair(pair) = pair else {
        return Err(a.expected("pair", pair));
    };
    Ok(match (a.builtin, value) {
        (B::Car, _) => pair.car.get(),
        (B::Cdr, _) => pair.cdr.get(),
        (B::SetCar, Some(value)) => {
            m.write(pair).project(|p| &p.car).set(value);
            Value::Unspecified
        }
        (_, value) => {
            m.write(pair).project(|p| &p.cdr).set(value.expect("two"));
            Value::Unspecified
        }
    })
}

/// `vector-ref`, `vector-set!`, `vector-length`, `vector-push!`.
fn vector_op<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, a: Args<'_, 'gc>) -> Result<Value<'gc>> {
    use Builtin as B;
    let (&vector, rest) = a.args.split_first().ok_or_else(|| a.arity("at least 1"))?;
    let items = a.vector(vector)?;
    Ok(match (a.builtin, rest) {
        (B::VectorLength, []) => Value::Int(items.borrow().len() as i64),
        (B::VectorRef, &[index]) => items.borrow()[a.index(items, index)?],
        (B::VectorSet, &[index, value]) => {
            let index = a.index(items, index)?;
            m.write(items).borrow_mut()[index] = value;
            Value::Unspecified
        }
        (B::VectorPush, &[value]) => {
            m.write(items).borrow_mut().try_push(value)?;
            Value::Unspecified
        }
        (B::VectorLength, _) => return Err(a.arity("1")),
        (B::VectorRef | B::VectorPush, _) => return Err(a.arity("2")),
        _ => return Err(a.arity("3")),
    })
}

/// `(make-hash-table [equal?|eq?])`: an `equal?` table by default.
fn make_hash_table<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    a: Args<'_, 'gc>,
) -> Result<Value<'gc>> {
    let test = match *a.args {
        [] | [Value::Builtin(Builtin::Equal)] => Test::Equal,
        [Value::Builtin(Builtin::Eq)] => Test::Eq,
        [other] => return Err(a.expected("equivalence (equal? or eq?)", other)),
        _ => return Err(a.arity("0 or 1")),
    };
    let map = RefLock::new(GcMap::new(m));
    Ok(Value::Table(alloc(m, Table { test, map })?))
}

/// `hash-table-set!`, `hash-table-ref/default`, `hash-table-delete!`,
/// `hash-table-size`.
fn table_op<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, a: Args<'_, 'gc>) -> Result<Value<'gc>> {
    use Builtin as B;
    let (&table, rest) = a.args.split_first().ok_or_else(|| a.arity("at least 1"))?;
    let table = a.table(table)?;
    let key = |value| Key {
        value,
        test: table.test,
    };
    let map = || m.write(table).project(|t| &t.map).borrow_mut();
    Ok(match (a.builtin, rest) {
        (B::HashTableSize, []) => Value::Int(table.map.borrow().len() as i64),
        (B::HashTableSet, &[k, value]) => {
            map().try_insert(m, key(k), value)?;
            Value::Unspecified
        }
        (B::HashTableRefDefault, &[k, default]) => table
            .map
            .borrow()
            .get(m, &key(k))
            .copied()
            .unwrap_or(default),
        (B::HashTableDelete, &[k]) => {
            map().remove(m, &key(k));
            Value::Unspecified
        }
        (B::HashTableSize, _) => return Err(a.arity("1")),
        (B::HashTableDelete, _) => return Err(a.arity("2")),
        _ => return Err(a.arity("3")),
    })
}

/// `(hash-table-ref table key [thunk])`: the thunk is called (in tail
/// position) when `key` is missing; without one that is an error.
fn hash_table_ref<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    a: Args<'_, 'gc>,
) -> Result<Flow<'gc>> {
    let (table, key, thunk) = match *a.args {
        [table, key] => (table, key, None),
        [table, key, thunk] => (table, key, Some(thunk)),
        _ => return Err(a.arity("2 or 3")),
    };
    let table = a.table(table)?;
    let test = table.test;
    let found = table
        .map
        .borrow()
        .get(m, &Key { value: key, test })
        .copied();
    match (found, thunk) {
        (Some(value), _) => Ok(Flow::Return(value)),
        (None, Some(thunk)) => Ok(Flow::Call(thunk)),
        (None, None) => {
            let shown = to_string(a.symbols, key, 60);
            Err(a.error(format!("no value for key {shown}")))
        }
    }
}

/// The arguments of one builtin call, with checks that name the builtin.
#[derive(Clone, Copy)]
struct Args<'a, 'gc> {
    builtin: Builtin,
    args: &'a [Value<'gc>],
    symbols: &'a Symbols,
}

impl<'a, 'gc> Args<'a, 'gc> {
    fn error(self, message: String) -> LispError {
        LispError::Runtime(format!("{}: {message}", self.builtin.name()))
    }

    fn arity(self, expected: &str) -> LispError {
        let got = self.args.len();
        self.error(format!("expected {expected} argument(s), got {got}"))
    }

    /// A type error: expected a `what`, got `value`.
    fn expected(self, what: &str, value: Value<'_>) -> LispError {
        let shown = to_string(self.symbols, value, 60);
        self.error(format!("expected a {what}, got {shown}"))
    }

    /// The arguments as an array of exactly `N`.
    fn exactly<const N: usize>(self) -> Result<[Value<'gc>; N]> {
        <[Value<'gc>; N]>::try_from(self.args).map_err(|_| self.arity(&N.to_string()))
    }

    fn one(self) -> Result<Value<'gc>> {
        let [value] = self.exactly()?;
        Ok(value)
    }

    fn int(self, value: Value<'_>) -> Result<i64> {
        match value {
            Value::Int(n) => Ok(n),
            other => Err(self.expected("integer", other)),
        }
    }

    fn string(self, value: Value<'gc>) -> Result<&'gc str> {
        match value {
            Value::Str(text) => Ok(&Gc::as_ref(text).text),
            other => Err(self.expected("string", other)),
        }
    }

    fn vector(self, value: Value<'gc>) -> Result<Gc<'gc, Vector<'gc>>> {
        match value {
            Value::Vector(items) => Ok(items),
            other => Err(self.expected("vector", other)),
        }
    }

    fn table(self, value: Value<'gc>) -> Result<Gc<'gc, Table<'gc>>> {
        match value {
            Value::Table(table) => Ok(table),
            other => Err(self.expected("hash table", other)),
        }
    }

    fn list_length(self, list: Value<'_>) -> Result<usize> {
        list_length(list).ok_or_else(|| {
            let shown = to_string(self.symbols, list, 60);
            self.error(format!("not a proper list: {shown}"))
        })
    }

    /// A valid index into `vector`.
    fn index(self, vector: Gc<'gc, Vector<'gc>>, index: Value<'_>) -> Result<usize> {
        let length = vector.borrow().len();
        let index = self.int(index)?;
        match usize::try_from(index) {
            Ok(i) if i < length => Ok(i),
            _ => Err(self.error(format!("index {index} out of range for length {length}"))),
        }
    }
}

/// `+ - * quotient remainder`.
fn arithmetic(a: Args<'_, '_>) -> Result<i64> {
    use Builtin as B;
    let overflow = || a.error("integer overflow".into());
    let fold = |init: i64, op: fn(i64, i64) -> Option<i64>, rest: &[Value<'_>]| {
        rest.iter()
            .try_fold(init, |acc, &n| op(acc, a.int(n)?).ok_or_else(overflow))
    };
    match (a.builtin, a.args) {
        (B::Add, all) => fold(0, i64::checked_add, all),
        (B::Mul, all) => fold(1, i64::checked_mul, all),
        (B::Sub, []) => Err(a.arity("at least 1")),
        (B::Sub, &[x]) => a.int(x)?.checked_neg().ok_or_else(overflow),
        (B::Sub, &[x, ref rest @ ..]) => fold(a.int(x)?, i64::checked_sub, rest),
        _ => {
            let [x, y] = a.exactly()?;
            let (x, y) = (a.int(x)?, a.int(y)?);
            match (a.builtin, y) {
                (_, 0) => Err(a.error("division by zero".into())),
                (B::Quotient, _) => x.checked_div(y).ok_or_else(overflow),
                _ => x.checked_rem(y).ok_or_else(overflow),
            }
        }
    }
}

/// `= < > <= >=` over one or more integers.
fn compare(a: Args<'_, '_>) -> Result<bool> {
    use Builtin as B;
    if a.args.is_empty() {
        return Err(a.arity("at least 1"));
    }
    let holds = |x: i64, y: i64| match a.builtin {
        B::NumEq => x == y,
        B::Lt => x < y,
        B::Gt => x > y,
        B::Le => x <= y,
        _ => x >= y,
    };
    let mut previous = a.int(a.args[0])?;
    let mut result = true;
    for &arg in &a.args[1..] {
        let n = a.int(arg)?;
        result &= holds(previous, n);
        previous = n;
    }
    Ok(result)
}
