//! The evaluator: a loop per `eval` call that runs one step per iteration,
//! so expressions in tail position (the branches of `if`, the last
//! expression of a body, a procedure call) re-point the loop's `expr` and
//! `env` roots instead of recursing; only non-tail sub-expressions (operands,
//! tests) recurse, and [`Machine::push_call`] bounds that recursion.
//!
//! Roots: `eval` opens a scope holding the loop's `expr` and `env` slots,
//! and each step runs in its own nested scope, so the shadow stack does not
//! grow with the number of iterations; a result is written into a slot the
//! caller provides (`dest`) with `Scope::assign`. Within a step, the code
//! (the form being evaluated) is read by borrowing: its shape is checked and
//! symbols are read with `Gc::get`, and only a sub-expression that is about
//! to be evaluated (which allocates) is rooted, with `Scope::load`. So a step
//! uses a few slots per operand, bounded by the size of the code, not by
//! how long the program runs.

use super::builtins;
use super::data::{car, cdr, elements, list_length, make_list, new_frame, pair_of, target};
use super::error::LispError;
use super::machine::Machine;
use super::value::{Binding, Frame, Sym, Value};
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
    m.push_call(dest.slot_index())?;
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

/// Evaluates the `car` of the pair `list` (an operand in the code): a
/// variable or a constant is read without rooting the expression itself.
fn eval_car<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    m: &mut Machine<'_, '_>,
    list: Root<'_, Value>,
    env: Root<'_, Frame>,
) -> Result<Root<'s, Value>> {
    let sym = match s.get(list) {
        Value::Pair { car: item, .. } => match target(item) {
            Value::Sym(sym) => Some(*sym),
            _ => None,
        },
        _ => unreachable!("callers pass pairs"),
    };
    match sym {
        Some(sym) => m.lookup(s, env, sym),
        None => {
            let item = car(s, list);
            eval(s, m, item, env)
        }
    }
}

/// Evaluates the `car` of `list`, naming the procedure if it is a `lambda`
/// form (`(define f (lambda ...))`).
fn eval_car_named<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    m: &mut Machine<'_, '_>,
    list: Root<'_, Value>,
    env: Root<'_, Frame>,
    name: Sym,
) -> Result<Root<'s, Value>> {
    let (expr, _) = pair_of(s.get(list)).expect("callers pass pairs");
    let is_lambda = pair_of(expr)
        .is_some_and(|(head, _)| matches!(head, Value::Sym(sym) if *sym == m.keywords.lambda));
    if !is_lambda {
        return eval_car(s, m, list, env);
    }
    let expr = car(s, list);
    check_form(s, m, expr, 3, usize::MAX)?;
    lambda(s, expr, env, Some(name))
}

/// One step of evaluating `expr` (a pair) in `env`.
fn step<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
    dest: Root<'_, Value>,
) -> Result<Flow> {
    let head = match s.get(expr) {
        Value::Sym(sym) => {
            let sym = *sym;
            s.assign(dest, m.lookup(s, env, sym)?);
            return Ok(Flow::Done);
        }
        Value::Pair { car: head, .. } => target(head),
        _ => {
            s.assign(dest, expr);
            return Ok(Flow::Done);
        }
    };
    match *head {
        Value::Sym(sym) if m.is_keyword(sym) => special_form(s, m, sym, expr, env, dest),
        _ => application(s, m, expr, env, dest),
    }
}

/// The number of elements of the form `expr`, checking it is a proper list
/// of `min..=max` of them (read by borrowing: no slots).
fn check_form<C: Collector>(
    s: &Scope<'_, C>,
    m: &Machine<'_, '_>,
    expr: Root<'_, Value>,
    min: usize,
    max: usize,
) -> Result<usize> {
    match list_length(s.get(expr)) {
        Some(length) if (min..=max).contains(&length) => Ok(length),
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
        super::print::to_string(m, s.get(expr), 60)
    ))
}

/// The symbol `value`, or a syntax error about `form`.
fn symbol(m: &Machine<'_, '_>, value: &Value, form: &Value) -> Result<Sym> {
    match value {
        Value::Sym(sym) => Ok(*sym),
        _ => Err(LispError::Runtime(format!(
            "expected a symbol in {}",
            super::print::to_string(m, form, 60)
        ))),
    }
}

/// Element `index` of the form `expr` (checked to be long enough), borrowed.
fn nth<'a, C: Collector>(s: &'a Scope<'_, C>, expr: Root<'_, Value>, index: usize) -> &'a Value {
    elements(s.get(expr))
        .nth(index)
        .expect("the form's length was checked")
}

/// The form `expr` without its first `k` elements (it has that many), rooted.
fn drop_front<'s, C: Collector>(
    s: &Scope<'s, C>,
    expr: Root<'_, Value>,
    k: usize,
) -> Root<'s, Value> {
    let rest = cdr(s, expr);
    for _ in 1..k {
        s.assign(rest, cdr(s, rest));
    }
    rest
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
        check_form(s, m, expr, 2, 2)?;
        let quoted = drop_front(s, expr, 1);
        done(s, dest, car(s, quoted))
    } else if keyword == k.if_ {
        let length = check_form(s, m, expr, 3, 4)?;
        let rest = cdr(s, expr);
        let test = eval_car(s, m, rest, env)?;
        let branch = match (s.get(test).is_true(), length) {
            (true, _) => 2,
            (false, 4) => 3,
            (false, _) => return done(s, dest, m.unspecified),
        };
        let branch = drop_front(s, rest, branch - 1);
        s.assign(expr, car(s, branch));
        Ok(Flow::Tail)
    } else if keyword == k.define {
        define(s, m, expr, env)?;
        done(s, dest, m.unspecified)
    } else if keyword == k.set {
        check_form(s, m, expr, 3, 3)?;
        let sym = symbol(m, nth(s, expr, 1), s.get(expr))?;
        let value = eval_car_named(s, m, drop_front(s, expr, 2), env, sym)?;
        m.set_variable(s, env, sym, value)?;
        done(s, dest, m.unspecified)
    } else if keyword == k.lambda {
        check_form(s, m, expr, 3, usize::MAX)?;
        let closure = lambda(s, expr, env, None)?;
        done(s, dest, closure)
    } else if keyword == k.let_ {
        let_form(s, m, expr, env)
    } else if keyword == k.cond {
        cond(s, m, expr, env, dest)
    } else if keyword == k.begin {
        if check_form(s, m, expr, 1, usize::MAX)? == 1 {
            return done(s, dest, m.unspecified);
        }
        let body = cdr(s, expr);
        sequence(s, m, body, expr, env)
    } else {
        let length = check_form(s, m, expr, 1, usize::MAX)?;
        let is_and = keyword == k.and;
        if length == 1 {
            return done(s, dest, m.boolean(is_and));
        }
        let operand = cdr(s, expr);
        for _ in 2..length {
            let value = eval_car(s, m, operand, env)?;
            if s.get(value).is_true() != is_and {
                return done(s, dest, value);
            }
            s.assign(operand, cdr(s, operand));
        }
        s.assign(expr, car(s, operand));
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

/// Evaluates all of `body` (a non-empty proper list of expressions, a root
/// this function may re-point) but the last expression, then continues with
/// the last one in tail position.
fn sequence<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    body: Root<'_, Value>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
) -> Result<Flow> {
    // Each expression but the last leaves its result and a cursor step in
    // this step's scope: slots bounded by the body's length.
    while let Some((_, Value::Pair { .. })) = pair_of(s.get(body)) {
        eval_car(s, m, body, env)?;
        s.assign(body, cdr(s, body));
    }
    s.assign(expr, car(s, body));
    Ok(Flow::Tail)
}

/// `(define name value)` or `(define (name . params) body ...)`.
fn define<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
) -> Result<()> {
    let length = check_form(s, m, expr, 3, usize::MAX)?;
    let (sym, value) = if let Some((name, _)) = pair_of(nth(s, expr, 1)) {
        let sym = symbol(m, name, s.get(expr))?;
        let signature = drop_front(s, expr, 1);
        let params = cdr(s, car(s, signature));
        let body = cdr(s, signature);
        (sym, make_closure(s, params, body, env, Some(sym))?)
    } else {
        if length != 3 {
            return Err(bad_syntax(s, m, expr));
        }
        let sym = symbol(m, nth(s, expr, 1), s.get(expr))?;
        let value = eval_car_named(s, m, drop_front(s, expr, 2), env, sym)?;
        (sym, value)
    };
    m.define(s, env, sym, value)
}

/// The closure of the `lambda` form `expr` (checked to have a body) over `env`.
fn lambda<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
    name: Option<Sym>,
) -> Result<Root<'s, Value>> {
    let rest = cdr(s, expr);
    let params = car(s, rest);
    let body = cdr(s, rest);
    make_closure(s, params, body, env, name)
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
    let length = check_form(s, m, expr, 3, usize::MAX)?;
    let name = match nth(s, expr, 1) {
        Value::Sym(sym) if length >= 4 => Some(*sym),
        _ => None,
    };
    let first = 1 + usize::from(name.is_some());
    // Check every `(var init)` by borrowing before evaluating any of them.
    let syms = {
        let form = s.get(expr);
        let specs = elements(form).nth(first).expect("length checked");
        if list_length(specs).is_none() {
            return Err(bad_syntax(s, m, expr));
        }
        let mut syms = Vec::new();
        for spec in elements(specs) {
            if list_length(spec) != Some(2) {
                return Err(LispError::Runtime(format!(
                    "bad syntax: {}",
                    super::print::to_string(m, spec, 60)
                )));
            }
            syms.push(symbol(m, elements(spec).next().expect("two"), form)?);
        }
        syms
    };
    let spec = car(s, drop_front(s, expr, first));
    let mut values = Vec::with_capacity(syms.len());
    for &sym in &syms {
        let init = cdr(s, car(s, spec));
        values.push(eval_car_named(s, m, init, env, sym)?);
        s.assign(spec, cdr(s, spec));
    }
    let body = drop_front(s, expr, first + 1);
    let Some(name) = name else {
        let frame = new_frame(s, env)?;
        bind_all(s, frame, &syms, &values)?;
        s.assign(env, frame);
        return sequence(s, m, body, expr, env);
    };
    let loop_frame = new_frame(s, env)?;
    let mut vars = Vec::with_capacity(syms.len());
    let spec = car(s, drop_front(s, expr, first));
    for _ in &syms {
        vars.push(car(s, car(s, spec)));
        s.assign(spec, cdr(s, spec));
    }
    let nil = m.nil;
    let params = make_list(s, &vars, nil)?;
    let procedure = make_closure(s, params, body, loop_frame, Some(name))?;
    bind_all(s, loop_frame, &[name], &[procedure])?;
    call_closure(s, m, procedure, &values, expr, env)
}

/// Binds `syms[i] = values[i]` in `frame` (which has no bindings yet); one
/// slot per binding, chaining each to the previous one's root instead of
/// loading the frame's head.
fn bind_all<C: Collector>(
    s: &mut Scope<'_, C>,
    frame: Root<'_, Frame>,
    syms: &[Sym],
    values: &[Root<'_, Value>],
) -> Result<()> {
    let mut previous: Option<Root<'_, Binding>> = None;
    for (&sym, &value) in syms.iter().zip(values) {
        let binding = super::data::alloc(
            s,
            Binding {
                sym,
                value: Gc::null(),
                next: Gc::null(),
            },
        )?;
        s.set(binding, |b| &b.value, value);
        if let Some(previous) = previous {
            s.set(binding, |b| &b.next, previous);
        }
        previous = Some(binding);
    }
    if let Some(head) = previous {
        s.set(frame, |f| &f.head, head);
    }
    Ok(())
}

/// `(cond (test body ...) ... (else body ...))`.
fn cond<C: Collector>(
    s: &mut Scope<'_, C>,
    m: &mut Machine<'_, '_>,
    expr: Root<'_, Value>,
    env: Root<'_, Frame>,
    dest: Root<'_, Value>,
) -> Result<Flow> {
    check_form(s, m, expr, 1, usize::MAX)?;
    for clause in elements(s.get(expr)).skip(1) {
        if list_length(clause).is_none_or(|length| length == 0) {
            return Err(LispError::Runtime(format!(
                "bad syntax: {}",
                super::print::to_string(m, clause, 60)
            )));
        }
    }
    let clauses = cdr(s, expr);
    while let Value::Pair { .. } = s.get(clauses) {
        let clause = car(s, clauses);
        let is_else = matches!(nth(s, clause, 0), Value::Sym(sym) if *sym == m.keywords.else_);
        let test = if is_else {
            s.root(m.boolean(true))
        } else {
            eval_car(s, m, clause, env)?
        };
        if s.get(test).is_true() {
            let body = cdr(s, clause);
            if let Value::Nil = s.get(body) {
                return done(s, dest, test);
            }
            return sequence(s, m, body, expr, env);
        }
        s.assign(clauses, cdr(s, clauses));
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
    let length = check_form(s, m, expr, 1, usize::MAX)?;
    let procedure = eval_car(s, m, expr, env)?;
    let mut args = Vec::with_capacity(length - 1);
    if length > 1 {
        let operand = cdr(s, expr);
        args.push(eval_car(s, m, operand, env)?);
        for _ in 2..length {
            s.assign(operand, cdr(s, operand));
            args.push(eval_car(s, m, operand, env)?);
        }
    }
    match *s.get(procedure) {
        Value::Builtin(builtin) => {
            let value = builtins::call(s, m, builtin, &args)?;
            done(s, dest, value)
        }
        Value::Closure { .. } => call_closure(s, m, procedure, &args, expr, env),
        _ => Err(LispError::Runtime(format!(
            "not a procedure: {}",
            super::print::to_string(m, s.get(procedure), 60)
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
    let Value::Closure { name, params, .. } = s.get(closure) else {
        unreachable!("callers pass closures")
    };
    let name = name.unwrap_or(m.keywords.lambda);
    m.enter_procedure(name);
    // Match the parameter list against the arguments by borrowing; `rest`
    // is the symbol that takes the remaining arguments, if any.
    let mut syms = Vec::with_capacity(args.len());
    let mut rest = None;
    let mut params = target(params);
    loop {
        match params {
            Value::Nil if syms.len() == args.len() => break,
            Value::Sym(sym) => {
                rest = Some(*sym);
                break;
            }
            Value::Pair { car: param, cdr } if syms.len() < args.len() => {
                syms.push(symbol(m, target(param), params)?);
                params = target(cdr);
            }
            Value::Nil | Value::Pair { .. } => {
                return Err(LispError::Runtime(format!(
                    "{} called with {} argument(s)",
                    m.symbols.name(name),
                    args.len()
                )))
            }
            _ => {
                return Err(LispError::Runtime(format!(
                    "bad syntax: {}",
                    super::print::to_string(m, params, 60)
                )))
            }
        }
    }
    let parent = s.load(closure, Value::env).expect("closures are complete");
    let frame = new_frame(s, parent)?;
    let (fixed, extra) = args.split_at(syms.len());
    if let Some(sym) = rest {
        let nil = m.nil;
        let list = make_list(s, extra, nil)?;
        syms.push(sym);
        // Rare (variadic procedures): re-root the fixed arguments so all
        // values share this scope's brand.
        let mut values: Vec<_> = fixed.iter().map(|&arg| s.root(arg)).collect();
        values.push(list);
        bind_all(s, frame, &syms, &values)?;
    } else {
        bind_all(s, frame, &syms, fixed)?;
    }
    let body = s.load(closure, Value::body).expect("closures are complete");
    s.assign(env, frame);
    sequence(s, m, body, expr, env)
}
