//! Finding the conformance checks in a source file, for the build script
//! (which writes the suite's list from them) and for `tests/scan.rs`.
//!
//! A check is a function `fn name<C: ...>(mode: Mode)` that returns
//! nothing: one type parameter (the backend) and one argument, the
//! `Mode`. Declaring it is all it takes to run
//! it: `conformance_suite!` runs every check the build script finds. So
//! that a check can never be silently left out, a function of that shape
//! that is not `pub`, or not at the top level of its file, and a `pub` one
//! that takes a `Mode` in any other way, are build errors, not skipped.

use syn::{FnArg, GenericParam, Item, ReturnType, Signature, Type, Visibility};

/// The names of the checks `source` declares, in order, or the first
/// reason it is malformed.
pub fn checks_in(source: &str) -> Result<Vec<String>, String> {
    let file = syn::parse_file(source).map_err(|e| format!("does not parse: {e}"))?;
    let mut checks = Vec::new();
    for item in &file.items {
        match item {
            Item::Fn(f) => {
                let name = f.sig.ident.to_string();
                let public = matches!(f.vis, Visibility::Public(_));
                match (is_check(&f.sig), public, takes_mode(&f.sig)) {
                    (true, true, _) => checks.push(name),
                    (true, false, _) => return Err(format!("check `{name}` must be `pub`")),
                    (false, true, true) => {
                        return Err(format!(
                            "`{name}` takes a `Mode` but is not a check: a check is \
                             `pub fn {name}<C: ...>(mode: Mode)`, returning nothing"
                        ))
                    }
                    (false, _, _) => {}
                }
            }
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    if let Some(f) = nested_check(items) {
                        return Err(format!(
                            "check `{f}` is inside `mod {}`: checks live at the top level of \
                             their file",
                            m.ident
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(checks)
}

/// `fn name<C: ...>(mode: Mode)`, returning nothing.
fn is_check(sig: &Signature) -> bool {
    let type_params = sig
        .generics
        .params
        .iter()
        .filter(|p| matches!(p, GenericParam::Type(_)))
        .count();
    type_params == 1
        && sig.generics.params.len() == 1
        && sig.inputs.len() == 1
        && takes_mode(sig)
        && matches!(sig.output, ReturnType::Default)
}

/// Some argument is of type `Mode` (by any path ending in `Mode`).
fn takes_mode(sig: &Signature) -> bool {
    sig.inputs.iter().any(|arg| match arg {
        FnArg::Typed(t) => match &*t.ty {
            Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Mode"),
            _ => false,
        },
        FnArg::Receiver(_) => false,
    })
}

/// A check-shaped function anywhere inside inline modules.
fn nested_check(items: &[Item]) -> Option<String> {
    items.iter().find_map(|item| match item {
        Item::Fn(f) if is_check(&f.sig) => Some(f.sig.ident.to_string()),
        Item::Mod(m) => m
            .content
            .as_ref()
            .and_then(|(_, inner)| nested_check(inner)),
        _ => None,
    })
}
