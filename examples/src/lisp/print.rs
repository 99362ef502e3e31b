//! Printing values the way `display` and `write` show them, in Guile's
//! notation (floats, characters, strings, records).

use super::data::{pair_of, same_pair};
use super::parse::MAX_NESTING;
use super::value::{Symbols, Value};
use std::fmt::Write as _;

/// `value` as `display` prints it, cut to about `limit` characters
/// (`usize::MAX` for no limit).
pub fn to_string(symbols: &Symbols, value: Value<'_>, limit: usize) -> String {
    print(symbols, value, limit, false)
}

/// `value` as `display` (`write == false`) or `write` prints it, cut to
/// about `limit` characters.
pub fn print(symbols: &Symbols, value: Value<'_>, limit: usize, write: bool) -> String {
    let mut out = String::new();
    let printer = Printer {
        symbols,
        limit,
        write,
    };
    printer.value(value, &mut out, 0);
    if out.len() > limit {
        let cut = (0..=limit)
            .rev()
            .find(|&i| out.is_char_boundary(i))
            .unwrap_or(0);
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

/// A float as Guile writes it: the shortest digits that read back to the
/// same float, positional from 1e-3 up (below 1e7 always, above only if
/// that adds at most three zeros after the digits), scientific (`1.0e-4`,
/// `1.2e8`) otherwise; always with a `.`. (Guile breaks a tie between two
/// shortest digit strings to even, Rust's formatter up: such floats, about
/// 1 in 1,500 random ones, differ in their last digit.)
pub fn float_to_string(x: f64) -> String {
    if x.is_nan() {
        return "+nan.0".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+inf.0" } else { "-inf.0" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // `{:e}` gives the shortest round-trip digits: `d[.ddd]e[-]n`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').expect("{:e} has an exponent");
    let exponent: i32 = exponent.parse().expect("an integer exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let count = digits.len() as i32;
    let sign = if x < 0.0 { "-" } else { "" };
    let padding = exponent + 1 - count; // zeros a positional form would add
    if exponent >= -3 && (exponent < 7 || padding <= 3) {
        let text = if exponent < 0 {
            format!("0.{}{digits}", "0".repeat((-exponent - 1) as usize))
        } else if exponent + 1 >= count {
            format!("{digits}{}.0", "0".repeat((exponent + 1 - count) as usize))
        } else {
            let (int, frac) = digits.split_at(exponent as usize + 1);
            format!("{int}.{frac}")
        };
        return format!("{sign}{text}");
    }
    let (first, rest) = digits.split_at(1);
    let rest = if rest.is_empty() { "0" } else { rest };
    format!("{sign}{first}.{rest}e{exponent}")
}

/// The name `write` gives a character (`#\space`), without the `#\`.
pub fn char_name(c: char) -> String {
    match c {
        ' ' => "space".into(),
        '\n' => "newline".into(),
        '\t' => "tab".into(),
        '\r' => "return".into(),
        '\0' => "nul".into(),
        '\x07' => "alarm".into(),
        '\x08' => "backspace".into(),
        '\x1b' => "esc".into(),
        '\x7f' => "delete".into(),
        c if (c as u32) < 0x20 => format!("x{:x}", c as u32),
        c => c.to_string(),
    }
}

struct Printer<'a> {
    symbols: &'a Symbols,
    limit: usize,
    write: bool,
}

impl Printer<'_> {
    /// Appends `value` to `out`; stops early once `out` is longer than the limit.
    fn value(&self, value: Value<'_>, out: &mut String, depth: usize) {
        if depth >= MAX_NESTING {
            out.push_str("...");
            return;
        }
        match value {
            Value::Nil => out.push_str("()"),
            Value::Unspecified => out.push_str("#<unspecified>"),
            Value::Eof => out.push_str("#<eof>"),
            Value::Bool(b) => out.push_str(if b { "#t" } else { "#f" }),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Big(n) => {
                let _ = write!(out, "{}", n.n);
            }
            Value::Float(x) => out.push_str(&float_to_string(x)),
            Value::Char(c) if self.write => {
                out.push_str("#\\");
                out.push_str(&char_name(c));
            }
            Value::Char(c) => out.push(c),
            Value::Sym(sym) => self.symbol(self.symbols.name(sym), out),
            Value::Str(text) if self.write => {
                out.push('"');
                for &c in text.borrow().iter() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        '\r' => out.push_str("\\r"),
                        c if (c as u32) < 0x20 || c == '\x7f' => {
                            let _ = write!(out, "\\x{:x};", c as u32);
                        }
                        c => out.push(c),
                    }
                    if out.len() > self.limit {
                        break;
                    }
                }
                out.push('"');
            }
            Value::Str(text) => out.extend(text.borrow().iter()),
            Value::Closure(closure) => {
                let name = closure
                    .lambda
                    .name
                    .map_or("lambda", |sym| self.symbols.name(sym));
                let _ = write!(out, "#<procedure {name}>");
            }
            Value::Builtin(builtin) => {
                let _ = write!(out, "#<procedure {}>", builtin.name());
            }
            Value::Cont(_) => out.push_str("#<continuation>"),
            Value::Table(table) => {
                let _ = write!(out, "#<hash-table {}>", table.map.borrow().len());
            }
            Value::Port(_) => out.push_str("#<port>"),
            Value::Record(record) => {
                let kind = record.kind.borrow();
                out.push_str("#<");
                if let Some(&name) = kind.first() {
                    self.value(name, out, depth + 1);
                }
                let fields = record.fields.borrow();
                for (name, &value) in kind.iter().skip(1).zip(fields.iter()) {
                    out.push(' ');
                    self.value(*name, out, depth + 1);
                    out.push_str(": ");
                    self.value(value, out, depth + 1);
                }
                out.push('>');
            }
            Value::Values(items) => {
                for (index, &item) in items.borrow().iter().enumerate() {
                    if index > 0 {
                        out.push(' ');
                    }
                    self.value(item, out, depth + 1);
                }
            }
            Value::Vector(items) => {
                out.push_str("#(");
                for (index, &item) in items.borrow().iter().enumerate() {
                    if out.len() > self.limit {
                        break;
                    }
                    if index > 0 {
                        out.push(' ');
                    }
                    self.value(item, out, depth + 1);
                }
                out.push(')');
            }
            Value::Pair(_) => self.list(value, out, depth),
        }
    }

    /// A symbol; `write` puts `|...|` around names that would not read
    /// back as that symbol.
    fn symbol(&self, name: &str, out: &mut String) {
        let plain = !name.is_empty()
            && !name
                .chars()
                .any(|c| c.is_whitespace() || "()\";'`,|".contains(c))
            && !super::parse::looks_numeric(name)
            && !name.starts_with('#');
        if self.write && !plain {
            out.push('|');
            out.push_str(name);
            out.push('|');
        } else {
            out.push_str(name);
        }
    }

    /// Appends a list, walking the spine in a loop (only `car`s recurse). A
    /// second cursor moving at half speed detects a cyclic spine, printed as `...`.
    fn list(&self, list: Value<'_>, out: &mut String, depth: usize) {
        out.push('(');
        let (mut cursor, mut slow) = (list, list);
        for step in 1usize.. {
            let (item, rest) = pair_of(cursor).expect("the loop stops at non-pairs");
            self.value(item, out, depth + 1);
            cursor = rest;
            if step % 2 == 0 {
                slow = pair_of(slow).expect("behind cursor").1;
            }
            match cursor {
                Value::Nil => break,
                Value::Pair(_) if same_pair(cursor, slow) => {
                    out.push_str(" ...");
                    break;
                }
                Value::Pair(_) if out.len() <= self.limit => out.push(' '),
                Value::Pair(_) => break,
                _ => {
                    out.push_str(" . ");
                    self.value(cursor, out, depth + 1);
                    break;
                }
            }
        }
        out.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::float_to_string;

    #[test]
    fn floats_print_as_guile_prints_them() {
        let cases = [
            (1e21, "1.0e21"),
            (1e20, "1.0e20"),
            (0.001, "0.001"),
            (1e-4, "1.0e-4"),
            (1.0 / 3.0, "0.3333333333333333"),
            (100.0, "100.0"),
            (12345678.9, "12345678.9"),
            (1e7, "1.0e7"),
            (1e6, "1000000.0"),
            (1.2e8, "1.2e8"),
            (9999999999.0, "9999999999.0"),
            (1152921504606846976.0, "1152921504606847000.0"),
            (1.2345678901234568e20, "1.2345678901234568e20"),
            (-0.0, "-0.0"),
            (1.5e-7, "1.5e-7"),
            (5e-324, "5.0e-324"),
            (9.48782315276125e18, "9.48782315276125e18"),
            (12345678901234567000.0, "12345678901234567000.0"),
            (1e6, "1000000.0"),
            (12345600.0, "12345600.0"),
        ];
        for (x, expected) in cases {
            assert_eq!(float_to_string(x), expected, "{x:e}");
        }
    }
}
