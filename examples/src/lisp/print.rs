//! Printing values the way `display` shows them.

use super::data::{pair_of, same_pair};
use super::parse::MAX_NESTING;
use super::value::{Symbols, Value};
use std::fmt::Write as _;

/// `value` as `display` prints it, cut to about `limit` characters
/// (`usize::MAX` for no limit).
pub fn to_string(symbols: &Symbols, value: Value<'_>, limit: usize) -> String {
    let mut out = String::new();
    write_value(symbols, value, &mut out, limit, 0);
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

/// Appends `value` to `out`; stops early once `out` is longer than `limit`.
fn write_value(symbols: &Symbols, value: Value<'_>, out: &mut String, limit: usize, depth: usize) {
    if depth >= MAX_NESTING {
        out.push_str("...");
        return;
    }
    match value {
        Value::Nil => out.push_str("()"),
        Value::Unspecified => out.push_str("#<unspecified>"),
        Value::Bool(b) => out.push_str(if b { "#t" } else { "#f" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Sym(sym) => out.push_str(symbols.name(sym)),
        Value::Str(text) => out.push_str(&text.text),
        Value::Closure(closure) => {
            let name = closure.name.map_or("lambda", |sym| symbols.name(sym));
            let _ = write!(out, "#<procedure {name}>");
        }
        Value::Builtin(builtin) => {
            let _ = write!(out, "#<procedure {}>", builtin.name());
        }
        Value::Table(table) => {
            let _ = write!(out, "#<hash-table {}>", table.map.borrow().len());
        }
        Value::Vector(items) => {
            out.push_str("#(");
            for (index, &item) in items.borrow().iter().enumerate() {
                if out.len() > limit {
                    break;
                }
                if index > 0 {
                    out.push(' ');
                }
                write_value(symbols, item, out, limit, depth + 1);
            }
            out.push(')');
        }
        Value::Pair(_) => write_list(symbols, value, out, limit, depth),
    }
}

/// Appends a list, walking the spine in a loop (only `car`s recurse). A
/// second cursor moving at half speed detects a cyclic spine, printed as `...`.
fn write_list(symbols: &Symbols, list: Value<'_>, out: &mut String, limit: usize, depth: usize) {
    out.push('(');
    let (mut cursor, mut slow) = (list, list);
    for step in 1usize.. {
        let (item, rest) = pair_of(cursor).expect("the loop stops at non-pairs");
        write_value(symbols, item, out, limit, depth + 1);
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
            Value::Pair(_) if out.len() <= limit => out.push(' '),
            Value::Pair(_) => break,
            _ => {
                out.push_str(" . ");
                write_value(symbols, cursor, out, limit, depth + 1);
                break;
            }
        }
    }
    out.push(')');
}
