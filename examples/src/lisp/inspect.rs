//! Looking at the heap from Scheme: a DevTools `.heapsnapshot` of it
//! (`--heap-snapshot FILE`, `(heap-snapshot "file")`) and what retains a
//! value (`(why-alive x)`), both from gc-core's [`Scope::heap_graph`] and
//! written between regions, where the heap can be walked.
//!
//! `why-alive` prints the shortest path from a root to the value, in
//! Scheme terms first (`global keep → cdr → pair`), then as gc-core shows
//! it (`lisp[0] → State.globals<value 12> → Global.value → Pair.cdr →
//! Pair`). The call itself does not count: the evaluator's register that
//! holds the argument is cleared first, and the root that holds it while
//! the heap is walked is left out of the search.

use super::error::LispError;
use super::machine::{Reg, State};
use super::value::{Sym, Symbols, Value};
use gc_core::edges::{EdgeKind, EdgeName};
use gc_core::graph::{short_type_name, RetainingPath};
use gc_core::{Collector, Root, Scope, Trace};
use std::io::Write;

type Result<T> = std::result::Result<T, LispError>;

/// Writes a DevTools `.heapsnapshot` of the heap as it stands (no
/// collection first) to `path`.
pub fn write_heap_snapshot<C: Collector>(s: &mut Scope<'_, C>, path: &str) -> Result<()> {
    let failed = |error: std::io::Error| LispError::Io(format!("heap snapshot {path}: {error}"));
    let file = std::fs::File::create(path).map_err(failed)?;
    let mut out = std::io::BufWriter::new(file);
    gc_snapshot::write_heap_snapshot(&s.heap_graph(), &mut out).map_err(failed)?;
    out.flush().map_err(failed)
}

/// Holds the value `why-alive` asks about while the heap is walked.
#[derive(Trace)]
struct Asked<'gc> {
    value: Value<'gc>,
}

/// The label of the frame whose root holds the value asked about.
const ASKED: &str = "why-alive";

/// What retains the value in `state`'s `Return` register (a `why-alive`
/// call's argument), apart from that register (cleared: the call returns
/// nothing) and the root that holds it during the walk: the shortest path
/// from a root, as text, or why there is none.
pub fn why_alive<C: Collector>(
    s: &mut Scope<'_, C>,
    state: Root<'_, State<'static>>,
    symbols: &Symbols,
) -> Result<String> {
    s.scope(ASKED, |inner| {
        let asked = inner.mutate(|m| {
            let state = m.write(m.get(state));
            let Reg::Return(value) = state.reg.get() else {
                return Ok(None);
            };
            state
                .project(|s| &s.reg)
                .set(Reg::Return(Value::Unspecified));
            if !is_object(value) {
                return Ok(None);
            }
            let asked = super::data::alloc(m, Asked { value })?;
            Ok::<_, LispError>(Some(m.root(asked)))
        })?;
        if asked.is_none() {
            return Ok("not an object on the heap (an immediate value)".to_owned());
        }
        let graph = inner.heap_graph();
        let held = graph.roots.iter().enumerate().rev().find_map(|(g, group)| {
            let &(slot, holder) = group.roots.first().filter(|_| group.name == ASKED)?;
            Some(((g, slot), graph.edges_of(holder).first()?.to))
        });
        let Some((holder, target)) = held else {
            return Ok("not an object on the heap".to_owned());
        };
        let Some(path) = graph.why_alive(target, Some(holder)) else {
            return Ok("nothing but this call retains it (garbage once it returns)".to_owned());
        };
        // The globals in the order of the map's entries, which is how the
        // graph numbers them (keys are symbols: nothing rehashes).
        let globals: Vec<Sym> = inner.mutate(|m| {
            let state = m.get(state);
            let globals = state.globals.borrow();
            globals.iter(m).map(|(&sym, _)| sym).collect()
        });
        Ok(format!(
            "{}  [{path}]",
            in_scheme_terms(&path, symbols, &globals)
        ))
    })
}

/// `path` as a Scheme programmer reads it: the global variable, stack
/// entry or frame slot it starts from, then the fields it goes through.
fn in_scheme_terms(path: &RetainingPath, symbols: &Symbols, globals: &[Sym]) -> String {
    let mut parts = Vec::new();
    for &(type_name, edge) in &path.steps {
        let step = step_name(&short_type_name(type_name), edge, symbols, globals);
        parts.extend(step);
    }
    parts.push(object_name(&short_type_name(path.target)).to_owned());
    parts.join(" → ")
}

/// One step of a path in Scheme terms (`None` for a step that says
/// nothing new, such as a global's cell).
fn step_name(
    type_name: &str,
    edge: EdgeName,
    symbols: &Symbols,
    globals: &[Sym],
) -> Option<String> {
    let index = edge.index;
    Some(match (type_name, edge.field, edge.kind) {
        ("State", "globals", EdgeKind::Value) => match globals.get(index as usize) {
            Some(&sym) => format!("global {}", symbols.name(sym)),
            None => format!("global #{index}"),
        },
        ("State", "stack", _) => format!("pending continuation {index}"),
        ("State", "values", _) => format!("pending argument {index}"),
        ("State", "reg", _) => "the evaluator's register".to_owned(),
        ("Global", "value", _) => return None,
        (frame, "slots", _) if frame.starts_with("Frame") || frame == "BigFrame" => {
            format!("frame slot {index}")
        }
        (frame, "parent", _) if frame.starts_with("Frame") || frame == "BigFrame" => {
            "enclosing frame".to_owned()
        }
        ("Closure", "env", _) => "closure's frame".to_owned(),
        ("Pair", field, _) => field.to_owned(),
        (_, _, EdgeKind::Element) if type_name.starts_with("RefLock<GcVec") => {
            format!("element {index}")
        }
        ("Record", _, _) => format!("record field {index}"),
        ("Table", _, EdgeKind::Key) => format!("hash table key {index}"),
        ("Table", _, EdgeKind::Value) => format!("hash table value {index}"),
        ("Cont", _, _) | ("Continuation", _, _) => format!("continuation {edge}"),
        _ => format!("{type_name}.{edge}"),
    })
}

/// The kind of object a heap type holds, in Scheme terms.
fn object_name(type_name: &str) -> &str {
    match type_name {
        "Pair" => "pair",
        "RefLock<GcVec<Value>>" => "vector",
        "RefLock<GcVec<char>>" => "string",
        "Closure" => "procedure",
        "Table" => "hash table",
        "Record" => "record",
        "Port" => "port",
        "Big" => "bignum",
        "Continuation" => "continuation",
        other => other,
    }
}

/// `true` if `value` points at a heap object.
fn is_object(value: Value<'_>) -> bool {
    !matches!(
        value,
        Value::Nil
            | Value::Unspecified
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Char(_)
            | Value::Sym(_)
            | Value::Eof
            | Value::Builtin(_)
    )
}
