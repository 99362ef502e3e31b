//! Printing values the way `display` shows them.

use super::data::{car, cdr};
use super::machine::Machine;
use super::parse::MAX_NESTING;
use super::value::Value;
use gc_core::{Collector, Root, Scope};
use std::fmt::Write as _;

/// `value` as `display` prints it, cut to about `limit` characters
/// (`usize::MAX` for no limit).
pub fn to_string<C: Collector>(
    s: &Scope<'_, C>,
    m: &Machine<'_, '_>,
    value: Root<'_, Value>,
    limit: usize,
) -> String {
    let mut out = String::new();
    write_value(s, m, value, &mut out, limit, 0);
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
fn write_value<C: Collector>(
    s: &Scope<'_, C>,
    m: &Machine<'_, '_>,
    value: Root<'_, Value>,
    out: &mut String,
    limit: usize,
    depth: usize,
) {
    if depth >= MAX_NESTING {
        out.push_str("...");
        return;
    }
    match s.get(value) {
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
            let len = items.len();
            out.push_str("#(");
            for index in 0..len {
                if out.len() > limit {
                    break;
                }
                if index > 0 {
                    out.push(' ');
                }
                let item = s
                    .load(value, |v| v.element(index))
                    .expect("vectors are filled");
                write_value(s, m, item, out, limit, depth + 1);
            }
            out.push(')');
        }
        Value::Pair { .. } => write_list(s, m, value, out, limit, depth),
    }
}

/// Appends a list, walking the spine in a loop (only `car`s recurse). A
/// second cursor moving at half speed detects a cyclic spine, printed as `...`.
fn write_list<C: Collector>(
    s: &Scope<'_, C>,
    m: &Machine<'_, '_>,
    list: Root<'_, Value>,
    out: &mut String,
    limit: usize,
    depth: usize,
) {
    out.push('(');
    let cursor = s.root(list);
    let slow = s.root(list);
    for step in 1usize.. {
        write_value(s, m, car(s, cursor), out, limit, depth + 1);
        s.assign(cursor, cdr(s, cursor));
        if step % 2 == 0 {
            s.assign(slow, cdr(s, slow));
        }
        match s.get(cursor) {
            Value::Nil => break,
            Value::Pair { .. } if s.ptr_eq(cursor, slow) => {
                out.push_str(" ...");
                break;
            }
            Value::Pair { .. } if out.len() <= limit => out.push(' '),
            Value::Pair { .. } => break,
            _ => {
                out.push_str(" . ");
                write_value(s, m, cursor, out, limit, depth + 1);
                break;
            }
        }
    }
    out.push(')');
}
