//! The evaluator: one step at a time over compiled code (see `code`), on
//! an explicit continuation stack.
//!
//! The `Eval` register holds a node and an environment, the `Return`
//! register a value for the innermost [`Cont`]. Evaluating a
//! sub-expression whose value is needed later (a test, an operand, a body
//! expression but the last) pushes a continuation naming the node that
//! waits and how far it got; an expression in tail position (a branch, the
//! last body expression, a procedure body) replaces the register, so tail
//! calls run in constant space. Constants, variables, `lambda`s and
//! [`Node::Prim`] calls of builtins are evaluated at once where they occur
//! ([`Eval::direct`]), with no step and no continuation of their own. A
//! step ends when a value is ready or a procedure's body is entered, so
//! every loop goes through the step loop, which checks the fuel and
//! whether a collection is due.

use super::builtins::{self, Flow};
use super::code::{plain, Lambda, Node, Nodes, PRIM_ARITY};
use super::data::{alloc, cons, elements, list_length, make_list};
use super::error::LispError;
use super::machine::{Cont, Machine, Reg, State};
use super::print::to_string;
use super::table::eq;
use super::value::{Builtin, Closure, Continuation, Env, Sym, Value};
use gc_core::model::{Gc, GcVec, Mutation, RefLock, Write};
use gc_core::Collector;
use std::cell::RefMut;

type Result<T> = std::result::Result<T, LispError>;

/// The most operands a call evaluates into a buffer on the Rust stack.
const CALL_ARITY: usize = 8;

/// What to evaluate next within the same step, or `None` once the
/// registers are set.
type Next<'gc> = Option<(Gc<'gc, Node<'gc>>, Env<'gc>)>;

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
            if finished || m.collection_due() || self.vm.request.is_some() {
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
            Reg::Eval(node, env) => self.eval(node, env)?,
            Reg::Return(value) => match self.stack.pop() {
                None => return Ok(true),
                Some(cont) => {
                    self.name = cont.name;
                    if let Some((node, env)) = self.resume(cont, value)? {
                        self.eval(node, env)?;
                    }
                }
            },
        }
        Ok(false)
    }

    /// Evaluates `node` in `env` until a value is ready (in the `Return`
    /// register) or a procedure is entered (its body in `Eval`).
    fn eval(&mut self, mut node: Gc<'gc, Node<'gc>>, mut env: Env<'gc>) -> Result<()> {
        loop {
            let next = match *node {
                Node::If(test, then, otherwise) => match self.direct(test, env)? {
                    Some(value) => Some((if value.is_true() { then } else { otherwise }, env)),
                    None => {
                        self.push(node, env, 0, 0)?;
                        Some((test, env))
                    }
                },
                Node::Seq(body) => self.sequence(node, body, 0, env)?,
                Node::Call(items) => self.call(node, items, env)?,
                Node::Prim(builtin, items) => match self.prim(builtin, items, env)? {
                    Some(value) => self.ret(value),
                    None => {
                        let base = self.values.len() as u32;
                        self.operands(node, items, 0, env, base)?
                    }
                },
                Node::Let { inits, .. } => {
                    let base = self.values.len() as u32;
                    self.let_inits(node, inits, 0, env, base)?
                }
                Node::SetLocal(.., value)
                | Node::SetGlobal(_, value)
                | Node::DefineGlobal(_, value) => match self.direct(value, env)? {
                    Some(value) => {
                        self.store(node, env, value)?;
                        self.ret(Value::Unspecified)
                    }
                    None => {
                        self.push(node, env, 0, 0)?;
                        Some((value, env))
                    }
                },
                Node::And(items) => self.and_or(node, items, 0, env, true)?,
                Node::Or(items) => self.and_or(node, items, 0, env, false)?,
                Node::Const(_) | Node::Local(..) | Node::Global(_) | Node::Lambda(_) => {
                    let value = self.leaf(node, env)?;
                    self.ret(value)
                }
            };
            match next {
                Some((n, e)) => (node, env) = (n, e),
                None => return Ok(()),
            }
        }
    }

    /// Sets the `Return` register: nothing more to evaluate in this step.
    fn ret(&mut self, value: Value<'gc>) -> Next<'gc> {
        self.reg = Reg::Return(value);
        None
    }

    /// Hands `value` to the continuation `cont`.
    fn resume(&mut self, cont: Cont<'gc>, value: Value<'gc>) -> Result<Next<'gc>> {
        let Cont {
            node,
            env,
            index,
            base,
            ..
        } = cont;
        match *node {
            Node::If(_, then, otherwise) => {
                Ok(Some((if value.is_true() { then } else { otherwise }, env)))
            }
            Node::Seq(body) => self.sequence(node, body, index, env),
            Node::Call(items) | Node::Prim(_, items) => {
                self.values.try_push(value)?;
                self.operands(node, items, index, env, base)
            }
            Node::Let { inits, .. } => {
                self.values.try_push(value)?;
                self.let_inits(node, inits, index, env, base)
            }
            Node::SetLocal(..) | Node::SetGlobal(..) | Node::DefineGlobal(..) => {
                self.store(node, env, value)?;
                Ok(self.ret(Value::Unspecified))
            }
            Node::And(items) | Node::Or(items) => {
                let is_and = matches!(*node, Node::And(_));
                if value.is_true() != is_and {
                    return Ok(self.ret(value));
                }
                self.and_or(node, items, index, env, is_and)
            }
            Node::Const(_) | Node::Local(..) | Node::Global(_) | Node::Lambda(_) => {
                unreachable!("leaves push no continuation")
            }
        }
    }

    /// Pushes a continuation: `node` waits for a value, then goes on from
    /// operand `index` (its values from `base` on the argument stack).
    fn push(
        &mut self,
        node: Gc<'gc, Node<'gc>>,
        env: Env<'gc>,
        index: u32,
        base: u32,
    ) -> Result<()> {
        if self.stack.len() >= self.vm.max_depth {
            return Err(self.vm.overflow(&self.stack));
        }
        let name = self.name;
        self.stack.try_push(Cont {
            node,
            env,
            index,
            base,
            name,
        })?;
        self.vm.peak_depth = self.vm.peak_depth.max(self.stack.len());
        Ok(())
    }

    /// The value of `node` if it needs no step of its own: a leaf, a
    /// [`Node::Prim`] call of a builtin, or an assignment of such a value.
    /// `None` (having done nothing) otherwise.
    #[inline(always)]
    fn direct(&mut self, node: Gc<'gc, Node<'gc>>, env: Env<'gc>) -> Result<Option<Value<'gc>>> {
        match *node {
            Node::Const(value) => Ok(Some(value)),
            Node::Local(depth, slot) => Ok(Some(frame(env, depth).slots()[slot as usize].get())),
            Node::Global(cell) if cell.value.get().is_some() => Ok(cell.value.get()),
            Node::Prim(builtin, items) => self.prim(builtin, items, env),
            _ => self.direct_rare(node, env),
        }
    }

    /// [`Self::direct`] for the other nodes.
    #[inline(never)]
    fn direct_rare(
        &mut self,
        node: Gc<'gc, Node<'gc>>,
        env: Env<'gc>,
    ) -> Result<Option<Value<'gc>>> {
        match *node {
            Node::Global(_) | Node::Lambda(_) => Ok(Some(self.leaf(node, env)?)),
            Node::SetLocal(.., value) | Node::SetGlobal(_, value) => {
                match self.direct(value, env)? {
                    Some(value) => {
                        self.store(node, env, value)?;
                        Ok(Some(Value::Unspecified))
                    }
                    None => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }

    /// The value of a leaf: a constant, a variable or a `lambda`.
    #[inline(always)]
    fn leaf(&self, node: Gc<'gc, Node<'gc>>, env: Env<'gc>) -> Result<Value<'gc>> {
        match *node {
            Node::Const(value) => Ok(value),
            Node::Local(depth, slot) => Ok(frame(env, depth).slots()[slot as usize].get()),
            Node::Global(cell) => match cell.value.get() {
                Some(value) => Ok(value),
                None => Err(self.vm.unbound(cell.sym)),
            },
            _ => self.rare_leaf(node, env),
        }
    }

    /// [`Self::leaf`] for a `lambda`.
    #[inline(never)]
    fn rare_leaf(&self, node: Gc<'gc, Node<'gc>>, env: Env<'gc>) -> Result<Value<'gc>> {
        match *node {
            Node::Lambda(lambda) => closure(self.m, lambda, env),
            _ => unreachable!("not a leaf"),
        }
    }

    /// Stores `value` as the assignment or definition `node` says.
    fn store(&mut self, node: Gc<'gc, Node<'gc>>, env: Env<'gc>, value: Value<'gc>) -> Result<()> {
        let m = self.m;
        match *node {
            Node::SetLocal(depth, slot, _) => frame(env, depth).set(m, slot as usize, value),
            Node::SetGlobal(cell, _) | Node::DefineGlobal(cell, _) => {
                match cell.value.get() {
                    None if matches!(*node, Node::SetGlobal(..)) => {
                        return Err(self.vm.unbound(cell.sym))
                    }
                    Some(Value::Builtin(_)) => self.vm.builtins_redefined = true,
                    _ => {}
                }
                m.write(cell).project(|g| &g.value).set(Some(value));
            }
            _ => unreachable!("not an assignment"),
        }
        Ok(())
    }

    /// Runs the [`Node::Prim`] call of `builtin` with `items` at once,
    /// unless a global that held a builtin was redefined and this call's
    /// operator (or a nested `Prim` call's) is no longer a builtin that
    /// calls nothing back: then `None`, having done nothing.
    #[inline]
    fn prim(
        &mut self,
        builtin: Builtin,
        items: Nodes<'gc>,
        env: Env<'gc>,
    ) -> Result<Option<Value<'gc>>> {
        if self.vm.builtins_redefined && !runs_at_once(items) {
            return Ok(None);
        }
        Ok(Some(self.run_prim(builtin, items, env)?))
    }

    /// Runs a [`Node::Prim`] call (see [`Self::prim`]).
    fn run_prim(
        &mut self,
        builtin: Builtin,
        items: Nodes<'gc>,
        env: Env<'gc>,
    ) -> Result<Value<'gc>> {
        let builtin = if !self.vm.builtins_redefined {
            builtin
        } else {
            match operator(items) {
                Some(Value::Builtin(now)) => now,
                _ => unreachable!("checked by runs_at_once"),
            }
        };
        match items.len() {
            2 => {
                let x = self.operand(items[1], env)?;
                match fast1(builtin, x) {
                    Some(value) => Ok(value),
                    None => self.call_builtin(builtin, &[x]),
                }
            }
            3 => {
                let x = self.operand(items[1], env)?;
                let y = self.operand(items[2], env)?;
                match self.fast2(builtin, x, y)? {
                    Some(value) => Ok(value),
                    None => self.call_builtin(builtin, &[x, y]),
                }
            }
            count => {
                let mut args = [Value::Nil; PRIM_ARITY];
                for (arg, &operand) in args.iter_mut().zip(&items[1..]) {
                    *arg = self.operand(operand, env)?;
                }
                self.call_builtin(builtin, &args[..count - 1])
            }
        }
    }

    /// The value of an operand of a [`Node::Prim`] call.
    #[inline(always)]
    fn operand(&mut self, node: Gc<'gc, Node<'gc>>, env: Env<'gc>) -> Result<Value<'gc>> {
        match *node {
            Node::Prim(builtin, inner) => self.run_prim(builtin, inner, env),
            _ => self.leaf(node, env),
        }
    }

    /// Calls a builtin that calls nothing back.
    fn call_builtin(&mut self, builtin: Builtin, args: &[Value<'gc>]) -> Result<Value<'gc>> {
        if let Some(value) = self.fast(builtin, args)? {
            return Ok(value);
        }
        match builtins::call(self.m, self.vm, builtin, args)? {
            Flow::Return(value) => Ok(value),
            Flow::Call(_) => unreachable!("plain builtins call nothing"),
        }
    }

    /// [`Self::fast`] for two arguments.
    #[inline(always)]
    fn fast2(&self, builtin: Builtin, x: Value<'gc>, y: Value<'gc>) -> Result<Option<Value<'gc>>> {
        use Builtin as B;
        use Value::{Bool, Float, Int};
        Ok(Some(match (builtin, x, y) {
            (B::Eq, x, y) => Bool(eq(x, y)),
            (B::Cons, car, cdr) => cons(self.m, car, cdr)?,
            (B::Add, Int(x), Int(y)) => match x.checked_add(y) {
                Some(sum) => Int(sum),
                None => return Ok(None),
            },
            (B::Sub, Int(x), Int(y)) => match x.checked_sub(y) {
                Some(difference) => Int(difference),
                None => return Ok(None),
            },
            (B::Mul, Int(x), Int(y)) => match x.checked_mul(y) {
                Some(product) => Int(product),
                None => return Ok(None),
            },
            (B::NumEq, Int(x), Int(y)) => Bool(x == y),
            (B::Lt, Int(x), Int(y)) => Bool(x < y),
            (B::Gt, Int(x), Int(y)) => Bool(x > y),
            (B::Le, Int(x), Int(y)) => Bool(x <= y),
            (B::Ge, Int(x), Int(y)) => Bool(x >= y),
            (B::Add, Float(x), Float(y)) => Float(x + y),
            (B::Sub, Float(x), Float(y)) => Float(x - y),
            (B::Mul, Float(x), Float(y)) => Float(x * y),
            (B::NumEq, Float(x), Float(y)) => Bool(x == y),
            (B::Lt, Float(x), Float(y)) => Bool(x < y),
            (B::Gt, Float(x), Float(y)) => Bool(x > y),
            (B::Le, Float(x), Float(y)) => Bool(x <= y),
            (B::Ge, Float(x), Float(y)) => Bool(x >= y),
            (B::VectorRef, Value::Vector(items), Int(index)) => {
                match usize::try_from(index)
                    .ok()
                    .and_then(|i| items.borrow().get(i).copied())
                {
                    Some(value) => value,
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        }))
    }

    /// The most common builtins on their most common arguments, without
    /// the general dispatch; `None` for anything else (the general builtin
    /// then gives the same result, or the error).
    #[inline]
    fn fast(&self, builtin: Builtin, args: &[Value<'gc>]) -> Result<Option<Value<'gc>>> {
        match *args {
            [x] => Ok(fast1(builtin, x)),
            [x, y] => self.fast2(builtin, x, y),
            [Value::Vector(items), Value::Int(index), value] if builtin == Builtin::VectorSet => {
                let mut items = self.m.write(items).borrow_mut();
                match usize::try_from(index).ok().and_then(|i| items.get_mut(i)) {
                    Some(slot) => *slot = value,
                    None => return Ok(None),
                }
                Ok(Some(Value::Unspecified))
            }
            _ => Ok(None),
        }
    }

    /// The call `node`: when its operator and operands need no step, they
    /// are evaluated into a buffer on the Rust stack and the procedure is
    /// entered from there, without the argument stack; at the first
    /// operand that needs a step, what was evaluated moves to the argument
    /// stack and the call goes on as [`Self::operands`] does.
    fn call(
        &mut self,
        node: Gc<'gc, Node<'gc>>,
        items: Nodes<'gc>,
        env: Env<'gc>,
    ) -> Result<Next<'gc>> {
        let base = self.values.len();
        if items.len() > CALL_ARITY + 1 {
            return self.operands(node, items, 0, env, base as u32);
        }
        let mut buffer = [Value::Nil; CALL_ARITY + 1];
        for (i, &item) in items.iter().enumerate() {
            match self.direct(item, env)? {
                Some(value) => buffer[i] = value,
                None => {
                    self.values.try_reserve(i)?;
                    buffer[..i]
                        .iter()
                        .for_each(|&value| self.values.push(value));
                    self.push(node, env, i as u32 + 1, base as u32)?;
                    return Ok(Some((item, env)));
                }
            }
        }
        let args = &buffer[1..items.len()];
        match buffer[0] {
            Value::Closure(closure) if !closure.lambda.rest => {
                let env = self.enter(closure, args, args.len())?;
                self.name = Some(self.name_of(closure.lambda));
                self.reg = Reg::Eval(closure.lambda.body, env);
            }
            Value::Builtin(builtin) if plain(builtin) => {
                let args = &buffer[1..items.len()];
                let value = self.call_builtin(builtin, args)?;
                self.reg = Reg::Return(value);
            }
            _ => {
                self.values.try_reserve(items.len())?;
                buffer[..items.len()]
                    .iter()
                    .for_each(|&value| self.values.push(value));
                self.apply(base)?;
            }
        }
        Ok(None)
    }

    /// Evaluates the operands of the call `node` from `index` on onto the
    /// argument stack (those that need no step at once), then calls.
    fn operands(
        &mut self,
        node: Gc<'gc, Node<'gc>>,
        items: Nodes<'gc>,
        index: u32,
        env: Env<'gc>,
        base: u32,
    ) -> Result<Next<'gc>> {
        for (i, &item) in items.iter().enumerate().skip(index as usize) {
            match self.direct(item, env)? {
                Some(value) => self.values.try_push(value)?,
                None => {
                    self.push(node, env, i as u32 + 1, base)?;
                    return Ok(Some((item, env)));
                }
            }
        }
        self.apply(base as usize)?;
        Ok(None)
    }

    /// Evaluates the initialisers of the `let` `node` from `index` on, then
    /// goes on with its body in a new frame.
    fn let_inits(
        &mut self,
        node: Gc<'gc, Node<'gc>>,
        inits: Nodes<'gc>,
        index: u32,
        env: Env<'gc>,
        base: u32,
    ) -> Result<Next<'gc>> {
        for (i, &init) in inits.iter().enumerate().skip(index as usize) {
            match self.direct(init, env)? {
                Some(value) => self.values.try_push(value)?,
                None => {
                    self.push(node, env, i as u32 + 1, base)?;
                    return Ok(Some((init, env)));
                }
            }
        }
        let Node::Let { size, body, .. } = *node else {
            unreachable!("a let")
        };
        let base = base as usize;
        let frame = Env::new(self.m, env, size as usize, &self.values[base..])?;
        self.values.truncate(base);
        Ok(Some((body, frame)))
    }

    /// The body `body` of `node` from expression `index` on: every
    /// expression but the last for effect, the last in tail position.
    fn sequence(
        &mut self,
        node: Gc<'gc, Node<'gc>>,
        body: Nodes<'gc>,
        index: u32,
        env: Env<'gc>,
    ) -> Result<Next<'gc>> {
        let last = body.len() - 1;
        for (i, &expr) in body.iter().enumerate().take(last).skip(index as usize) {
            if self.direct(expr, env)?.is_none() {
                self.push(node, env, i as u32 + 1, 0)?;
                return Ok(Some((expr, env)));
            }
        }
        Ok(Some((body[last], env)))
    }

    /// The operands of `and` (`is_and`) or `or` from `index` on, the last
    /// one in tail position.
    fn and_or(
        &mut self,
        node: Gc<'gc, Node<'gc>>,
        items: Nodes<'gc>,
        index: u32,
        env: Env<'gc>,
        is_and: bool,
    ) -> Result<Next<'gc>> {
        let last = items.len() - 1;
        for (i, &item) in items.iter().enumerate().take(last).skip(index as usize) {
            match self.direct(item, env)? {
                Some(value) if value.is_true() != is_and => return Ok(self.ret(value)),
                Some(_) => {}
                None => {
                    self.push(node, env, i as u32 + 1, 0)?;
                    return Ok(Some((item, env)));
                }
            }
        }
        Ok(Some((items[last], env)))
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
                    let args = &self.values[base + 1..];
                    let flow = match self.fast(builtin, args)? {
                        Some(value) => Flow::Return(value),
                        None => builtins::call(m, self.vm, builtin, args)?,
                    };
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
        let lambda = closure.lambda;
        let required = lambda.required as usize;
        let count = self.values.len() - base - 1;
        if lambda.rest && count >= required {
            let rest = &self.values[base + 1 + required..];
            let rest = make_list(self.m, rest.iter().copied(), Value::Nil)?;
            self.values.truncate(base + 1 + required);
            self.values.try_push(rest)?;
        }
        let env = self.enter(closure, &self.values[base + 1..], count)?;
        self.values.truncate(base);
        self.name = Some(self.name_of(lambda));
        self.reg = Reg::Eval(lambda.body, env);
        Ok(())
    }

    /// The name `lambda` shows in errors and stack traces.
    #[inline]
    fn name_of(&self, lambda: Gc<'gc, Lambda<'gc>>) -> Sym {
        lambda.name.unwrap_or(self.vm.keywords.lambda)
    }

    /// The environment `closure`'s body runs in when called with `args`
    /// (its rest list, if it takes one, made already; `count` arguments
    /// were passed).
    #[inline]
    fn enter(
        &self,
        closure: Gc<'gc, Closure<'gc>>,
        args: &[Value<'gc>],
        count: usize,
    ) -> Result<Env<'gc>> {
        let lambda = closure.lambda;
        let params = lambda.required as usize + usize::from(lambda.rest);
        if args.len() != params {
            return Err(LispError::Runtime(format!(
                "{} called with {count} argument(s)",
                self.vm.symbols.name(self.name_of(lambda)),
            )));
        }
        if !lambda.framed {
            return Ok(closure.env);
        }
        Ok(Env::new(self.m, closure.env, lambda.size as usize, args)?)
    }
}

/// The frame `depth` frames out from `env` (the compiler counted them).
#[inline]
fn frame(env: Env<'_>, depth: u32) -> Env<'_> {
    (0..depth).fold(env, |frame, _| frame.parent())
}

/// [`Eval::fast`] for one argument.
#[inline(always)]
fn fast1(builtin: Builtin, x: Value<'_>) -> Option<Value<'_>> {
    use Builtin as B;
    use Value::{Bool, Int, Pair};
    Some(match (builtin, x) {
        (B::Car, Pair(pair)) => pair.car.get(),
        (B::Cdr, Pair(pair)) => pair.cdr.get(),
        (B::IsNull, x) => Bool(matches!(x, Value::Nil)),
        (B::IsPair, x) => Bool(matches!(x, Pair(_))),
        (B::Not, x) => Bool(!x.is_true()),
        (B::IsZero, Int(x)) => Bool(x == 0),
        _ => return None,
    })
}

/// The value of the operator of a [`Node::Prim`] call (a global), if defined.
#[inline]
fn operator<'gc>(items: Nodes<'gc>) -> Option<Value<'gc>> {
    match *items[0] {
        Node::Global(cell) => cell.value.get(),
        _ => unreachable!("a Prim call's operator is a global"),
    }
}

/// `true` if the [`Node::Prim`] call `items` and every `Prim` call among
/// its operands call builtins that call nothing back.
fn runs_at_once(items: Nodes<'_>) -> bool {
    matches!(operator(items), Some(Value::Builtin(b)) if plain(b))
        && items[1..].iter().all(|&operand| match *operand {
            Node::Prim(_, inner) => runs_at_once(inner),
            _ => true,
        })
}

/// A closure of `lambda` over `env`.
fn closure<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    lambda: Gc<'gc, Lambda<'gc>>,
    env: Env<'gc>,
) -> Result<Value<'gc>> {
    Ok(Value::Closure(alloc(m, Closure { lambda, env })?))
}
