//! The evaluator: a loop per `eval` call that runs one step per iteration,
//! so expressions in tail position (the branches of `if`, the last
//! expression of a body, a procedure call) re-point the loop's `expr` and
//! `env` roots instead of recursing; only non-tail sub-expressions (operands,
//! tests) recurse, and [`Machine::push_call`] bounds that recursion.
//!
//! Roots: `eval` opens a scope holding the loop's `expr` and `env` slots,
//! and each step runs in its own nested scope, so the shadow stack does not
//! grow with the number of iterations; a result is written into a slot the
//! caller provides (`dest`) with `Scope::assign`.

use super::builtins;
use super::data::{bind, car, cdr, drop_front, list_items, make_list, new_frame};
use super::error::LispError;
use super::machine::Machine;
use super::value::{Frame, Sym, Value};
use gc_core::{Collector, Gc, Root, Scope};

/// What a step did.
enum Flow {
    /// The result is in `dest`.
    Done,
    /// `expr` and `env` were re-pointed at an expression in tail position.
    Tail,
}

type Result<T> = std::result::Result<T, LispError>;

/// Evaluates `expr` in `env`; the value is rooted in `s`.
pub fn eval<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
) -> Result<Root<'s, Value>> {
    // Fast path: variables and constants need no loop and no scopes.
    match *s.get(expr) {
        Value::Sym(sym) => return m.lookup(s, env, sym),
        Value::Pair { .. } => {}
        _ => return Ok(s.root(expr)),
    }
    let dest = s.root(m.unspecified);
    m.push_call()?;
    let result = s.scope("eval", |i| {
        let expr = i.root(expr);
        let env = i.root(env);
        loop {
            if let Flow::Done = i.scope("step", |j| step(j, m, expr, env, dest))? {
                return Ok(());
            }
        }
    });
    m.pop_call();
    result.map(|()| dest)
}

/// Evaluates `expr`, naming the procedure if `expr` is a `lambda` form.
fn eval_named<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
    name: Sym,
) -> Result<Root<'s, Value>> {
    let is_lambda = matches!(s.get(expr), Value::Pair { .. })
        && matches!(s.get(car(s, expr)), Value::Sym(sym) if *sym == m.keywords.lambda);
    if !is_lambda {
        return eval(s, m, expr, env);
    }
    let form = syntax(s, m, expr, 3, usize::MAX)?;
    make_closure(s, form[1], drop_front(s, expr, 2), env, Some(name))
}

/// One step of evaluating `expr` in `env`.
fn step<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
    dest: Root<'_, Value>,
) -> Result<Flow> {
    match *s.get(expr) {
        Value::Sym(sym) => {
            s.assign(dest, m.lookup(s, env, sym)?);
            return Ok(Flow::Done);
        }
        Value::Pair { .. } => {}
        _ => {
            s.assign(dest, expr);
            return Ok(Flow::Done);
        }
    }
    match *s.get(car(s, expr)) {
        Value::Sym(sym) if m.is_keyword(sym) => special_form(s, m, sym, expr, env, dest),
        _ => application(s, m, expr, env, dest),
    }
}

/// The elements of the form `expr`, checking it has `min..=max` of them.
fn syntax<'s, C: Collector>(
    s: &Scope<'s, C>,
    m: &Machine<'_, '_>,
    expr: Root<'_, Value>,
    min: usize,
    max: usize,
) -> Result<Vec<Root<'s, Value>>> {
    match list_items(s, expr) {
        Some(items) if (min..=max).contains(&items.len()) => Ok(items),
        _ => Err(bad_syntax(s, m, expr)),
    }
}

/// A "bad syntax" error quoting `expr`.
fn bad_syntax<C: Collector>(
    s: &Scope<'_, C>,
    m: &Machine<'_, '_>,
    expr: Root<'_, Value>,
) -> LispError {
    LispError::Runtime(format!(
        "bad syntax: {}",
        super::print::to_string(s, m, expr, 60)
    ))
}

/// The symbol in `value`, or a syntax error about `form`.
fn symbol<C: Collector>(
    s: &Scope<'_, C>,
    m: &Machine<'_, '_>,
    value: Root<'_, Value>,
    form: Root<'_, Value>,
) -> Result<Sym> {
    match s.get(value) {
        Value::Sym(sym) => Ok(*sym),
        _ => Err(LispError::Runtime(format!(
            "expected a symbol in {}",
            super::print::to_string(s, m, form, 60)
        ))),
    }
}

fn special_form<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    keyword: Sym,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
    dest: Root<'_, Value>,
) -> Result<Flow> {
    let k = m.keywords;
    if keyword == k.quote {
        let form = syntax(s, m, expr, 2, 2)?;
        s.assign(dest, form[1]);
        Ok(Flow::Done)
    } else if keyword == k.if_ {
        let form = syntax(s, m, expr, 3, 4)?;
        let test = eval(s, m, form[1], env)?;
        match (s.get(test).is_true(), form.get(3)) {
            (true, _) => s.assign(expr, form[2]),
            (false, Some(&otherwise)) => s.assign(expr, otherwise),
            (false, None) => return done(s, dest, m.unspecified),
        }
        Ok(Flow::Tail)
    } else if keyword == k.define {
        define(s, m, expr, env)?;
        done(s, dest, m.unspecified)
    } else if keyword == k.set {
        let form = syntax(s, m, expr, 3, 3)?;
        let sym = symbol(s, m, form[1], expr)?;
        let value = eval_named(s, m, form[2], env, sym)?;
        m.set_variable(s, env, sym, value)?;
        done(s, dest, m.unspecified)
    } else if keyword == k.lambda {
        let form = syntax(s, m, expr, 3, usize::MAX)?;
        let closure = make_closure(s, form[1], drop_front(s, expr, 2), env, None)?;
        done(s, dest, closure)
    } else if keyword == k.let_ {
        let_form(s, m, expr, env)
    } else if keyword == k.cond {
        cond(s, m, expr, env, dest)
    } else if keyword == k.begin {
        let form = syntax(s, m, expr, 1, usize::MAX)?;
        if form.len() == 1 {
            return done(s, dest, m.unspecified);
        }
        sequence(s, m, &form[1..], expr, env)
    } else {
        let form = syntax(s, m, expr, 1, usize::MAX)?;
        let is_and = keyword == k.and;
        let Some((&last, init)) = form[1..].split_last() else {
            return done(s, dest, m.boolean(is_and));
        };
        for &operand in init {
            let value = eval(s, m, operand, env)?;
            if s.get(value).is_true() != is_and {
                return done(s, dest, value);
            }
        }
        s.assign(expr, last);
        Ok(Flow::Tail)
    }
}

/// Stores `value` as the result.
fn done<C: Collector>(
    s: &Scope<'_, C>,
    dest: Root<'_, Value>,
    value: Root<'_, Value>,
) -> Result<Flow> {
    s.assign(dest, value);
    Ok(Flow::Done)
}

/// Evaluates all of `body` but the last expression, then continues with the
/// last one in tail position.
fn sequence<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    body: &[Root<'_, Value>],
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
) -> Result<Flow> {
    let (&last, init) = body.split_last().expect("bodies are not empty");
    for &e in init {
        s.scope("body", |b| eval(b, m, e, env).map(drop))?;
    }
    s.assign(expr, last);
    Ok(Flow::Tail)
}

/// `(define name value)` or `(define (name . params) body ...)`.
fn define<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
) -> Result<()> {
    let form = syntax(s, m, expr, 3, usize::MAX)?;
    let (sym, value) = if let Value::Pair { .. } = s.get(form[1]) {
        let sym = symbol(s, m, car(s, form[1]), expr)?;
        let params = cdr(s, form[1]);
        (
            sym,
            make_closure(s, params, drop_front(s, expr, 2), env, Some(sym))?,
        )
    } else {
        if form.len() != 3 {
            return Err(bad_syntax(s, m, expr));
        }
        let sym = symbol(s, m, form[1], expr)?;
        (sym, eval_named(s, m, form[2], env, sym)?)
    };
    m.define(s, env, sym, value)
}

/// A closure over `env`.
fn make_closure<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    params: Root<'_, Value>,
    body: Root<'_, Value>,
    env: Root<'_, Frame>,
    name: Option<Sym>,
) -> Result<Root<'s, Value>> {
    let closure = super::data::alloc(
        s,
        Value::Closure {
            params: Gc::null(),
            body: Gc::null(),
            env: Gc::null(),
            name,
        },
    )?;
    s.set(closure, Value::params, params);
    s.set(closure, Value::body, body);
    s.set(closure, Value::env, env);
    Ok(closure)
}

/// `(let ((var init) ...) body ...)` and the named `(let loop (...) body ...)`.
fn let_form<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
) -> Result<Flow> {
    let form = syntax(s, m, expr, 3, usize::MAX)?;
    let name = match s.get(form[1]) {
        Value::Sym(sym) if form.len() >= 4 => Some(*sym),
        _ => None,
    };
    let first = 1 + usize::from(name.is_some());
    let specs = list_items(s, form[first]).ok_or_else(|| bad_syntax(s, m, expr))?;
    let (mut vars, mut syms, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for spec in specs {
        let pair = syntax(s, m, spec, 2, 2)?;
        let sym = symbol(s, m, pair[0], expr)?;
        values.push(eval_named(s, m, pair[1], env, sym)?);
        vars.push(pair[0]);
        syms.push(sym);
    }
    let body = drop_front(s, expr, first + 1);
    let Some(name) = name else {
        let frame = new_frame(s, env)?;
        for (&sym, &value) in syms.iter().zip(&values) {
            bind(s, frame, sym, value)?;
        }
        s.assign(env, frame);
        return sequence(
            s,
            m,
            &list_items(s, body).expect("checked by syntax"),
            expr,
            env,
        );
    };
    let loop_frame = new_frame(s, env)?;
    let nil = m.nil;
    let params = make_list(s, &vars, nil)?;
    let procedure = make_closure(s, params, body, loop_frame, Some(name))?;
    bind(s, loop_frame, name, procedure)?;
    call_closure(s, m, procedure, &values, expr, env)
}

/// `(cond (test body ...) ... (else body ...))`.
fn cond<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
    dest: Root<'_, Value>,
) -> Result<Flow> {
    let form = syntax(s, m, expr, 1, usize::MAX)?;
    for &clause in &form[1..] {
        let parts = syntax(s, m, clause, 1, usize::MAX)?;
        let is_else = matches!(s.get(parts[0]), Value::Sym(sym) if *sym == m.keywords.else_);
        let test = if is_else {
            s.root(m.boolean(true))
        } else {
            eval(s, m, parts[0], env)?
        };
        if s.get(test).is_true() {
            if parts.len() == 1 {
                return done(s, dest, test);
            }
            return sequence(s, m, &parts[1..], expr, env);
        }
    }
    done(s, dest, m.unspecified)
}

/// A procedure call `(f arg ...)`.
fn application<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
    dest: Root<'_, Value>,
) -> Result<Flow> {
    let form = syntax(s, m, expr, 1, usize::MAX)?;
    let procedure = eval(s, m, form[0], env)?;
    let mut args = Vec::with_capacity(form.len() - 1);
    for &operand in &form[1..] {
        args.push(eval(s, m, operand, env)?);
    }
    match *s.get(procedure) {
        Value::Builtin(builtin) => {
            let value = builtins::call(s, m, builtin, &args)?;
            done(s, dest, value)
        }
        Value::Closure { .. } => call_closure(s, m, procedure, &args, expr, env),
        _ => Err(LispError::Runtime(format!(
            "not a procedure: {}",
            super::print::to_string(s, m, procedure, 60)
        ))),
    }
}

/// Binds `args` to the parameters of `closure` in a new frame and continues
/// with its body in tail position.
fn call_closure<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    closure: Root<'_, Value>,
    args: &[Root<'_, Value>],
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
) -> Result<Flow> {
    let name = match s.get(closure) {
        Value::Closure { name, .. } => name.unwrap_or(m.keywords.lambda),
        _ => unreachable!("callers pass closures"),
    };
    m.enter_procedure(name);
    let parent = s.load(closure, Value::env).expect("closures are complete");
    let frame = new_frame(s, parent)?;
    let params = s
        .load(closure, Value::params)
        .expect("closures are complete");
    let arity_error = || {
        LispError::Runtime(format!(
            "{} called with {} argument(s)",
            m.symbols.name(name),
            args.len()
        ))
    };
    let mut rest = args;
    loop {
        match *s.get(params) {
            Value::Nil if rest.is_empty() => break,
            Value::Sym(sym) => {
                let nil = m.nil;
                let list = make_list(s, rest, nil)?;
                bind(s, frame, sym, list)?;
                break;
            }
            Value::Pair { .. } => {
                let (&arg, others) = rest.split_first().ok_or_else(arity_error)?;
                let sym = symbol(s, m, car(s, params), params)?;
                bind(s, frame, sym, arg)?;
                rest = others;
                s.assign(params, cdr(s, params));
            }
            Value::Nil => return Err(arity_error()),
            _ => return Err(bad_syntax(s, m, params)),
        }
    }
    let body = s.load(closure, Value::body).expect("closures are complete");
    s.assign(env, frame);
    sequence(
        s,
        m,
        &list_items(s, body).expect("checked by syntax"),
        expr,
        env,
    )
}
