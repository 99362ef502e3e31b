//! The procedures written in Rust.

use super::data::{alloc, car, cdr, cons, list_length, make_list};
use super::error::LispError;
use super::machine::Machine;
use super::print::to_string;
use super::value::{Builtin, Value};
use gc_core::{Collector, Gc, Root, Scope};

type Result<T> = std::result::Result<T, LispError>;

/// Calls `builtin` with `args`; the result is rooted in `s`.
pub fn call<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    m: &mut Machine<'_, '_>,
    builtin: Builtin,
    args: &[Root<'_, Value>],
) -> Result<Root<'s, Value>> {
    use Builtin as B;
    let checker = Args { builtin, args };
    match builtin {
        B::Add | B::Sub | B::Mul | B::Quotient | B::Remainder => {
            let value = arithmetic(s, m, checker)?;
            alloc(s, Value::Int(value))
        }
        B::NumEq | B::Lt | B::Gt | B::Le | B::Ge => {
            let value = compare(s, m, checker)?;
            Ok(s.root(m.boolean(value)))
        }
        B::Not => {
            let [x] = checker.exactly()?;
            Ok(s.root(m.boolean(!s.get(x).is_true())))
        }
        B::Eq => {
            let [a, b] = checker.exactly()?;
            Ok(s.root(m.boolean(same(s, a, b))))
        }
        B::IsNull => predicate(s, m, checker, |v| matches!(v, Value::Nil)),
        B::IsPair => predicate(s, m, checker, |v| matches!(v, Value::Pair { .. })),
        B::Cons => {
            let [a, b] = checker.exactly()?;
            cons(s, a, b)
        }
        B::Car | B::Cdr => {
            let [pair] = checker.exactly()?;
            checker.expect(s, m, pair, "pair", |v| matches!(v, Value::Pair { .. }))?;
            Ok(if builtin == B::Car {
                car(s, pair)
            } else {
                cdr(s, pair)
            })
        }
        B::SetCar | B::SetCdr => {
            let [pair, value] = checker.exactly()?;
            checker.expect(s, m, pair, "pair", |v| matches!(v, Value::Pair { .. }))?;
            s.set(
                pair,
                if builtin == B::SetCar {
                    Value::car
                } else {
                    Value::cdr
                },
                value,
            );
            Ok(s.root(m.unspecified))
        }
        B::List => {
            let nil = m.nil;
            make_list(s, args, nil)
        }
        B::Length => {
            let [list] = checker.exactly()?;
            let length = length(s, m, checker, list)?;
            alloc(s, Value::Int(length))
        }
        B::Vector => make_vector(s, args.len(), |i| args[i]),
        B::MakeVector => {
            let (length, fill) = match args {
                [length] => (*length, s.root(m.unspecified)),
                [length, fill] => (*length, s.root(*fill)),
                _ => return Err(checker.arity("1 or 2")),
            };
            let length = checker.int(s, m, length)?;
            let length = usize::try_from(length)
                .map_err(|_| checker.error(format!("negative length {length}")))?;
            make_vector(s, length, |_| fill)
        }
        B::VectorRef => {
            let [vector, index] = checker.exactly()?;
            let index = checker.index(s, m, vector, index)?;
            Ok(s.load(vector, |v| v.element(index))
                .expect("vectors are filled"))
        }
        B::VectorSet => {
            let [vector, index, value] = checker.exactly()?;
            let index = checker.index(s, m, vector, index)?;
            s.set(vector, |v| v.element(index), value);
            Ok(s.root(m.unspecified))
        }
        B::VectorLength => {
            let [vector] = checker.exactly()?;
            let length = checker.vector_length(s, m, vector)?;
            alloc(s, Value::Int(length as i64))
        }
        B::Display => {
            let [value] = checker.exactly()?;
            let text = to_string(m, s.get(value), usize::MAX);
            m.out.write_all(text.as_bytes())?;
            Ok(s.root(m.unspecified))
        }
        B::Newline => {
            let [] = checker.exactly()?;
            m.out.write_all(b"\n")?;
            Ok(s.root(m.unspecified))
        }
    }
}

/// The arguments of one builtin call, with checks that name the builtin.
#[derive(Clone, Copy)]
struct Args<'a, 'r> {
    builtin: Builtin,
    args: &'a [Root<'r, Value>],
}

impl<'r> Args<'_, 'r> {
    fn error(self, message: String) -> LispError {
        LispError::Runtime(format!("{}: {message}", self.builtin.name()))
    }

    fn arity(self, expected: &str) -> LispError {
        let got = self.args.len();
        self.error(format!("expected {expected} argument(s), got {got}"))
    }

    /// The arguments as an array of exactly `N`.
    fn exactly<const N: usize>(self) -> Result<[Root<'r, Value>; N]> {
        <[Root<'r, Value>; N]>::try_from(self.args).map_err(|_| self.arity(&N.to_string()))
    }

    /// Checks `value` with `ok`, else a type error expecting `what`.
    fn expect<C: Collector>(
        self,
        s: &Scope<'_, C>,
        m: &Machine<'_, '_>,
        value: Root<'_, Value>,
        what: &str,
        ok: impl FnOnce(&Value) -> bool,
    ) -> Result<()> {
        if ok(s.get(value)) {
            return Ok(());
        }
        let shown = to_string(m, s.get(value), 60);
        Err(self.error(format!("expected a {what}, got {shown}")))
    }

    fn int<C: Collector>(
        self,
        s: &Scope<'_, C>,
        m: &Machine<'_, '_>,
        value: Root<'_, Value>,
    ) -> Result<i64> {
        self.expect(s, m, value, "integer", |v| matches!(v, Value::Int(_)))?;
        match s.get(value) {
            Value::Int(n) => Ok(*n),
            _ => unreachable!("checked above"),
        }
    }

    fn vector_length<C: Collector>(
        self,
        s: &Scope<'_, C>,
        m: &Machine<'_, '_>,
        vector: Root<'_, Value>,
    ) -> Result<usize> {
        self.expect(s, m, vector, "vector", |v| matches!(v, Value::Vector(_)))?;
        match s.get(vector) {
            Value::Vector(items) => Ok(items.len()),
            _ => unreachable!("checked above"),
        }
    }

    /// A valid index into `vector`.
    fn index<C: Collector>(
        self,
        s: &Scope<'_, C>,
        m: &Machine<'_, '_>,
        vector: Root<'_, Value>,
        index: Root<'_, Value>,
    ) -> Result<usize> {
        let length = self.vector_length(s, m, vector)?;
        let index = self.int(s, m, index)?;
        match usize::try_from(index) {
            Ok(i) if i < length => Ok(i),
            _ => Err(self.error(format!("index {index} out of range for length {length}"))),
        }
    }
}

/// `+ - * quotient remainder`.
fn arithmetic<C: Collector>(
    s: &Scope<'_, C>,
    m: &Machine<'_, '_>,
    args: Args<'_, '_>,
) -> Result<i64> {
    use Builtin as B;
    let mut numbers = Vec::with_capacity(args.args.len());
    for &arg in args.args {
        numbers.push(args.int(s, m, arg)?);
    }
    let overflow = || args.error("integer overflow".into());
    let checked = |op: fn(i64, i64) -> Option<i64>, init: i64, rest: &[i64]| {
        rest.iter()
            .try_fold(init, |acc, &n| op(acc, n))
            .ok_or_else(overflow)
    };
    match (args.builtin, numbers.as_slice()) {
        (B::Add, all) => checked(i64::checked_add, 0, all),
        (B::Mul, all) => checked(i64::checked_mul, 1, all),
        (B::Sub, [x]) => x.checked_neg().ok_or_else(overflow),
        (B::Sub, [x, rest @ ..]) => checked(i64::checked_sub, *x, rest),
        (B::Quotient | B::Remainder, [_, 0]) => Err(args.error("division by zero".into())),
        (B::Quotient, [x, y]) => x.checked_div(*y).ok_or_else(overflow),
        (B::Remainder, [x, y]) => x.checked_rem(*y).ok_or_else(overflow),
        (B::Sub, []) => Err(args.arity("at least 1")),
        _ => Err(args.arity("2")),
    }
}

/// `= < > <= >=` over one or more integers.
fn compare<C: Collector>(
    s: &Scope<'_, C>,
    m: &Machine<'_, '_>,
    args: Args<'_, '_>,
) -> Result<bool> {
    use Builtin as B;
    if args.args.is_empty() {
        return Err(args.arity("at least 1"));
    }
    let mut numbers = Vec::with_capacity(args.args.len());
    for &arg in args.args {
        numbers.push(args.int(s, m, arg)?);
    }
    let holds = |a: i64, b: i64| match args.builtin {
        B::NumEq => a == b,
        B::Lt => a < b,
        B::Gt => a > b,
        B::Le => a <= b,
        _ => a >= b,
    };
    Ok(numbers.windows(2).all(|w| holds(w[0], w[1])))
}

/// `eq?`: identity, except that numbers, symbols, booleans and `()` compare by value.
fn same<C: Collector>(s: &Scope<'_, C>, a: Root<'_, Value>, b: Root<'_, Value>) -> bool {
    match (s.get(a), s.get(b)) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Sym(x), Value::Sym(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Nil, Value::Nil) => true,
        _ => s.ptr_eq(a, b),
    }
}

/// A one-argument type test.
fn predicate<'s, C: Collector>(
    s: &Scope<'s, C>,
    m: &Machine<'_, '_>,
    args: Args<'_, '_>,
    test: fn(&Value) -> bool,
) -> Result<Root<'s, Value>> {
    let [x] = args.exactly()?;
    Ok(s.root(m.boolean(test(s.get(x)))))
}

/// The length of a proper list (walked by borrowing: no slots).
fn length<C: Collector>(
    s: &Scope<'_, C>,
    m: &Machine<'_, '_>,
    args: Args<'_, '_>,
    list: Root<'_, Value>,
) -> Result<i64> {
    match list_length(s.get(list)) {
        Some(length) => Ok(i64::try_from(length).expect("lists are shorter than i64::MAX")),
        None => {
            let shown = to_string(m, s.get(list), 60);
            Err(args.error(format!("not a proper list: {shown}")))
        }
    }
}

/// A vector of `length` elements, element `i` being `item(i)`.
fn make_vector<'s, 'r, C: Collector>(
    s: &mut Scope<'s, C>,
    length: usize,
    item: impl Fn(usize) -> Root<'r, Value>,
) -> Result<Root<'s, Value>> {
    let vector = alloc(s, Value::Vector((0..length).map(|_| Gc::null()).collect()))?;
    for index in 0..length {
        s.set(vector, |v| v.element(index), item(index));
    }
    Ok(vector)
}
