//! The evaluator: one step at a time, on an explicit continuation stack.
//!
//! A step either evaluates the expression in the `Eval` register or hands
//! the value in the `Return` register to the innermost [`Cont`]. Evaluating
//! a sub-expression whose value is needed later (a test, an operand, a
//! body expression but the last) pushes a continuation; an expression in
//! tail position (a branch, the last body expression, a procedure body)
//! just replaces the register, so tail calls run in constant space.
//! Variables, constants, `quote` and `lambda` are evaluated at once where
//! they occur ([`Eval::immediate`]), with no step of their own.

use super::builtins::{self, Flow};
use super::data::{alloc, elements, list_length, make_list, pair_of};
use super::error::LispError;
use super::machine::{locate, locate_in_frame, Cont, Kont, Machine, Reg, State};
use super::print::to_string;
use super::value::{Binding, Builtin, Closure, Continuation, Env, Frame, Sym, Value};
use gc_core::model::{Gc, GcVec, Lock, Mutation, RefLock, Write};
use gc_core::Collector;
use std::cell::RefMut;

type Result<T> = std::result::Result<T, LispError>;

/// The evaluator within one mutation region: the region, the machine, the
/// state opened for writing, its stacks borrowed, and the registers.
pub struct Eval<'a, 'o, 's, 'gc, C: Collector> {
    m: &'a Mutation<'s, 'gc, C>,
    vm: &'a mut Machine<'o>,
    state: &'gc Write<State<'gc>>,
    stack: RefMut<'gc, GcVec<'gc, Cont<'gc>>>,
    values: RefMut<'gc, GcVec<'gc, Value<'gc>>>,
    reg: Reg<'gc>,
    name: Option<Sym>,
}

impl<'a, 'o, 's, 'gc, C: Collector> Eval<'a, 'o, 's, 'gc, C> {
    /// Opens `state` for this region (one barrier) and loads its registers.
    pub fn load(
        m: &'a Mutation<'s, 'gc, C>,
        vm: &'a mut Machine<'o>,
        state: Gc<'gc, State<'gc>>,
    ) -> Self {
        let state = m.write(state);
        Eval {
            m,
            vm,
            stack: state.project(|s| &s.stack).borrow_mut(),
            values: state.project(|s| &s.values).borrow_mut(),
            reg: state.reg.get(),
            name: state.name.get(),
            state,
        }
    }

    /// Runs up to `fuel` steps, fewer if a collection comes due, and stores
    /// the registers back; `true` once the form is evaluated.
    pub fn run(mut self, fuel: usize) -> Result<bool> {
        let m = self.m;
        let mut finished = false;
        for _ in 0..fuel {
            finished = self.step()?;
            if finished || m.collection_due() || self.vm.stats_wanted {
                break;
            }
        }
        self.state.project(|s| &s.reg).set(self.reg);
        self.state.project(|s| &s.name).set(self.name);
        Ok(finished)
    }

    /// One step; `true` if there was nothing left to do.
    fn step(&mut self) -> Result<bool> {
        match self.reg {
            Reg::Eval(expr, env) => self.eval(expr, env)?,
            Reg::Return(value) => match self.stack.pop() {
                None => return Ok(true),
                Some(cont) => {
                    self.name = cont.name;
                    self.resume(cont.kont, cont.env, value)?;
                }
            },
        }
        Ok(false)
    }

    fn eval(&mut self, expr: Value<'gc>, env: Env<'gc>) -> Result<()> {
        if let Some(value) = self.immediate(expr, env, None)? {
            self.reg = Reg::Return(value);
            return Ok(());
        }
        match pair_of(expr) {
            Some((Value::Sym(keyword), _)) if self.vm.keywords.contains(keyword) => {
                self.special_form(keyword, expr, env)
            }
            _ => {
                self.check_form(expr, 1, usize::MAX)?;
                let base = self.values.len() as u32;
                self.operands(expr, env, base)
            }
        }
    }

    /// The value of `expr` if it needs no step of its own: a variable, a
    /// constant, a `quote` or a `lambda` form (named `name`).
    fn immediate(
        &self,
        expr: Value<'gc>,
        env: Env<'gc>,
        name: Option<Sym>,
    ) -> Result<Option<Value<'gc>>> {
        let m = self.m;
        let keywords = self.vm.keywords;
        Ok(Some(match expr {
            Value::Sym(sym) => self.lookup(env, sym)?,
            Value::Pair(pair) => match pair.car.get() {
                Value::Sym(k) if k == keywords.quote => {
                    self.check_form(expr, 2, 2)?;
                    self.nth(expr, 1)
                }
                Value::Sym(k) if k == keywords.lambda => {
                    self.check_form(expr, 3, usize::MAX)?;
                    let (params, body) = pair_of(pair.cdr.get()).expect("checked");
                    closure(m, params, body, env, name)?
                }
                _ => return Ok(None),
            },
            constant => constant,
        }))
    }

    /// Evaluates `expr`, then continues with `kont` (in `env`); a `lambda`
    /// is named `name`.
    fn then(
        &mut self,
        expr: Value<'gc>,
        env: Env<'gc>,
        kont: Kont<'gc>,
        name: Option<Sym>,
    ) -> Result<()> {
        self.push(kont, env)?;
        self.reg = match self.immediate(expr, env, name)? {
            Some(value) => Reg::Return(value),
            None => Reg::Eval(expr, env),
        };
        Ok(())
    }

    fn push(&mut self, kont: Kont<'gc>, env: Env<'gc>) -> Result<()> {
        if self.stack.len() >= self.vm.max_depth {
            return Err(self.vm.overflow(&self.stack));
        }
        let name = self.name;
        self.stack.try_push(Cont { kont, env, name })?;
        self.vm.peak_depth = self.vm.peak_depth.max(self.stack.len());
        Ok(())
    }

    /// Hands `value` to the continuation `kont`.
    fn resume(&mut self, kont: Kont<'gc>, env: Env<'gc>, value: Value<'gc>) -> Result<()> {
        match kont {
            Kont::If(branches) => {
                let (then, rest) = pair_of(branches).expect("checked");
                self.reg = match (value.is_true(), pair_of(rest)) {
                    (true, _) => Reg::Eval(then, env),
                    (false, Some((otherwise, _))) => Reg::Eval(otherwise, env),
                    (false, None) => Reg::Return(Value::Unspecified),
                };
                Ok(())
            }
            Kont::Seq(body) => self.sequence(body, env),
            Kont::Args { rest, base } => {
                self.values.try_push(value)?;
                self.operands(rest, env, base)
            }
            Kont::Define(sym) => {
                self.define(env, sym, value)?;
                self.reg = Reg::Return(Value::Unspecified);
                Ok(())
            }
            Kont::Set(sym) => {
                self.set_variable(env, sym, value)?;
                self.reg = Reg::Return(Value::Unspecified);
                Ok(())
            }
            Kont::Let { form, rest, base } => {
                self.values.try_push(value)?;
                self.let_inits(form, rest, env, base)
            }
            Kont::Cond(clauses) => {
                let (clause, rest) = pair_of(clauses).expect("checked");
                match (value.is_true(), pair_of(clause).expect("checked").1) {
                    (true, Value::Nil) => {
                        self.reg = Reg::Return(value);
                        Ok(())
                    }
                    (true, body) => self.sequence(body, env),
                    (false, _) => self.cond(rest, env),
                }
            }
            Kont::AndOr(rest, is_and) => {
                if value.is_true() != is_and {
                    self.reg = Reg::Return(value);
                    return Ok(());
                }
                self.and_or(rest, env, is_and)
            }
        }
    }

    fn special_form(&mut self, keyword: Sym, expr: Value<'gc>, env: Env<'gc>) -> Result<()> {
        let k = self.vm.keywords;
        let rest = pair_of(expr).expect("a form").1;
        if keyword == k.if_ {
            self.check_form(expr, 3, 4)?;
            let (test, branches) = pair_of(rest).expect("checked");
            self.then(test, env, Kont::If(branches), None)
        } else if keyword == k.define {
            self.define_form(expr, env)
        } else if keyword == k.set {
            self.check_form(expr, 3, 3)?;
            let sym = self.symbol(self.nth(expr, 1), expr)?;
            self.then(self.nth(expr, 2), env, Kont::Set(sym), Some(sym))
        } else if keyword == k.let_ {
            let (_, specs, _) = self.check_let(expr)?;
            let base = self.values.len() as u32;
            self.let_inits(expr, specs, env, base)
        } else if keyword == k.cond {
            self.check_cond(expr)?;
            self.cond(rest, env)
        } else if keyword == k.begin {
            if self.check_form(expr, 1, usize::MAX)? == 1 {
                self.reg = Reg::Return(Value::Unspecified);
                return Ok(());
            }
            self.sequence(rest, env)
        } else {
            let is_and = keyword == k.and;
            if self.check_form(expr, 1, usize::MAX)? == 1 {
                self.reg = Reg::Return(Value::Bool(is_and));
                return Ok(());
            }
            self.and_or(rest, env, is_and)
        }
    }

    /// Evaluates the operands `rest` of a call onto the argument stack
    /// (those that need no step at once), then calls.
    fn operands(&mut self, mut rest: Value<'gc>, env: Env<'gc>, base: u32) -> Result<()> {
        while let Some((expr, next)) = pair_of(rest) {
            match self.immediate(expr, env, None)? {
                Some(value) => self.values.try_push(value)?,
                None => {
                    self.push(Kont::Args { rest: next, base }, env)?;
                    self.reg = Reg::Eval(expr, env);
                    return Ok(());
                }
            }
            rest = next;
        }
        self.apply(base as usize)
    }

    /// Calls the procedure at `base` on the argument stack with the values
    /// above it, which it pops.
    fn apply(&mut self, base: usize) -> Result<()> {
        let m = self.m;
        loop {
            match self.values[base] {
                Value::Builtin(Builtin::Apply) => self.spread(base)?,
                Value::Builtin(Builtin::CallCc) => {
                    if self.values.len() != base + 2 {
                        let got = self.values.len() - base - 1;
                        return Err(LispError::Runtime(format!(
                            "call/cc: expected 1 argument(s), got {got}"
                        )));
                    }
                    let k = self.capture(base)?;
                    self.values[base] = self.values[base + 1];
                    self.values[base + 1] = k;
                }
                Value::Builtin(builtin) => {
                    let flow = builtins::call(m, self.vm, builtin, &self.values[base + 1..])?;
                    self.values.truncate(base);
                    match flow {
                        Flow::Return(value) => {
                            self.reg = Reg::Return(value);
                            return Ok(());
                        }
                        // A tail call of a procedure with no arguments.
                        Flow::Call(procedure) => self.values.try_push(procedure)?,
                    }
                }
                Value::Closure(closure) => return self.call_closure(closure, base),
                Value::Cont(k) => return self.resume_continuation(k, base),
                other => {
                    let shown = to_string(&self.vm.symbols, other, 60);
                    return Err(LispError::Runtime(format!("not a procedure: {shown}")));
                }
            }
        }
    }

    /// `(apply f a ... list)` at `base`: leaves `f a ... list-elements` there.
    fn spread(&mut self, base: usize) -> Result<()> {
        if self.values.len() < base + 3 {
            let got = self.values.len() - base - 1;
            return Err(LispError::Runtime(format!(
                "apply: expected at least 2 argument(s), got {got}"
            )));
        }
        let list = self.values.pop().expect("checked");
        let Some(length) = list_length(list) else {
            let shown = to_string(&self.vm.symbols, list, 60);
            return Err(LispError::Runtime(format!(
                "apply: not a proper list: {shown}"
            )));
        };
        self.values.remove(base);
        self.values.try_reserve(length)?;
        for item in elements(list) {
            self.values.push(item);
        }
        Ok(())
    }

    /// A continuation object for a call at `base`: copies of the
    /// continuation stack and of the argument stack below `base`.
    fn capture(&mut self, base: usize) -> Result<Value<'gc>> {
        let m = self.m;
        let mut stack = GcVec::try_with_capacity(m, self.stack.len())?;
        self.stack.iter().for_each(|&cont| stack.push(cont));
        let mut values = GcVec::try_with_capacity(m, base)?;
        self.values[..base]
            .iter()
            .for_each(|&value| values.push(value));
        Ok(Value::Cont(alloc(m, Continuation { stack, values })?))
    }

    /// Calls the continuation `k` with the arguments above `base`: the
    /// stacks become copies of the captured ones and the arguments are
    /// returned to its innermost continuation.
    fn resume_continuation(&mut self, k: Gc<'gc, Continuation<'gc>>, base: usize) -> Result<()> {
        let m = self.m;
        let value = match &self.values[base + 1..] {
            [value] => *value,
            values => {
                let mut items = GcVec::try_with_capacity(m, values.len())?;
                values.iter().for_each(|&value| items.push(value));
                Value::Values(alloc(m, RefLock::new(items))?)
            }
        };
        self.stack.clear();
        self.stack.try_reserve(k.stack.len())?;
        k.stack.iter().for_each(|&cont| self.stack.push(cont));
        self.values.clear();
        self.values.try_reserve(k.values.len())?;
        k.values.iter().for_each(|&value| self.values.push(value));
        self.name = self.stack.last().and_then(|cont| cont.name);
        self.reg = Reg::Return(value);
        Ok(())
    }

    /// Binds the arguments above `base` to `closure`'s parameters in a new
    /// frame and continues with its body in tail position.
    fn call_closure(&mut self, closure: Gc<'gc, Closure<'gc>>, base: usize) -> Result<()> {
        let m = self.m;
        let name = closure.name.unwrap_or(self.vm.keywords.lambda);
        self.name = Some(name);
        let args = &self.values[base + 1..];
        let mut vars = None;
        let mut params = closure.params;
        let mut index = 0;
        loop {
            let (sym, value) = match params {
                Value::Nil if index == args.len() => break,
                Value::Sym(sym) => {
                    let rest = make_list(m, args[index..].iter().copied(), Value::Nil)?;
                    index = args.len();
                    params = Value::Nil;
                    (sym, rest)
                }
                Value::Pair(pair) if index < args.len() => {
                    let sym = self.symbol(pair.car.get(), params)?;
                    params = pair.cdr.get();
                    index += 1;
                    (sym, args[index - 1])
                }
                Value::Nil | Value::Pair(_) => {
                    return Err(LispError::Runtime(format!(
                        "{} called with {} argument(s)",
                        self.vm.symbols.name(name),
                        args.len()
                    )))
                }
                other => return Err(self.bad_syntax(other)),
            };
            vars = bind(m, sym, value, vars)?;
        }
        self.values.truncate(base);
        let frame = new_frame(m, closure.env, vars)?;
        self.sequence(closure.body, frame)
    }

    /// Evaluates the non-empty body `body`: every expression but the last
    /// for effect, the last in tail position.
    fn sequence(&mut self, body: Value<'gc>, env: Env<'gc>) -> Result<()> {
        match pair_of(body).expect("bodies are checked") {
            (last, Value::Nil) => {
                self.reg = Reg::Eval(last, env);
                Ok(())
            }
            (first, rest) => self.then(first, env, Kont::Seq(rest), None),
        }
    }

    /// `(define name value)` or `(define (name . params) body ...)`.
    fn define_form(&mut self, expr: Value<'gc>, env: Env<'gc>) -> Result<()> {
        let m = self.m;
        let length = self.check_form(expr, 3, usize::MAX)?;
        let target = self.nth(expr, 1);
        if let Some((name, params)) = pair_of(target) {
            let sym = self.symbol(name, expr)?;
            let body = elements_from(expr, 2);
            let procedure = closure(m, params, body, env, Some(sym))?;
            self.define(env, sym, procedure)?;
            self.reg = Reg::Return(Value::Unspecified);
            return Ok(());
        }
        if length != 3 {
            return Err(self.bad_syntax(expr));
        }
        let sym = self.symbol(target, expr)?;
        self.then(self.nth(expr, 2), env, Kont::Define(sym), Some(sym))
    }

    /// Checks a `let` form: its length, its name and its specs.
    fn check_let(&self, expr: Value<'gc>) -> Result<LetParts<'gc>> {
        let length = self.check_form(expr, 3, usize::MAX)?;
        if matches!(self.nth(expr, 1), Value::Sym(_)) && length < 4 {
            return Err(self.bad_syntax(expr));
        }
        let parts = let_parts(expr);
        if list_length(parts.1).is_none() {
            return Err(self.bad_syntax(expr));
        }
        for spec in elements(parts.1) {
            if list_length(spec) != Some(2) {
                return Err(self.bad_syntax(spec));
            }
            self.symbol(pair_of(spec).expect("two").0, expr)?;
        }
        Ok(parts)
    }

    /// Evaluates the initialisers of the `let` form `form` from the spec
    /// list `rest` on, then runs its body.
    fn let_inits(
        &mut self,
        form: Value<'gc>,
        mut rest: Value<'gc>,
        env: Env<'gc>,
        base: u32,
    ) -> Result<()> {
        while let Some((spec, next)) = pair_of(rest) {
            let (var, init) = pair_of(spec).expect("checked");
            let Value::Sym(var) = var else {
                unreachable!("checked")
            };
            let init = pair_of(init).expect("checked").0;
            match self.immediate(init, env, Some(var))? {
                Some(value) => self.values.try_push(value)?,
                None => {
                    let kont = Kont::Let {
                        form,
                        rest: next,
                        base,
                    };
                    self.push(kont, env)?;
                    self.reg = Reg::Eval(init, env);
                    return Ok(());
                }
            }
            rest = next;
        }
        self.let_body(form, env, base as usize)
    }

    /// Runs the body of the `let` form `form` with the values above `base`.
    fn let_body(&mut self, form: Value<'gc>, env: Env<'gc>, base: usize) -> Result<()> {
        let m = self.m;
        let (name, specs, body) = let_parts(form);
        let vars = elements(specs).map(|spec| pair_of(spec).expect("checked").0);
        let Some(name) = name else {
            let mut bindings = None;
            for (var, &value) in vars.zip(&self.values[base..]) {
                let Value::Sym(sym) = var else {
                    unreachable!("checked")
                };
                bindings = bind(m, sym, value, bindings)?;
            }
            self.values.truncate(base);
            let frame = new_frame(m, env, bindings)?;
            return self.sequence(body, frame);
        };
        let params = make_list(m, vars.collect::<Vec<_>>().into_iter(), Value::Nil)?;
        let frame = new_frame(m, env, None)?;
        let procedure = closure(m, params, body, frame, Some(name))?;
        self.define(frame, name, procedure)?;
        self.values.try_reserve(1)?;
        self.values.insert(base, procedure);
        self.apply(base)
    }

    /// Checks every clause of a `cond` form.
    fn check_cond(&self, expr: Value<'gc>) -> Result<()> {
        self.check_form(expr, 1, usize::MAX)?;
        for clause in elements(expr).skip(1) {
            if list_length(clause).is_none_or(|length| length == 0) {
                return Err(self.bad_syntax(clause));
            }
        }
        Ok(())
    }

    /// Tries the `cond` clauses `clauses` in order.
    fn cond(&mut self, clauses: Value<'gc>, env: Env<'gc>) -> Result<()> {
        let Some((clause, _)) = pair_of(clauses) else {
            self.reg = Reg::Return(Value::Unspecified);
            return Ok(());
        };
        let (test, body) = pair_of(clause).expect("checked");
        if matches!(test, Value::Sym(sym) if sym == self.vm.keywords.else_) {
            return match body {
                Value::Nil => {
                    self.reg = Reg::Return(Value::Bool(true));
                    Ok(())
                }
                body => self.sequence(body, env),
            };
        }
        self.then(test, env, Kont::Cond(clauses), None)
    }

    /// The operands `rest` (non-empty) of `and` or `or`, the last one in
    /// tail position.
    fn and_or(&mut self, rest: Value<'gc>, env: Env<'gc>, is_and: bool) -> Result<()> {
        match pair_of(rest).expect("checked") {
            (last, Value::Nil) => {
                self.reg = Reg::Eval(last, env);
                Ok(())
            }
            (first, rest) => self.then(first, env, Kont::AndOr(rest, is_and), None),
        }
    }

    /// The value of variable `sym` in `env`.
    fn lookup(&self, env: Env<'gc>, sym: Sym) -> Result<Value<'gc>> {
        let m = self.m;
        if let Some(binding) = locate(env, sym) {
            return Ok(binding.value.get());
        }
        let globals = self.state.globals.borrow();
        globals
            .get(m, &sym)
            .copied()
            .ok_or_else(|| self.vm.unbound(sym))
    }

    /// `(define sym value)` in `env`.
    fn define(&self, env: Env<'gc>, sym: Sym, value: Value<'gc>) -> Result<()> {
        let m = self.m;
        let Some(frame) = env else {
            let mut globals = self.state.project(|s| &s.globals).borrow_mut();
            globals.try_insert(m, sym, value)?;
            return Ok(());
        };
        match locate_in_frame(frame.vars.get(), sym) {
            Some(binding) => m.write(binding).project(|b| &b.value).set(value),
            None => {
                let vars = bind(m, sym, value, frame.vars.get())?;
                m.write(frame).project(|f| &f.vars).set(vars);
            }
        }
        Ok(())
    }

    /// `(set! sym value)` in `env`.
    fn set_variable(&self, env: Env<'gc>, sym: Sym, value: Value<'gc>) -> Result<()> {
        let m = self.m;
        if let Some(binding) = locate(env, sym) {
            m.write(binding).project(|b| &b.value).set(value);
            return Ok(());
        }
        let mut globals = self.state.project(|s| &s.globals).borrow_mut();
        match globals.get_mut(m, &sym) {
            Some(slot) => *slot = value,
            None => return Err(self.vm.unbound(sym)),
        }
        Ok(())
    }

    /// The number of elements of the form `expr`, checking it is a proper
    /// list of `min..=max` of them.
    fn check_form(&self, expr: Value<'gc>, min: usize, max: usize) -> Result<usize> {
        match list_length(expr) {
            Some(length) if (min..=max).contains(&length) => Ok(length),
            _ => Err(self.bad_syntax(expr)),
        }
    }

    /// Element `index` of the form `expr` (checked to be long enough).
    fn nth(&self, expr: Value<'gc>, index: usize) -> Value<'gc> {
        elements(expr)
            .nth(index)
            .expect("the form's length was checked")
    }

    /// A "bad syntax" error quoting `expr`.
    fn bad_syntax(&self, expr: Value<'_>) -> LispError {
        LispError::Runtime(format!(
            "bad syntax: {}",
            to_string(&self.vm.symbols, expr, 60)
        ))
    }

    /// The symbol `value`, or a syntax error about `form`.
    fn symbol(&self, value: Value<'_>, form: Value<'_>) -> Result<Sym> {
        match value {
            Value::Sym(sym) => Ok(sym),
            _ => Err(LispError::Runtime(format!(
                "expected a symbol in {}",
                to_string(&self.vm.symbols, form, 60)
            ))),
        }
    }
}

/// A checked `let` form's name (for a named `let`), specs and body.
type LetParts<'gc> = (Option<Sym>, Value<'gc>, Value<'gc>);

/// The parts of a `let` form whose length was checked.
fn let_parts(form: Value<'_>) -> LetParts<'_> {
    let mut rest = elements_from(form, 1);
    let name = match pair_of(rest).expect("checked").0 {
        Value::Sym(sym) => {
            rest = elements_from(rest, 1);
            Some(sym)
        }
        _ => None,
    };
    let (specs, body) = pair_of(rest).expect("checked");
    (name, specs, body)
}

/// The list `list` without its first `k` elements (it has that many).
fn elements_from(list: Value<'_>, k: usize) -> Value<'_> {
    (0..k).fold(list, |rest, _| pair_of(rest).expect("checked").1)
}

/// A closure over `env`.
fn closure<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    params: Value<'gc>,
    body: Value<'gc>,
    env: Env<'gc>,
    name: Option<Sym>,
) -> Result<Value<'gc>> {
    let closure = Closure {
        params,
        body,
        env,
        name,
    };
    Ok(Value::Closure(alloc(m, closure)?))
}

/// The binding list `next` with `sym = value` in front.
fn bind<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    sym: Sym,
    value: Value<'gc>,
    next: Option<Gc<'gc, Binding<'gc>>>,
) -> Result<Option<Gc<'gc, Binding<'gc>>>> {
    let value = Lock::new(value);
    Ok(Some(alloc(m, Binding { sym, value, next })?))
}

/// A new frame over `parent` holding `vars`.
fn new_frame<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    parent: Env<'gc>,
    vars: Option<Gc<'gc, Binding<'gc>>>,
) -> Result<Env<'gc>> {
    let vars = Lock::new(vars);
    Ok(Some(alloc(m, Frame { vars, parent })?))
}
