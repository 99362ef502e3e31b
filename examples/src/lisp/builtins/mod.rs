//! The procedures written in Rust, by subject: numbers ([`num`]), pairs
//! and lists ([`list`]), characters, strings and symbols ([`text`]),
//! vectors, hash tables and records ([`store`]), ports and output
//! ([`io`]). The procedures that call other procedures (`map`,
//! `for-each`, `dynamic-wind`, ...) are in the Scheme prelude; `apply`,
//! `%call/cc` and calling a continuation are the evaluator's own.

mod io;
mod list;
mod num;
mod store;
mod text;

pub use num::eqv;

use super::data::list_length;
use super::error::LispError;
use super::machine::{Machine, Request};
use super::print::print;
use super::table::{eq, equal, Table};
use super::value::{Builtin, Port, Record, Symbols, Text, Value, Vector};
use gc_core::model::{Gc, Mutation};
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
    use Builtin as B;
    if let Some(value) = num::call(builtin, args, &vm.symbols, m)? {
        return Ok(Flow::Return(value));
    }
    if let Some(value) = list::call(builtin, args, &vm.symbols, m)? {
        return Ok(Flow::Return(value));
    }
    if let Some(value) = text::call(builtin, args, &mut vm.symbols, m)? {
        return Ok(Flow::Return(value));
    }
    if builtin == B::HashTableRef {
        let a = Args::new(builtin, args, &vm.symbols);
        return store::hash_table_ref(m, a);
    }
    if let Some(value) = store::call(builtin, args, &vm.symbols, m)? {
        return Ok(Flow::Return(value));
    }
    let a = Args::new(builtin, args, &vm.symbols);
    Ok(Flow::Return(match builtin {
        B::Not => Value::Bool(!a.one()?.is_true()),
        B::Eq => {
            let [x, y] = a.exactly()?;
            Value::Bool(eq(x, y))
        }
        B::Eqv => {
            let [x, y] = a.exactly()?;
            Value::Bool(eqv(x, y))
        }
        B::Equal => {
            let [x, y] = a.exactly()?;
            Value::Bool(equal(x, y))
        }
        B::IsNull => Value::Bool(matches!(a.one()?, Value::Nil)),
        B::IsPair => Value::Bool(matches!(a.one()?, Value::Pair(_))),
        B::IsList => Value::Bool(list_length(a.one()?).is_some()),
        B::IsSymbol => Value::Bool(matches!(a.one()?, Value::Sym(_))),
        B::IsString => Value::Bool(matches!(a.one()?, Value::Str(_))),
        B::IsChar => Value::Bool(matches!(a.one()?, Value::Char(_))),
        B::IsVector => Value::Bool(matches!(a.one()?, Value::Vector(_))),
        B::IsBoolean => Value::Bool(matches!(a.one()?, Value::Bool(_))),
        B::IsEof => Value::Bool(matches!(a.one()?, Value::Eof)),
        B::EofObject => {
            let [] = a.exactly()?;
            Value::Eof
        }
        B::IsProcedure => Value::Bool(matches!(
            a.one()?,
            Value::Closure(_) | Value::Builtin(_) | Value::Cont(_)
        )),
        B::Values => match args {
            [value] => *value,
            _ => Value::Values(store::new_vector(m, args.iter().copied())?),
        },
        B::IsValues => Value::Bool(matches!(a.one()?, Value::Values(_))),
        B::ValuesToList => match a.one()? {
            Value::Values(items) => {
                let items = items.borrow();
                super::data::make_list(m, items.iter().copied(), Value::Nil)?
            }
            value => super::data::cons(m, value, Value::Nil)?,
        },
        B::Error => return Err(error(&vm.symbols, args)),
        B::Exit => {
            let code = match args {
                [] | [Value::Bool(true)] => 0,
                [Value::Int(code)] => i32::try_from(*code).unwrap_or(1),
                [_] => 1,
                _ => return Err(a.arity("0 or 1")),
            };
            return Err(LispError::Exit(code));
        }
        B::Gc => {
            let [] = a.exactly()?;
            vm.request = Some(Request::Collect);
            Value::Unspecified
        }
        B::GcStats => {
            let [] = a.exactly()?;
            vm.request = Some(Request::Stats);
            Value::Unspecified
        }
        B::HeapSnapshot => match a.one()? {
            Value::Str(path) => {
                vm.request = Some(Request::HeapSnapshot(path.borrow().iter().collect()));
                Value::Unspecified
            }
            other => return Err(a.expected("a string", other)),
        },
        B::WhyAlive => {
            // The value stays in the evaluator's register until the region
            // ends, where the machine asks what else retains it.
            vm.request = Some(Request::WhyAlive);
            a.one()?
        }
        B::Apply | B::CallCc => unreachable!("the evaluator calls {}", builtin.name()),
        _ => return io::call(m, vm, builtin, args),
    }))
}

/// The error `(error message irritant ...)` raises: the message, then the
/// irritants as `write` shows them.
fn error(symbols: &Symbols, args: &[Value<'_>]) -> LispError {
    let mut text = match args.first() {
        Some(&message @ Value::Str(_)) => print(symbols, message, 200, false),
        Some(&other) => print(symbols, other, 200, true),
        None => String::new(),
    };
    for &irritant in args.iter().skip(1) {
        text.push(' ');
        text.push_str(&print(symbols, irritant, 200, true));
    }
    LispError::Runtime(text)
}

/// The arguments of one builtin call, with checks that name the builtin.
#[derive(Clone, Copy)]
pub(crate) struct Args<'a, 'gc> {
    pub builtin: Builtin,
    pub args: &'a [Value<'gc>],
    pub symbols: &'a Symbols,
}

impl<'a, 'gc> Args<'a, 'gc> {
    pub fn new(builtin: Builtin, args: &'a [Value<'gc>], symbols: &'a Symbols) -> Self {
        Args {
            builtin,
            args,
            symbols,
        }
    }

    pub fn error(self, message: String) -> LispError {
        LispError::Runtime(format!("{}: {message}", self.builtin.name()))
    }

    pub fn arity(self, expected: &str) -> LispError {
        let got = self.args.len();
        self.error(format!("expected {expected} argument(s), got {got}"))
    }

    /// A type error: expected a `what`, got `value`.
    pub fn expected(self, what: &str, value: Value<'_>) -> LispError {
        let shown = print(self.symbols, value, 60, true);
        self.error(format!("expected {what}, got {shown}"))
    }

    /// The arguments as an array of exactly `N`.
    pub fn exactly<const N: usize>(self) -> Result<[Value<'gc>; N]> {
        <[Value<'gc>; N]>::try_from(self.args).map_err(|_| self.arity(&N.to_string()))
    }

    pub fn one(self) -> Result<Value<'gc>> {
        let [value] = self.exactly()?;
        Ok(value)
    }

    /// At least `min` and at most `max` arguments.
    pub fn between(self, min: usize, max: usize) -> Result<&'a [Value<'gc>]> {
        if (min..=max).contains(&self.args.len()) {
            Ok(self.args)
        } else if max == usize::MAX {
            Err(self.arity(&format!("at least {min}")))
        } else {
            Err(self.arity(&format!("{min} to {max}")))
        }
    }

    pub fn int(self, value: Value<'_>) -> Result<i64> {
        match value {
            Value::Int(n) => Ok(n),
            Value::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e18 => Ok(x as i64),
            other => Err(self.expected("an integer", other)),
        }
    }

    /// A non-negative integer that fits in `usize`.
    pub fn size(self, value: Value<'_>) -> Result<usize> {
        let n = self.int(value)?;
        usize::try_from(n)
            .map_err(|_| self.error(format!("expected a non-negative integer, got {n}")))
    }

    pub fn text(self, value: Value<'gc>) -> Result<Gc<'gc, Text<'gc>>> {
        match value {
            Value::Str(text) => Ok(text),
            other => Err(self.expected("a string", other)),
        }
    }

    pub fn char(self, value: Value<'_>) -> Result<char> {
        match value {
            Value::Char(c) => Ok(c),
            other => Err(self.expected("a character", other)),
        }
    }

    pub fn vector(self, value: Value<'gc>) -> Result<Gc<'gc, Vector<'gc>>> {
        match value {
            Value::Vector(items) => Ok(items),
            other => Err(self.expected("a vector", other)),
        }
    }

    pub fn table(self, value: Value<'gc>) -> Result<Gc<'gc, Table<'gc>>> {
        match value {
            Value::Table(table) => Ok(table),
            other => Err(self.expected("a hash table", other)),
        }
    }

    pub fn record(self, value: Value<'gc>) -> Result<Gc<'gc, Record<'gc>>> {
        match value {
            Value::Record(record) => Ok(record),
            other => Err(self.expected("a record", other)),
        }
    }

    pub fn port(self, value: Value<'gc>) -> Result<Gc<'gc, Port<'gc>>> {
        match value {
            Value::Port(port) => Ok(port),
            other => Err(self.expected("a port", other)),
        }
    }

    pub fn list_length(self, list: Value<'_>) -> Result<usize> {
        list_length(list).ok_or_else(|| {
            let shown = print(self.symbols, list, 60, true);
            self.error(format!("not a proper list: {shown}"))
        })
    }

    /// A valid index below `length`.
    pub fn index(self, index: Value<'_>, length: usize) -> Result<usize> {
        let index = self.int(index)?;
        match usize::try_from(index) {
            Ok(i) if i < length => Ok(i),
            _ => Err(self.error(format!("index {index} out of range for length {length}"))),
        }
    }
}
