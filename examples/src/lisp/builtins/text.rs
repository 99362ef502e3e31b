//! Symbols, characters and strings. A string is a vector of characters on
//! the heap, so `string-ref` and `string-set!` are O(1).

use super::Args;
use crate::lisp::data::{elements, make_list, string_from};
use crate::lisp::error::LispError;
use crate::lisp::value::{Builtin, Symbols, Value};
use gc_core::model::Mutation;
use gc_core::Collector;
use std::cmp::Ordering;

type Result<T> = std::result::Result<T, LispError>;

/// Calls a text builtin; `None` if `builtin` is not one.
pub fn call<'gc, C: Collector>(
    builtin: Builtin,
    args: &[Value<'gc>],
    symbols: &mut Symbols,
    m: &Mutation<'_, 'gc, C>,
) -> Result<Option<Value<'gc>>> {
    use Builtin as B;
    if builtin == B::StringToSymbol {
        let a = Args::new(builtin, args, symbols);
        let text: String = a.text(a.one()?)?.borrow().iter().collect();
        return Ok(Some(Value::Sym(symbols.intern(&text))));
    }
    let a = Args::new(builtin, args, symbols);
    let chars = |value| -> Result<Vec<char>> { Ok(a.text(value)?.borrow().to_vec()) };
    Ok(Some(match builtin {
        B::SymbolToString => match a.one()? {
            Value::Sym(sym) => {
                let name = symbols.name(sym);
                string_from(m, name.chars())?
            }
            other => return Err(a.expected("a symbol", other)),
        },
        B::SymbolEq => Value::Bool(match args {
            [Value::Sym(first), rest @ ..] => rest
                .iter()
                .all(|v| matches!(v, Value::Sym(s) if s == first)),
            _ => false,
        }),
        B::CharToInteger => Value::Int(a.char(a.one()?)? as i64),
        B::IntegerToChar => {
            let n = a.int(a.one()?)?;
            let c = u32::try_from(n).ok().and_then(char::from_u32);
            Value::Char(c.ok_or_else(|| a.error(format!("{n} is not a character code")))?)
        }
        B::CharEq | B::CharLt | B::CharGt | B::CharLe | B::CharGe | B::CharCiEq => {
            let cs = args
                .iter()
                .map(|&v| a.char(v))
                .collect::<Result<Vec<_>>>()?;
            let fold = builtin == B::CharCiEq;
            let key = |c: char| {
                if fold {
                    c.to_lowercase().next().unwrap_or(c)
                } else {
                    c
                }
            };
            Value::Bool(
                cs.windows(2)
                    .all(|w| holds(builtin, key(w[0]).cmp(&key(w[1])))),
            )
        }
        B::IsAlphabetic => Value::Bool(a.char(a.one()?)?.is_alphabetic()),
        B::IsNumeric => Value::Bool(a.char(a.one()?)?.is_numeric()),
        B::IsWhitespace => Value::Bool(a.char(a.one()?)?.is_whitespace()),
        B::IsUpperCase => Value::Bool(a.char(a.one()?)?.is_uppercase()),
        B::IsLowerCase => Value::Bool(a.char(a.one()?)?.is_lowercase()),
        B::CharUpcase => {
            let c = a.char(a.one()?)?;
            Value::Char(c.to_uppercase().next().unwrap_or(c))
        }
        B::CharDowncase => {
            let c = a.char(a.one()?)?;
            Value::Char(c.to_lowercase().next().unwrap_or(c))
        }
        B::DigitValue => match a.char(a.one()?)?.to_digit(10) {
            Some(d) => Value::Int(d as i64),
            None => Value::Bool(false),
        },
        B::MakeString => {
            let (length, fill) = match args {
                [length] => (*length, ' '),
                [length, fill] => (*length, a.char(*fill)?),
                _ => return Err(a.arity("1 or 2")),
            };
            string_from(m, std::iter::repeat_n(fill, a.size(length)?))?
        }
        B::String => {
            let cs = args
                .iter()
                .map(|&v| a.char(v))
                .collect::<Result<Vec<_>>>()?;
            string_from(m, cs.into_iter())?
        }
        B::StringLength => Value::Int(a.text(a.one()?)?.borrow().len() as i64),
        B::StringRef => {
            let [text, index] = a.exactly()?;
            let text = a.text(text)?;
            let text = text.borrow();
            Value::Char(text[a.index(index, text.len())?])
        }
        B::StringSet => {
            let [text, index, c] = a.exactly()?;
            let (text, c) = (a.text(text)?, a.char(c)?);
            let index = a.index(index, text.borrow().len())?;
            m.write(text).borrow_mut()[index] = c;
            Value::Unspecified
        }
        B::Substring | B::StringCopy | B::StringToList => {
            let (text, start, end) = range(a, 1)?;
            let text = chars(text)?;
            let part = text[start..end.unwrap_or(text.len()).max(start)]
                .iter()
                .copied();
            if builtin == B::StringToList {
                make_list(m, part.map(Value::Char), Value::Nil)?
            } else {
                string_from(m, part)?
            }
        }
        B::StringAppend => {
            let mut all = Vec::new();
            for &arg in args {
                all.extend(a.text(arg)?.borrow().iter().copied());
            }
            string_from(m, all.into_iter())?
        }
        B::StringFill => {
            let [text, c] = a.exactly()?;
            let (text, c) = (a.text(text)?, a.char(c)?);
            m.write(text)
                .borrow_mut()
                .iter_mut()
                .for_each(|slot| *slot = c);
            Value::Unspecified
        }
        B::ListToString => {
            let list = a.one()?;
            a.list_length(list)?;
            let cs = elements(list)
                .map(|v| a.char(v))
                .collect::<Result<Vec<_>>>()?;
            string_from(m, cs.into_iter())?
        }
        B::StringUpcase | B::StringDowncase => {
            let text: String = chars(a.one()?)?.into_iter().collect();
            let text = if builtin == B::StringUpcase {
                text.to_uppercase()
            } else {
                text.to_lowercase()
            };
            string_from(m, text.chars())?
        }
        B::StringEq | B::StringLt | B::StringGt | B::StringLe | B::StringGe | B::StringCiEq => {
            let texts = args.iter().map(|&v| chars(v)).collect::<Result<Vec<_>>>()?;
            let texts: Vec<Vec<char>> = if builtin == B::StringCiEq {
                texts
                    .into_iter()
                    .map(|t| t.into_iter().flat_map(char::to_lowercase).collect())
                    .collect()
            } else {
                texts
            };
            Value::Bool(texts.windows(2).all(|w| holds(builtin, w[0].cmp(&w[1]))))
        }
        _ => return Ok(None),
    }))
}

/// Whether `ordering` satisfies the comparison `builtin` names.
fn holds(builtin: Builtin, ordering: Ordering) -> bool {
    use Builtin as B;
    match builtin {
        B::CharLt | B::StringLt => ordering.is_lt(),
        B::CharGt | B::StringGt => ordering.is_gt(),
        B::CharLe | B::StringLe => ordering.is_le(),
        B::CharGe | B::StringGe => ordering.is_ge(),
        _ => ordering.is_eq(),
    }
}

/// The `(text [start [end]])` arguments of a string procedure whose
/// `start` is optional from argument `optional_from` on (`substring`'s
/// is required, but an absent one means 0 here too).
fn range<'gc>(
    a: Args<'_, 'gc>,
    _optional_from: usize,
) -> Result<(Value<'gc>, usize, Option<usize>)> {
    let args = a.between(1, 3)?;
    let length = a.text(args[0])?.borrow().len();
    let start = match args.get(1) {
        Some(&start) => a.size(start)?,
        None => 0,
    };
    let end = match args.get(2) {
        Some(&end) => Some(a.size(end)?),
        None => None,
    };
    if start > length || end.is_some_and(|end| end > length || end < start) {
        return Err(a.error(format!(
            "range {start}..{} out of bounds for length {length}",
            end.unwrap_or(length)
        )));
    }
    Ok((args[0], start, end))
}
