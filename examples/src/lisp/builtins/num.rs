//! Numbers: 64-bit exact integers and double floats.
//!
//! Exact integer arithmetic that overflows 64 bits is an error (there are
//! no bignums). There are no exact rationals either: `/` of two integers
//! is an integer when the division is exact and a float otherwise, so
//! `(/ 1 3)` is `0.3333333333333333` where Guile says `1/3` (the
//! documented float fallback); `exact` of a non-integral float is an error.

use super::Args;
use crate::lisp::error::LispError;
use crate::lisp::print::float_to_string;
use crate::lisp::value::{Builtin, Symbols, Value};
use gc_core::model::Mutation;
use gc_core::Collector;

type Result<T> = std::result::Result<T, LispError>;

/// A number taken from a value.
#[derive(Clone, Copy, Debug)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn float(self) -> f64 {
        match self {
            Num::Int(n) => n as f64,
            Num::Float(x) => x,
        }
    }

    fn value<'gc>(self) -> Value<'gc> {
        match self {
            Num::Int(n) => Value::Int(n),
            Num::Float(x) => Value::Float(x),
        }
    }
}

/// `eqv?`: numbers of the same exactness by value (floats bit for bit,
/// so `-0.0` is not `0.0`), characters by value, the rest as `eq?`.
pub fn eqv<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Value::Char(x), Value::Char(y)) => x == y,
        _ => crate::lisp::table::eq(a, b),
    }
}

/// `=` on two numbers of any exactness (`false` for non-numbers).
pub fn num_eq(a: Value<'_>, b: Value<'_>) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => x as f64 == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        _ => false,
    }
}

impl<'a, 'gc> Args<'a, 'gc> {
    fn num(self, value: Value<'_>) -> Result<Num> {
        match value {
            Value::Int(n) => Ok(Num::Int(n)),
            Value::Float(x) => Ok(Num::Float(x)),
            other => Err(self.expected("a number", other)),
        }
    }

    fn nums(self) -> Result<Vec<Num>> {
        self.args.iter().map(|&v| self.num(v)).collect()
    }

    fn overflow(self) -> LispError {
        self.error("integer overflow (exact integers are 64-bit; there are no bignums)".into())
    }

    fn float_arg(self, value: Value<'_>) -> Result<f64> {
        Ok(self.num(value)?.float())
    }
}

/// Calls a numeric builtin; `None` if `builtin` is not one.
pub fn call<'gc, C: Collector>(
    builtin: Builtin,
    args: &[Value<'gc>],
    symbols: &Symbols,
    m: &Mutation<'_, 'gc, C>,
) -> Result<Option<Value<'gc>>> {
    use Builtin as B;
    let a = Args::new(builtin, args, symbols);
    Ok(Some(match builtin {
        B::Add => fold(a, Num::Int(0), i64::checked_add, |x, y| x + y)?,
        B::Mul => fold(a, Num::Int(1), i64::checked_mul, |x, y| x * y)?,
        B::Sub => match args {
            [] => return Err(a.arity("at least 1")),
            [x] => match a.num(*x)? {
                Num::Int(n) => Value::Int(n.checked_neg().ok_or_else(|| a.overflow())?),
                Num::Float(x) => Value::Float(-x),
            },
            [first, rest @ ..] => {
                let mut acc = a.num(*first)?;
                for &n in rest {
                    acc = combine(a, acc, a.num(n)?, i64::checked_sub, |x, y| x - y)?;
                }
                acc.value()
            }
        },
        B::Div => match args {
            [] => return Err(a.arity("at least 1")),
            [x] => divide(a, Num::Int(1), a.num(*x)?)?.value(),
            [first, rest @ ..] => {
                let mut acc = a.num(*first)?;
                for &n in rest {
                    acc = divide(a, acc, a.num(n)?)?;
                }
                acc.value()
            }
        },
        B::NumEq | B::Lt | B::Gt | B::Le | B::Ge => Value::Bool(compare(a)?),
        B::Quotient
        | B::Remainder
        | B::Modulo
        | B::FloorQuotient
        | B::FloorRemainder
        | B::TruncateQuotient
        | B::TruncateRemainder => integer_division(a)?,
        B::Abs => match a.num(a.one()?)? {
            Num::Int(n) => Value::Int(n.checked_abs().ok_or_else(|| a.overflow())?),
            Num::Float(x) => Value::Float(x.abs()),
        },
        B::Min | B::Max => {
            let nums = a.nums()?;
            let Some(&first) = nums.first() else {
                return Err(a.arity("at least 1"));
            };
            let inexact = nums.iter().any(|n| matches!(n, Num::Float(_)));
            let pick = |best: Num, n: Num| {
                let better = if builtin == B::Min {
                    less(n, best)
                } else {
                    less(best, n)
                };
                if better {
                    n
                } else {
                    best
                }
            };
            let best = nums.iter().copied().fold(first, pick);
            if inexact {
                Value::Float(best.float())
            } else {
                best.value()
            }
        }
        B::Gcd | B::Lcm => {
            let mut acc: i64 = if builtin == B::Gcd { 0 } else { 1 };
            for &arg in args {
                let n = a.int(arg)?.checked_abs().ok_or_else(|| a.overflow())?;
                acc = if builtin == B::Gcd {
                    gcd(acc, n)
                } else if n == 0 || acc == 0 {
                    0
                } else {
                    (acc / gcd(acc, n))
                        .checked_mul(n)
                        .ok_or_else(|| a.overflow())?
                };
            }
            Value::Int(acc)
        }
        B::Expt => {
            let [base, power] = a.exactly()?;
            expt(a, a.num(base)?, a.num(power)?)?
        }
        B::Exact | B::InexactToExact => match a.num(a.one()?)? {
            Num::Int(n) => Value::Int(n),
            Num::Float(x) if x.fract() == 0.0 && x.abs() < 9.2e18 => Value::Int(x as i64),
            Num::Float(x) => {
                return Err(a.error(format!(
                    "{} has no exact integer value (there are no exact rationals)",
                    float_to_string(x)
                )))
            }
        },
        B::Inexact | B::ExactToInexact => Value::Float(a.float_arg(a.one()?)?),
        B::Floor | B::Ceiling | B::Round | B::Truncate => match a.num(a.one()?)? {
            Num::Int(n) => Value::Int(n),
            Num::Float(x) => Value::Float(match builtin {
                B::Floor => x.floor(),
                B::Ceiling => x.ceil(),
                B::Round => x.round_ties_even(),
                _ => x.trunc(),
            }),
        },
        B::Sqrt => match a.num(a.one()?)? {
            Num::Int(n) if n >= 0 => {
                let root = isqrt(n);
                if root * root == n {
                    Value::Int(root)
                } else {
                    Value::Float((n as f64).sqrt())
                }
            }
            n if n.float() < 0.0 => {
                return Err(a.error("square root of a negative number (no complex numbers)".into()))
            }
            n => Value::Float(n.float().sqrt()),
        },
        B::ExactIntegerSqrt => {
            let n = a.int(a.one()?)?;
            if n < 0 {
                return Err(a.error(format!("negative argument {n}")));
            }
            let root = isqrt(n);
            let items = [Value::Int(root), Value::Int(n - root * root)];
            Value::Values(super::store::new_vector(m, items.into_iter())?)
        }
        B::Exp => Value::Float(a.float_arg(a.one()?)?.exp()),
        B::Log => match args {
            [x] => Value::Float(a.float_arg(*x)?.ln()),
            [x, base] => Value::Float(a.float_arg(*x)?.ln() / a.float_arg(*base)?.ln()),
            _ => return Err(a.arity("1 or 2")),
        },
        // Exact at exact 0, as in Guile: (sin 0) is 0, (cos 0) is 1.
        B::Sin | B::Tan | B::Asin | B::Atan if matches!(args, [Value::Int(0)]) => Value::Int(0),
        B::Cos if matches!(args, [Value::Int(0)]) => Value::Int(1),
        B::Sin => Value::Float(a.float_arg(a.one()?)?.sin()),
        B::Cos => Value::Float(a.float_arg(a.one()?)?.cos()),
        B::Tan => Value::Float(a.float_arg(a.one()?)?.tan()),
        B::Asin => Value::Float(a.float_arg(a.one()?)?.asin()),
        B::Acos => Value::Float(a.float_arg(a.one()?)?.acos()),
        B::Atan => match args {
            [x] => Value::Float(a.float_arg(*x)?.atan()),
            [y, x] => Value::Float(a.float_arg(*y)?.atan2(a.float_arg(*x)?)),
            _ => return Err(a.arity("1 or 2")),
        },
        B::Square => {
            let x = a.num(a.one()?)?;
            combine(a, x, x, i64::checked_mul, |x, y| x * y)?.value()
        }
        B::IsNumber | B::IsComplex | B::IsReal => {
            Value::Bool(matches!(a.one()?, Value::Int(_) | Value::Float(_)))
        }
        B::IsRational => Value::Bool(match a.one()? {
            Value::Int(_) => true,
            Value::Float(x) => x.is_finite(),
            _ => false,
        }),
        B::IsInteger => Value::Bool(match a.one()? {
            Value::Int(_) => true,
            Value::Float(x) => x.is_finite() && x.fract() == 0.0,
            _ => false,
        }),
        B::IsExactInteger => Value::Bool(matches!(a.one()?, Value::Int(_))),
        B::IsExact => Value::Bool(matches!(a.num(a.one()?)?, Num::Int(_))),
        B::IsInexact => Value::Bool(matches!(a.num(a.one()?)?, Num::Float(_))),
        B::IsNan => Value::Bool(a.float_arg(a.one()?)?.is_nan()),
        B::IsInfinite => Value::Bool(a.float_arg(a.one()?)?.is_infinite()),
        B::IsFinite => Value::Bool(a.float_arg(a.one()?)?.is_finite()),
        B::IsZero => Value::Bool(a.float_arg(a.one()?)? == 0.0),
        B::IsPositive => Value::Bool(a.float_arg(a.one()?)? > 0.0),
        B::IsNegative => Value::Bool(a.float_arg(a.one()?)? < 0.0),
        B::IsOdd | B::IsEven => {
            let n = a.int(a.one()?)?;
            Value::Bool((n % 2 == 0) == (builtin == B::IsEven))
        }
        B::NumberToString => {
            let (n, radix) = match args {
                [n] => (a.num(*n)?, 10),
                [n, radix] => (a.num(*n)?, a.int(*radix)?),
                _ => return Err(a.arity("1 or 2")),
            };
            let text = match (n, radix) {
                (Num::Int(n), 10) => n.to_string(),
                (Num::Int(n), 2 | 8 | 16) => to_radix(n, radix as u32),
                (Num::Float(x), 10) => float_to_string(x),
                _ => return Err(a.error(format!("unsupported radix {radix}"))),
            };
            crate::lisp::data::string(m, &text)?
        }
        B::StringToNumber => {
            let (text, radix) = match args {
                [text] => (*text, 10),
                [text, radix] => (*text, a.int(*radix)?),
                _ => return Err(a.arity("1 or 2")),
            };
            let text: String = a.text(text)?.borrow().iter().collect();
            let radix = u32::try_from(radix)
                .ok()
                .filter(|r| [2, 8, 10, 16].contains(r))
                .ok_or_else(|| a.error(format!("unsupported radix {radix}")))?;
            let parsed = if text.starts_with('#') {
                crate::lisp::parse::parse_number_token(&text)
            } else {
                crate::lisp::parse::parse_number(&text, radix)
            };
            match parsed {
                Some(crate::lisp::parse::Datum::Int(n)) => Value::Int(n),
                Some(crate::lisp::parse::Datum::Float(x)) => Value::Float(x),
                _ => Value::Bool(false),
            }
        }
        B::BitAnd | B::BitOr | B::BitXor => {
            let mut acc: i64 = if builtin == B::BitAnd { -1 } else { 0 };
            for &arg in args {
                let n = a.int(arg)?;
                acc = match builtin {
                    B::BitAnd => acc & n,
                    B::BitOr => acc | n,
                    _ => acc ^ n,
                };
            }
            Value::Int(acc)
        }
        B::BitNot => Value::Int(!a.int(a.one()?)?),
        B::Shift => {
            let [n, shift] = a.exactly()?;
            let (n, shift) = (a.int(n)?, a.int(shift)?);
            Value::Int(if shift >= 0 {
                let shifted = n.checked_shl(u32::try_from(shift).unwrap_or(u32::MAX));
                match shifted {
                    Some(r) if r >> shift == n => r,
                    _ if n == 0 => 0,
                    _ => return Err(a.overflow()),
                }
            } else {
                n >> (-shift).min(63)
            })
        }
        _ => return Ok(None),
    }))
}

/// `n` written in `radix` (2, 8 or 16), with a sign.
fn to_radix(n: i64, radix: u32) -> String {
    let magnitude = n.unsigned_abs();
    let digits = match radix {
        2 => format!("{magnitude:b}"),
        8 => format!("{magnitude:o}"),
        _ => format!("{magnitude:x}"),
    };
    if n < 0 {
        format!("-{digits}")
    } else {
        digits
    }
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// The integer square root of `n >= 0`.
fn isqrt(n: i64) -> i64 {
    let mut root = (n as f64).sqrt() as i64;
    while root * root > n {
        root -= 1;
    }
    while (root + 1).checked_mul(root + 1).is_some_and(|sq| sq <= n) {
        root += 1;
    }
    root
}

fn less(x: Num, y: Num) -> bool {
    match (x, y) {
        (Num::Int(x), Num::Int(y)) => x < y,
        (x, y) => x.float() < y.float(),
    }
}

/// `x op y`, exact if both are, with overflow checked.
fn combine(
    a: Args<'_, '_>,
    x: Num,
    y: Num,
    int_op: fn(i64, i64) -> Option<i64>,
    float_op: fn(f64, f64) -> f64,
) -> Result<Num> {
    match (x, y) {
        (Num::Int(x), Num::Int(y)) => int_op(x, y).map(Num::Int).ok_or_else(|| a.overflow()),
        (x, y) => Ok(Num::Float(float_op(x.float(), y.float()))),
    }
}

fn fold<'gc>(
    a: Args<'_, '_>,
    init: Num,
    int_op: fn(i64, i64) -> Option<i64>,
    float_op: fn(f64, f64) -> f64,
) -> Result<Value<'gc>> {
    let mut acc = init;
    for &n in a.args {
        acc = combine(a, acc, a.num(n)?, int_op, float_op)?;
    }
    Ok(acc.value())
}

/// `x / y`: exact when both are exact and `y` divides `x`, else a float.
fn divide(a: Args<'_, '_>, x: Num, y: Num) -> Result<Num> {
    match (x, y) {
        (Num::Int(_), Num::Int(0)) => Err(a.error("division by zero".into())),
        (Num::Int(x), Num::Int(y)) if x.checked_rem(y) == Some(0) => {
            x.checked_div(y).map(Num::Int).ok_or_else(|| a.overflow())
        }
        (x, y) => Ok(Num::Float(x.float() / y.float())),
    }
}

fn expt<'gc>(a: Args<'_, '_>, base: Num, power: Num) -> Result<Value<'gc>> {
    Ok(match (base, power) {
        (Num::Int(b), Num::Int(p)) if p >= 0 => {
            let p = u32::try_from(p).map_err(|_| a.overflow())?;
            Value::Int(b.checked_pow(p).ok_or_else(|| a.overflow())?)
        }
        (Num::Int(b), Num::Int(p)) => Value::Float((b as f64).powi(p.max(i32::MIN as i64) as i32)),
        (b, Num::Int(p)) if i32::try_from(p).is_ok() => Value::Float(b.float().powi(p as i32)),
        (b, p) => Value::Float(b.float().powf(p.float())),
    })
}

/// `= < > <= >=` over one or more numbers.
fn compare(a: Args<'_, '_>) -> Result<bool> {
    use Builtin as B;
    if a.args.is_empty() {
        return Err(a.arity("at least 1"));
    }
    let holds = |x: Num, y: Num| match a.builtin {
        B::NumEq => num_eq(x.value(), y.value()),
        B::Lt => less(x, y),
        B::Gt => less(y, x),
        B::Le => !less(y, x) && !x.float().is_nan() && !y.float().is_nan(),
        _ => !less(x, y) && !x.float().is_nan() && !y.float().is_nan(),
    };
    let mut previous = a.num(a.args[0])?;
    let mut result = true;
    for &arg in &a.args[1..] {
        let n = a.num(arg)?;
        result &= holds(previous, n);
        previous = n;
    }
    Ok(result)
}

/// `quotient remainder modulo` and the `floor-`/`truncate-` pairs, on
/// integers (exact, or integral floats giving floats).
fn integer_division<'gc>(a: Args<'_, '_>) -> Result<Value<'gc>> {
    use Builtin as B;
    let [x, y] = a.exactly()?;
    let (nx, ny) = (a.num(x)?, a.num(y)?);
    let inexact = matches!(nx, Num::Float(_)) || matches!(ny, Num::Float(_));
    let (x, y) = (a.int(x)?, a.int(y)?);
    if y == 0 {
        return Err(a.error("division by zero".into()));
    }
    let result = match a.builtin {
        B::Quotient | B::TruncateQuotient => x.checked_div(y),
        B::Remainder | B::TruncateRemainder => x.checked_rem(y),
        B::FloorQuotient => x.checked_div(y).map(|q| {
            if x % y != 0 && (x < 0) != (y < 0) {
                q - 1
            } else {
                q
            }
        }),
        _ => x.checked_rem(y).map(|r| {
            if r != 0 && (r < 0) != (y < 0) {
                r + y
            } else {
                r
            }
        }),
    }
    .ok_or_else(|| a.overflow())?;
    Ok(if inexact {
        Value::Float(result as f64)
    } else {
        Value::Int(result)
    })
}
