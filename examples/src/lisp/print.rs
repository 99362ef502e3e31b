//! Printing values the way `display` shows them.

use super::data::{pair_of, target};
use super::machine::Machine;
use super::parse::MAX_NESTING;
use super::value::Value;
use std::fmt::Write as _;

/// `value` as `display` prints it, cut to about `limit` characters
/// (`usize::MAX` for no limit).
///
/// Printing only reads, so it takes a borrowed value (`Scope::get`, then
/// `Gc::get` down the structure) and costs no shadow-stack slots.
pub fn to_string(m: &Machine<'_, '_>, value: &Value, limit: usize) -> String {
    let mut out = String::new();
    write_value(m, value, &mut out, limit, 0);
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
fn write_value(m: &Machine<'_, '_>, value: &Value, out: &mut String, limit: usize, depth: usize) {
    if depth >= MAX_NESTING {
        out.push_str("...");
        return;
    }
    match value {
        Value::Nil => out.push_str("()"),
        Value::Unspecified | Value::Unbound => out.push_str("#<unspecified>"),
        Value::Bool(b) => out.push_str(if *b { "#t" } else { "#f" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Sym(sym) => out.push_str(m.symbols.name(*sym)),
        Value::Str(text) => out.push_str(text),
        Value::Closure { name, .. } => {
            let name = m.symbols.name(name.unwrap_or(m.keywords.lambda));
            let _ = write!(out, "#<procedure {name}>");
        }
        Value::Builtin(builtin) => {
            let _ = write!(out, "#<procedure {}>", builtin.name());
        }
        Value::Vector(items) => {
            out.push_str("#(");
            for (index, item) in items.iter().enumerate() {
                if out.len() > limit {
                    break;
                }
                if index > 0 {
                    out.push(' ');
                }
                write_value(m, target(item), out, limit, depth + 1);
            }
            out.push(')');
        }
        Value::Pair { .. } => write_list(m, value, out, limit, depth),
    }
}

/// Appends a list, walking the spine in a loop (only `car`s recurse). A
/// second cursor moving at half speed detects a cyclic spine, printed as `...`.
fn write_list(m: &Machine<'_, '_>, list: &Value, out: &mut String, limit: usize, depth: usize) {
    out.push('(');
    let (mut cursor, mut slow) = (list, list);
    for step in 1usize.. {
        let (item, rest) = pair_of(cursor).expect("the loop stops at non-pairs");
        write_value(m, item, out, limit, depth + 1);
        cursor = rest;
        if step % 2 == 0 {
            slow = pair_of(slow).expect("behind cursor").1;
        }
        match cursor {
            Value::Nil => break,
            Value::Pair { .. } if std::ptr::eq(cursor, slow) => {
                out.push_str(" ...");
                break;
            }
            Value::Pair { .. } if out.len() <= limit => out.push(' '),
            Value::Pair { .. } => break,
            _ => {
                out.push_str(" . ");
                write_value(m, cursor, out, limit, depth + 1);
                break;
            }
        }
    }
    out.push(')');
}
