//! Numbers: exact integers (64-bit, unboxed; beyond that bignums on the
//! heap, from the `num-bigint` crate) and double floats.
//!
//! Integer arithmetic that overflows 64 bits continues in bignums, and a
//! bignum result that fits in 64 bits is unboxed again. There are no
//! exact rationals: `/` of two integers
//! is an integer when the division is exact and a float otherwise, so
//! `(/ 1 3)` is `0.3333333333333333` where Guile says `1/3` (the
//! documented float fallback); `exact` of a non-integral float is an error.

use super::Args;
use crate::lisp::data::big;
use crate::lisp::error::LispError;
use crate::lisp::parse::Datum;
use crate::lisp::print::float_to_string;
use crate::lisp::value::{Builtin, Symbols, Value};
use gc_core::model::Mutation;
use gc_core::Collector;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{FromPrimitive, Pow, Signed, ToPrimitive, Zero};

type Result<T> = std::result::Result<T, LispError>;

/// A number taken from a value.
#[derive(Clone, Debug)]
enum Num {
    Int(i64),
    Big(BigInt),
    Float(f64),
}

impl Num {
    fn float(&self) -> f64 {
        match self {
            Num::Int(n) => *n as f64,
            Num::Big(n) => n.to_f64().unwrap_or(f64::NAN),
            Num::Float(x) => *x,
        }
    }

    /// The exact value, `None` for a float.
    fn exact(&self) -> Option<BigInt> {
        match self {
            Num::Int(n) => Some(BigInt::from(*n)),
            Num::Big(n) => Some(n.clone()),
            Num::Float(_) => None,
        }
    }

    fn is_float(&self) -> bool {
        matches!(self, Num::Float(_))
    }

    fn value<'gc, C: Collector>(self, m: &Mutation<'_, 'gc, C>) -> Result<Value<'gc>> {
        match self {
            Num::Int(n) => Ok(Value::Int(n)),
            Num::Big(n) => big(m, n),
            Num::Float(x) => Ok(Value::Float(x)),
        }
    }
}

/// Exact integer arithmetic: 64 bits while it fits, bignums beyond.
struct IntOp {
    small: fn(i64, i64) -> Option<i64>,
    large: fn(&BigInt, &BigInt) -> BigInt,
    float: fn(f64, f64) -> f64,
}

const ADD: IntOp = IntOp {
    small: i64::checked_add,
    large: |x, y| x + y,
    float: |x, y| x + y,
};
const SUB: IntOp = IntOp {
    small: i64::checked_sub,
    large: |x, y| x - y,
    float: |x, y| x - y,
};
const MUL: IntOp = IntOp {
    small: i64::checked_mul,
    large: |x, y| x * y,
    float: |x, y| x * y,
};

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

impl<'a, 'gc> Args<'a, 'gc> {
    fn num(self, value: Value<'_>) -> Result<Num> {
        match value {
            Value::Int(n) => Ok(Num::Int(n)),
            Value::Big(n) => Ok(Num::Big(n.n.clone())),
            Value::Float(x) => Ok(Num::Float(x)),
            other => Err(self.expected("a number", other)),
        }
    }

    /// An exact integer of any size.
    fn exact_int(self, value: Value<'_>) -> Result<BigInt> {
        match self.num(value)? {
            Num::Float(x) if x.fract() == 0.0 && x.is_finite() => {
                Ok(BigInt::from_f64(x).expect("an integral float"))
            }
            Num::Float(_) => Err(self.expected("an integer", value)),
            n => Ok(n.exact().expect("exact")),
        }
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
        B::Add => fold(a, Num::Int(0), &ADD)?.value(m)?,
        B::Mul => fold(a, Num::Int(1), &MUL)?.value(m)?,
        B::Sub => match args {
            [] => return Err(a.arity("at least 1")),
            [x] => combine(Num::Int(0), a.num(*x)?, &SUB).value(m)?,
            [first, rest @ ..] => {
                let mut acc = a.num(*first)?;
                for &n in rest {
                    acc = combine(acc, a.num(n)?, &SUB);
                }
                acc.value(m)?
            }
        },
        B::Div => match args {
            [] => return Err(a.arity("at least 1")),
            [x] => divide(a, Num::Int(1), a.num(*x)?)?.value(m)?,
            [first, rest @ ..] => {
                let mut acc = a.num(*first)?;
                for &n in rest {
                    acc = divide(a, acc, a.num(n)?)?;
                }
                acc.value(m)?
            }
        },
        B::NumEq | B::Lt | B::Gt | B::Le | B::Ge => Value::Bool(compare(a)?),
        B::Quotient
        | B::Remainder
        | B::Modulo
        | B::FloorQuotient
        | B::FloorRemainder
        | B::TruncateQuotient
        | B::TruncateRemainder => integer_division(a, m)?,
        B::Abs => match a.num(a.one()?)? {
            Num::Float(x) => Value::Float(x.abs()),
            n => big(m, n.exact().expect("exact").abs())?,
        },
        B::Min | B::Max => {
            let nums = args.iter().map(|&v| a.num(v)).collect::<Result<Vec<_>>>()?;
            let Some(first) = nums.first().cloned() else {
                return Err(a.arity("at least 1"));
            };
            let inexact = nums.iter().any(Num::is_float);
            let best = nums.into_iter().fold(first, |best, n| {
                let better = if builtin == B::Min {
                    less(&n, &best)
                } else {
                    less(&best, &n)
                };
                if better {
                    n
                } else {
                    best
                }
            });
            if inexact {
                Value::Float(best.float())
            } else {
                best.value(m)?
            }
        }
        B::Gcd | B::Lcm => {
            let mut acc = BigInt::from(if builtin == B::Gcd { 0 } else { 1 });
            for &arg in args {
                let n = a.exact_int(arg)?;
                acc = if builtin == B::Gcd {
                    acc.gcd(&n)
                } else {
                    acc.lcm(&n)
                };
            }
            big(m, acc)?
        }
        B::Expt => {
            let [base, power] = a.exactly()?;
            expt(a, m, a.num(base)?, a.num(power)?)?
        }
        B::Exact | B::InexactToExact => match a.num(a.one()?)? {
            Num::Float(x) if x.fract() == 0.0 && x.is_finite() => {
                big(m, BigInt::from_f64(x).expect("an integral float"))?
            }
            Num::Float(x) => {
                return Err(a.error(format!(
                    "{} has no exact integer value (there are no exact rationals)",
                    float_to_string(x)
                )))
            }
            n => n.value(m)?,
        },
        B::Inexact | B::ExactToInexact => Value::Float(a.num(a.one()?)?.float()),
        B::Floor | B::Ceiling | B::Round | B::Truncate => match a.num(a.one()?)? {
            Num::Float(x) => Value::Float(match builtin {
                B::Floor => x.floor(),
                B::Ceiling => x.ceil(),
                B::Round => x.round_ties_even(),
                _ => x.trunc(),
            }),
            n => n.value(m)?,
        },
        B::Sqrt => match a.num(a.one()?)? {
            n if n.float() < 0.0 => {
                return Err(a.error("square root of a negative number (no complex numbers)".into()))
            }
            Num::Float(x) => Value::Float(x.sqrt()),
            n => {
                let n = n.exact().expect("exact");
                let root = n.sqrt();
                if &root * &root == n {
                    big(m, root)?
                } else {
                    Value::Float(n.to_f64().unwrap_or(f64::NAN).sqrt())
                }
            }
        },
        B::ExactIntegerSqrt => {
            let value = a.one()?;
            let n = match a.num(value)? {
                Num::Float(_) => return Err(a.expected("an exact integer", value)),
                n => n.exact().expect("exact"),
            };
            if n.sign() == num_bigint::Sign::Minus {
                return Err(a.error(format!("negative argument {n}")));
            }
            let root = n.sqrt();
            let rest = &n - &root * &root;
            let items = [big(m, root)?, big(m, rest)?];
            Value::Values(super::store::new_vector(m, items.into_iter())?)
        }
        B::Exp => Value::Float(a.num(a.one()?)?.float().exp()),
        B::Log => match args {
            [x] => Value::Float(a.num(*x)?.float().ln()),
            [x, base] => Value::Float(a.num(*x)?.float().ln() / a.num(*base)?.float().ln()),
            _ => return Err(a.arity("1 or 2")),
        },
        // Exact at exact 0, as in Guile: (sin 0) is 0, (cos 0) is 1.
        B::Sin | B::Tan | B::Asin | B::Atan if matches!(args, [Value::Int(0)]) => Value::Int(0),
        B::Cos if matches!(args, [Value::Int(0)]) => Value::Int(1),
        B::Sin => Value::Float(a.num(a.one()?)?.float().sin()),
        B::Cos => Value::Float(a.num(a.one()?)?.float().cos()),
        B::Tan => Value::Float(a.num(a.one()?)?.float().tan()),
        B::Asin => Value::Float(a.num(a.one()?)?.float().asin()),
        B::Acos => Value::Float(a.num(a.one()?)?.float().acos()),
        B::Atan => match args {
            [x] => Value::Float(a.num(*x)?.float().atan()),
            [y, x] => Value::Float(a.num(*y)?.float().atan2(a.num(*x)?.float())),
            _ => return Err(a.arity("1 or 2")),
        },
        B::Square => {
            let x = a.num(a.one()?)?;
            combine(x.clone(), x, &MUL).value(m)?
        }
        B::IsNumber | B::IsComplex | B::IsReal => Value::Bool(matches!(
            a.one()?,
            Value::Int(_) | Value::Big(_) | Value::Float(_)
        )),
        B::IsRational => Value::Bool(match a.one()? {
            Value::Int(_) | Value::Big(_) => true,
            Value::Float(x) => x.is_finite(),
            _ => false,
        }),
        B::IsInteger => Value::Bool(match a.one()? {
            Value::Int(_) | Value::Big(_) => true,
            Value::Float(x) => x.is_finite() && x.fract() == 0.0,
            _ => false,
        }),
        B::IsExactInteger => Value::Bool(matches!(a.one()?, Value::Int(_) | Value::Big(_))),
        B::IsExact => Value::Bool(!a.num(a.one()?)?.is_float()),
        B::IsInexact => Value::Bool(a.num(a.one()?)?.is_float()),
        B::IsNan => Value::Bool(a.num(a.one()?)?.float().is_nan()),
        B::IsInfinite => Value::Bool(a.num(a.one()?)?.float().is_infinite()),
        B::IsFinite => Value::Bool(a.num(a.one()?)?.float().is_finite()),
        B::IsZero => Value::Bool(a.num(a.one()?)?.float() == 0.0),
        B::IsPositive => Value::Bool(a.num(a.one()?)?.float() > 0.0),
        B::IsNegative => Value::Bool(a.num(a.one()?)?.float() < 0.0),
        B::IsOdd | B::IsEven => {
            let n = a.exact_int(a.one()?)?;
            Value::Bool(n.is_even() == (builtin == B::IsEven))
        }
        B::NumberToString => {
            let (n, radix) = match args {
                [n] => (a.num(*n)?, 10),
                [n, radix] => (a.num(*n)?, a.int(*radix)?),
                _ => return Err(a.arity("1 or 2")),
            };
            let text = match (n, radix) {
                (Num::Float(x), 10) => float_to_string(x),
                (Num::Float(_), _) => return Err(a.error(format!("unsupported radix {radix}"))),
                (n, 2 | 8 | 10 | 16) => n.exact().expect("exact").to_str_radix(radix as u32),
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
                Some(Datum::Int(n)) => Value::Int(n),
                Some(Datum::Big(n)) => big(m, n)?,
                Some(Datum::Float(x)) => Value::Float(x),
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
            let (n, shift) = (a.exact_int(n)?, a.int(shift)?);
            let shifted = if shift >= 0 {
                let shift =
                    usize::try_from(shift).map_err(|_| a.error("shift too large".into()))?;
                if shift > 1 << 24 {
                    return Err(a.error(format!("shift {shift} too large")));
                }
                n << shift
            } else {
                n >> usize::try_from(-shift).unwrap_or(usize::MAX).min(1 << 24)
            };
            big(m, shifted)?
        }
        _ => return Ok(None),
    }))
}

fn less(x: &Num, y: &Num) -> bool {
    match (x, y) {
        (Num::Int(x), Num::Int(y)) => x < y,
        (Num::Float(_), _) | (_, Num::Float(_)) => x.float() < y.float(),
        _ => x.exact() < y.exact(),
    }
}

fn num_equal(x: &Num, y: &Num) -> bool {
    match (x, y) {
        (Num::Int(x), Num::Int(y)) => x == y,
        (Num::Float(_), _) | (_, Num::Float(_)) => x.float() == y.float(),
        _ => x.exact() == y.exact(),
    }
}

/// `x op y`: exact if both are (continuing in bignums past 64 bits).
fn combine(x: Num, y: Num, op: &IntOp) -> Num {
    match (&x, &y) {
        (Num::Int(a), Num::Int(b)) => match (op.small)(*a, *b) {
            Some(n) => Num::Int(n),
            None => Num::Big((op.large)(&BigInt::from(*a), &BigInt::from(*b))),
        },
        (Num::Float(_), _) | (_, Num::Float(_)) => Num::Float((op.float)(x.float(), y.float())),
        _ => {
            let n = (op.large)(&x.exact().expect("exact"), &y.exact().expect("exact"));
            match i64::try_from(&n) {
                Ok(small) => Num::Int(small),
                Err(_) => Num::Big(n),
            }
        }
    }
}

fn fold(a: Args<'_, '_>, init: Num, op: &IntOp) -> Result<Num> {
    let mut acc = init;
    for &n in a.args {
        acc = combine(acc, a.num(n)?, op);
    }
    Ok(acc)
}

/// `x / y`: exact when both are exact and `y` divides `x`, else a float.
fn divide(a: Args<'_, '_>, x: Num, y: Num) -> Result<Num> {
    if x.is_float() || y.is_float() {
        return Ok(Num::Float(x.float() / y.float()));
    }
    let (x, y) = (x.exact().expect("exact"), y.exact().expect("exact"));
    if y.is_zero() {
        return Err(a.error("division by zero".into()));
    }
    let (q, r) = x.div_rem(&y);
    Ok(if r.is_zero() {
        match i64::try_from(&q) {
            Ok(small) => Num::Int(small),
            Err(_) => Num::Big(q),
        }
    } else {
        Num::Float(x.to_f64().unwrap_or(f64::NAN) / y.to_f64().unwrap_or(f64::NAN))
    })
}

fn expt<'gc, C: Collector>(
    a: Args<'_, 'gc>,
    m: &Mutation<'_, 'gc, C>,
    base: Num,
    power: Num,
) -> Result<Value<'gc>> {
    Ok(match (&base, &power) {
        (Num::Float(_), _) | (_, Num::Float(_)) | (_, Num::Big(_)) => {
            Value::Float(base.float().powf(power.float()))
        }
        (_, Num::Int(p)) if *p < 0 => Value::Float(base.float().powf(*p as f64)),
        (_, Num::Int(p)) => {
            let b = base.exact().expect("exact");
            let p = u32::try_from(*p).map_err(|_| a.error(format!("exponent {p} too large")))?;
            if b.bits() as u128 * p as u128 > 1 << 26 {
                return Err(a.error(format!("result too large ({p} times {} bits)", b.bits())));
            }
            big(m, b.pow(p))?
        }
    })
}

/// `= < > <= >=` over one or more numbers.
fn compare(a: Args<'_, '_>) -> Result<bool> {
    use Builtin as B;
    if a.args.is_empty() {
        return Err(a.arity("at least 1"));
    }
    let nan = |x: &Num| x.is_float() && x.float().is_nan();
    let holds = |x: &Num, y: &Num| match a.builtin {
        B::NumEq => num_equal(x, y),
        B::Lt => less(x, y),
        B::Gt => less(y, x),
        B::Le => !less(y, x) && !nan(x) && !nan(y),
        _ => !less(x, y) && !nan(x) && !nan(y),
    };
    let mut previous = a.num(a.args[0])?;
    let mut result = true;
    for &arg in &a.args[1..] {
        let n = a.num(arg)?;
        result &= holds(&previous, &n);
        previous = n;
    }
    Ok(result)
}

/// `quotient remainder modulo` and the `floor-`/`truncate-` pairs, on
/// integers (exact, or integral floats giving floats).
fn integer_division<'gc, C: Collector>(
    a: Args<'_, 'gc>,
    m: &Mutation<'_, 'gc, C>,
) -> Result<Value<'gc>> {
    use Builtin as B;
    let [x, y] = a.exactly()?;
    let inexact = a.num(x)?.is_float() || a.num(y)?.is_float();
    if let (Value::Int(x), Value::Int(y)) = (x, y) {
        if y != 0 && !(x == i64::MIN && y == -1) {
            let result = match a.builtin {
                B::Quotient | B::TruncateQuotient => x / y,
                B::Remainder | B::TruncateRemainder => x % y,
                B::FloorQuotient => x.div_euclid(y) - i64::from(y < 0 && x.rem_euclid(y) != 0),
                _ => {
                    let r = x % y;
                    if r != 0 && (r < 0) != (y < 0) {
                        r + y
                    } else {
                        r
                    }
                }
            };
            return Ok(Value::Int(result));
        }
    }
    let (x, y) = (a.exact_int(x)?, a.exact_int(y)?);
    if y.is_zero() {
        return Err(a.error("division by zero".into()));
    }
    let result = match a.builtin {
        B::Quotient | B::TruncateQuotient => &x / &y,
        B::Remainder | B::TruncateRemainder => &x % &y,
        B::FloorQuotient => x.div_floor(&y),
        _ => x.mod_floor(&y),
    };
    if inexact {
        Ok(Value::Float(result.to_f64().unwrap_or(f64::NAN)))
    } else {
        big(m, result)
    }
}
