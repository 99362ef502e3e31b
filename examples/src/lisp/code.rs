//! The compiler: an expanded top-level form (a [`Datum`]) becomes a tree of
//! code [`Node`]s on the heap, which the evaluator walks.
//!
//! Compiling resolves every variable once: a local variable becomes its
//! (depth, slot) address in the chain of frames (see
//! [`Frame`](super::value::Frame)), a global one a pointer to its
//! [`Global`] cell, so running code never looks a name up. A `lambda`
//! becomes a [`Lambda`] that knows its frame's size: its parameters, then
//! the body's internal definitions (found before the body is compiled, so
//! procedures defined in the same body can call each other). A `let`
//! becomes a frame too, unless it binds nothing and defines nothing.
//! `cond` becomes `if`s and `or`s. A call whose operator is a global
//! variable and whose operands need no step of their own is a
//! [`Node::Prim`]: when the global holds a builtin, the evaluator calls it
//! at once, without pushing a continuation or touching the argument stack.
//!
//! The nodes are ordinary heap objects: the collector traces them from the
//! closures and continuations that point at them (and moves them, on the
//! copying backend), and the quoted constants they hold stay alive as long
//! as the code does.

use super::data::{alloc, build};
use super::error::LispError;
use super::expand::show;
use super::machine::Keywords;
use super::parse::Datum;
use super::value::{Builtin, Global, Sym, Symbols, Value};
use gc_core::model::{Gc, GcMap, Lock, Mutation};
use gc_core::{Collector, Trace};
use std::cell::RefMut;

type Result<T> = std::result::Result<T, LispError>;

/// The deepest nesting of [`Node::Prim`] calls inside one another (bounds
/// the evaluator's recursion when it runs them at once).
const PRIM_NESTING: u32 = 4;

/// The most operands a [`Node::Prim`] call has.
pub const PRIM_ARITY: usize = 4;

/// A sequence of nodes (a body, a call's operator and operands).
pub type Nodes<'gc> = Gc<'gc, [Gc<'gc, Node<'gc>>]>;

/// A compiled expression.
#[derive(Trace)]
pub enum Node<'gc> {
    /// A constant (a literal or a quoted datum).
    Const(Value<'gc>),
    /// The local variable in `slot` of the frame `depth` frames out.
    Local(u32, u32),
    /// A global variable.
    Global(Gc<'gc, Global<'gc>>),
    /// A `lambda`: makes a closure.
    Lambda(Gc<'gc, Lambda<'gc>>),
    /// `(if test then else)` (a missing `else` is the unspecified value).
    If(Gc<'gc, Node<'gc>>, Gc<'gc, Node<'gc>>, Gc<'gc, Node<'gc>>),
    /// Sets (or, for an internal definition, defines) a local variable:
    /// depth, slot, value.
    SetLocal(u32, u32, Gc<'gc, Node<'gc>>),
    /// `(set! global value)`: the global must be defined.
    SetGlobal(Gc<'gc, Global<'gc>>, Gc<'gc, Node<'gc>>),
    /// `(define global value)` at top level.
    DefineGlobal(Gc<'gc, Global<'gc>>, Gc<'gc, Node<'gc>>),
    /// A body of two or more expressions, the last in tail position.
    Seq(Nodes<'gc>),
    /// A call: the operator, then the operands.
    Call(Nodes<'gc>),
    /// A call of a global variable that held this builtin when the call
    /// was compiled, whose operands are constants, variables, `lambda`s or
    /// `Prim` calls themselves (at most four of them): the
    /// evaluator runs it at once, unless a global that held a builtin has
    /// been redefined since (then it checks the operators first, and runs
    /// it as a [`Node::Call`] if one is no longer a builtin).
    Prim(Builtin, Nodes<'gc>),
    /// A `let`: evaluates the initialisers, then runs the body in a new
    /// frame of `size` variables whose first slots hold their values.
    Let {
        /// The frame's variables (the bound ones, then internal definitions).
        size: u32,
        /// The initialisers, evaluated in the enclosing environment.
        inits: Nodes<'gc>,
        /// The body, in the new frame.
        body: Gc<'gc, Node<'gc>>,
    },
    /// `(and e ...)` with two or more operands.
    And(Nodes<'gc>),
    /// `(or e ...)` with two or more operands.
    Or(Nodes<'gc>),
}

/// A compiled `lambda`.
#[derive(Trace)]
pub struct Lambda<'gc> {
    /// How many arguments it needs.
    pub required: u32,
    /// `true` if the arguments past `required` are passed as a list.
    pub rest: bool,
    /// How many variables its frame has: parameters (the rest list
    /// counting as one), then internal definitions.
    pub size: u32,
    /// `false` if it has no variables at all: its body then runs in the
    /// closure's environment, with no frame of its own.
    pub framed: bool,
    /// The body, in tail position.
    pub body: Gc<'gc, Node<'gc>>,
    /// The name it was defined under, for errors and stack traces.
    pub name: Option<Sym>,
}

/// The globals by name: the cells compiled code points at.
pub type Globals<'gc> = GcMap<'gc, Sym, Gc<'gc, Global<'gc>>>;

/// The variables of one frame being compiled.
struct Scope {
    names: Vec<Sym>,
}

/// Compiles the expanded top-level form `form`.
pub fn compile<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    symbols: &Symbols,
    keywords: Keywords,
    globals: RefMut<'_, Globals<'gc>>,
    form: &Datum,
) -> Result<Gc<'gc, Node<'gc>>> {
    let mut compiler = Compiler {
        m,
        symbols,
        k: keywords,
        globals,
        scopes: Vec::new(),
    };
    compiler.expr(form, None)
}

/// The global cell of `sym` in `globals`, made (undefined) on first use.
pub fn global<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    globals: &mut Globals<'gc>,
    sym: Sym,
) -> Result<Gc<'gc, Global<'gc>>> {
    if let Some(&cell) = globals.get(m, &sym) {
        return Ok(cell);
    }
    let cell = alloc(
        m,
        Global {
            sym,
            value: Lock::new(None),
        },
    )?;
    globals.try_insert(m, sym, cell)?;
    Ok(cell)
}

/// `true` if the builtin `b` can run inside a [`Node::Prim`] call: it
/// neither calls a procedure, nor captures the evaluator's stacks, nor
/// asks for work between regions (which must come right after its step).
pub fn plain(b: Builtin) -> bool {
    !matches!(
        b,
        Builtin::Apply
            | Builtin::CallCc
            | Builtin::HashTableRef
            | Builtin::Gc
            | Builtin::GcStats
            | Builtin::HeapSnapshot
            | Builtin::WhyAlive
    )
}

struct Compiler<'a, 'm, 's, 'gc, C: Collector> {
    m: &'m Mutation<'s, 'gc, C>,
    symbols: &'a Symbols,
    k: Keywords,
    globals: RefMut<'a, Globals<'gc>>,
    /// The frames around the code being compiled, innermost last.
    scopes: Vec<Scope>,
}

impl<'gc, C: Collector> Compiler<'_, '_, '_, 'gc, C> {
    fn node(&self, node: Node<'gc>) -> Result<Gc<'gc, Node<'gc>>> {
        alloc(self.m, node)
    }

    fn nodes(&self, nodes: &[Gc<'gc, Node<'gc>>]) -> Result<Nodes<'gc>> {
        Ok(self.m.try_alloc_slice(nodes)?)
    }

    fn constant(&self, value: Value<'gc>) -> Result<Gc<'gc, Node<'gc>>> {
        self.node(Node::Const(value))
    }

    fn bad_syntax(&self, form: &Datum) -> LispError {
        LispError::Runtime(format!("bad syntax: {}", show(self.symbols, form)))
    }

    /// The (depth, slot) of local variable `sym`, if it is one.
    fn local(&self, sym: Sym) -> Option<(u32, u32)> {
        self.scopes
            .iter()
            .rev()
            .enumerate()
            .find_map(|(depth, scope)| {
                let index = scope.names.iter().rposition(|&name| name == sym)?;
                Some((depth as u32, index as u32))
            })
    }

    fn global(&mut self, sym: Sym) -> Result<Gc<'gc, Global<'gc>>> {
        global(self.m, &mut self.globals, sym)
    }

    fn variable(&mut self, sym: Sym) -> Result<Gc<'gc, Node<'gc>>> {
        match self.local(sym) {
            Some((depth, slot)) => self.node(Node::Local(depth, slot)),
            None => {
                let cell = self.global(sym)?;
                self.node(Node::Global(cell))
            }
        }
    }

    /// Compiles `datum`; a `lambda` it evaluates to is named `name`.
    fn expr(&mut self, datum: &Datum, name: Option<Sym>) -> Result<Gc<'gc, Node<'gc>>> {
        let (items, tail) = match datum {
            Datum::Sym(sym) => return self.variable(*sym),
            Datum::List(items, tail) if !items.is_empty() => (items, tail),
            Datum::List(_, None) => return self.constant(Value::Nil),
            constant => {
                let value = build(self.m, constant)?;
                return self.constant(value);
            }
        };
        if tail.is_some() {
            return Err(self.bad_syntax(datum));
        }
        let k = self.k;
        let args = &items[1..];
        let Datum::Sym(head) = items[0] else {
            return self.call(items);
        };
        if head == k.quote {
            let [quoted] = args else {
                return Err(self.bad_syntax(datum));
            };
            let value = build(self.m, quoted)?;
            self.constant(value)
        } else if head == k.if_ {
            let (test, then, otherwise) = match args {
                [test, then] => (test, then, None),
                [test, then, otherwise] => (test, then, Some(otherwise)),
                _ => return Err(self.bad_syntax(datum)),
            };
            let test = self.expr(test, None)?;
            let then = self.expr(then, None)?;
            let otherwise = match otherwise {
                Some(otherwise) => self.expr(otherwise, None)?,
                None => self.constant(Value::Unspecified)?,
            };
            self.node(Node::If(test, then, otherwise))
        } else if head == k.define {
            self.define(datum, args)
        } else if head == k.set {
            let [target, value] = args else {
                return Err(self.bad_syntax(datum));
            };
            let Datum::Sym(sym) = *target else {
                return Err(self.not_a_symbol(datum));
            };
            let value = self.expr(value, Some(sym))?;
            match self.local(sym) {
                Some((depth, slot)) => self.node(Node::SetLocal(depth, slot, value)),
                None => {
                    let cell = self.global(sym)?;
                    self.node(Node::SetGlobal(cell, value))
                }
            }
        } else if head == k.lambda {
            let [params, body @ ..] = args else {
                return Err(self.bad_syntax(datum));
            };
            if body.is_empty() {
                return Err(self.bad_syntax(datum));
            }
            let lambda = self.lambda(params, body, name)?;
            self.node(Node::Lambda(lambda))
        } else if head == k.let_ {
            self.let_form(datum, args)
        } else if head == k.cond {
            for clause in args {
                if !matches!(clause, Datum::List(items, None) if !items.is_empty()) {
                    return Err(self.bad_syntax(clause));
                }
            }
            self.cond(args)
        } else if head == k.begin {
            match args {
                [] => self.constant(Value::Unspecified),
                body => self.body(body),
            }
        } else if head == k.and || head == k.or {
            let is_and = head == k.and;
            match args {
                [] => self.constant(Value::Bool(is_and)),
                [only] => self.expr(only, None),
                operands => {
                    let operands = self.exprs(operands)?;
                    let operands = self.nodes(&operands)?;
                    self.node(if is_and {
                        Node::And(operands)
                    } else {
                        Node::Or(operands)
                    })
                }
            }
        } else {
            self.call(items)
        }
    }

    fn exprs(&mut self, items: &[Datum]) -> Result<Vec<Gc<'gc, Node<'gc>>>> {
        items.iter().map(|item| self.expr(item, None)).collect()
    }

    /// The error for a non-symbol where `form` needs one.
    fn not_a_symbol(&self, form: &Datum) -> LispError {
        LispError::Runtime(format!("expected a symbol in {}", show(self.symbols, form)))
    }

    /// A call: the operator and the operands in `items`.
    fn call(&mut self, items: &[Datum]) -> Result<Gc<'gc, Node<'gc>>> {
        let items = self.exprs(items)?;
        let builtin = match *items[0] {
            Node::Global(cell) => match cell.value.get() {
                Some(Value::Builtin(builtin)) if plain(builtin) => Some(builtin),
                _ => None,
            },
            _ => None,
        };
        let prim = items.len() - 1 <= PRIM_ARITY
            && items[1..]
                .iter()
                .all(|&operand| prim_depth(operand).is_some());
        let items = self.nodes(&items)?;
        self.node(match builtin {
            Some(builtin) if prim => Node::Prim(builtin, items),
            _ => Node::Call(items),
        })
    }

    /// A body: one expression, or a [`Node::Seq`].
    fn body(&mut self, body: &[Datum]) -> Result<Gc<'gc, Node<'gc>>> {
        match body {
            [only] => self.expr(only, None),
            body => {
                let body = self.exprs(body)?;
                let body = self.nodes(&body)?;
                self.node(Node::Seq(body))
            }
        }
    }

    /// `(define name value)` or `(define (name . params) body ...)`.
    fn define(&mut self, datum: &Datum, args: &[Datum]) -> Result<Gc<'gc, Node<'gc>>> {
        let (sym, value) = match args {
            [Datum::List(target, tail), body @ ..] if !target.is_empty() && !body.is_empty() => {
                let Datum::Sym(sym) = target[0] else {
                    return Err(self.not_a_symbol(datum));
                };
                let params = Datum::List(target[1..].to_vec(), tail.clone());
                let lambda = self.lambda(&params, body, Some(sym))?;
                (sym, self.node(Node::Lambda(lambda))?)
            }
            [Datum::Sym(sym), value] => (*sym, self.expr(value, Some(*sym))?),
            _ => return Err(self.bad_syntax(datum)),
        };
        if self.scopes.is_empty() {
            let cell = self.global(sym)?;
            return self.node(Node::DefineGlobal(cell, value));
        }
        let slot = self.declare(sym);
        self.node(Node::SetLocal(0, slot, value))
    }

    /// The slot of `sym` in the innermost frame, added if it is not there.
    fn declare(&mut self, sym: Sym) -> u32 {
        let scope = self.scopes.last_mut().expect("inside a frame");
        let index = match scope.names.iter().rposition(|&name| name == sym) {
            Some(index) => index,
            None => {
                scope.names.push(sym);
                scope.names.len() - 1
            }
        };
        index as u32
    }

    /// Declares in the innermost frame the names `body` defines (at its
    /// top level or inside `begin`s there); `true` if there are any.
    fn declare_definitions(&mut self, body: &[Datum]) -> bool {
        let mut found = false;
        for form in body {
            let Datum::List(items, None) = form else {
                continue;
            };
            match items.as_slice() {
                [Datum::Sym(head), Datum::Sym(name), ..] if *head == self.k.define => {
                    self.declare(*name);
                    found = true;
                }
                [Datum::Sym(head), Datum::List(target, _), ..] if *head == self.k.define => {
                    if let Some(Datum::Sym(name)) = target.first() {
                        self.declare(*name);
                        found = true;
                    }
                }
                [Datum::Sym(head), rest @ ..] if *head == self.k.begin => {
                    found |= self.declare_definitions(rest);
                }
                _ => {}
            }
        }
        found
    }

    /// Whether `body` has a `define` anywhere outside nested `lambda`s
    /// and `quote`s: if not, a frame without variables can be left out.
    fn defines(&self, body: &[Datum]) -> bool {
        body.iter().any(|form| match form {
            Datum::List(items, _) => match items.first() {
                Some(Datum::Sym(head)) if *head == self.k.define => true,
                Some(Datum::Sym(head)) if *head == self.k.lambda || *head == self.k.quote => false,
                _ => self.defines(items),
            },
            _ => false,
        })
    }

    /// A `lambda` with parameters `params` and body `body`.
    fn lambda(
        &mut self,
        params: &Datum,
        body: &[Datum],
        name: Option<Sym>,
    ) -> Result<Gc<'gc, Lambda<'gc>>> {
        let mut names = Vec::new();
        let rest = match params {
            Datum::Sym(sym) => Some(*sym),
            Datum::List(items, tail) => {
                for (index, item) in items.iter().enumerate() {
                    let Datum::Sym(sym) = item else {
                        let remaining = Datum::List(items[index..].to_vec(), tail.clone());
                        return Err(self.not_a_symbol(&remaining));
                    };
                    names.push(*sym);
                }
                match tail.as_deref() {
                    None => None,
                    Some(Datum::Sym(sym)) => Some(*sym),
                    Some(other) => return Err(self.bad_syntax(other)),
                }
            }
            other => return Err(self.bad_syntax(other)),
        };
        let required = names.len() as u32;
        names.extend(rest);
        if names.is_empty() && !self.defines(body) {
            // No variables: the body runs in the closure's environment.
            let lambda = Lambda {
                required,
                rest: false,
                size: 0,
                framed: false,
                body: self.body(body)?,
                name,
            };
            return alloc(self.m, lambda);
        }
        self.scopes.push(Scope { names });
        self.declare_definitions(body);
        let compiled = self.body(body);
        let scope = self.scopes.pop().expect("pushed");
        let lambda = Lambda {
            required,
            rest: rest.is_some(),
            size: scope.names.len() as u32,
            framed: true,
            body: compiled?,
            name,
        };
        alloc(self.m, lambda)
    }

    /// `(let [name] ((var init) ...) body ...)`.
    fn let_form(&mut self, datum: &Datum, args: &[Datum]) -> Result<Gc<'gc, Node<'gc>>> {
        let (name, specs, body) = match args {
            [Datum::Sym(name), specs, body @ ..] if !body.is_empty() => (Some(*name), specs, body),
            [Datum::Sym(_), ..] => return Err(self.bad_syntax(datum)),
            [specs, body @ ..] if !body.is_empty() => (None, specs, body),
            _ => return Err(self.bad_syntax(datum)),
        };
        let Datum::List(specs, None) = specs else {
            return Err(self.bad_syntax(datum));
        };
        let mut vars = Vec::new();
        let mut inits = Vec::new();
        for spec in specs {
            match spec {
                Datum::List(parts, None) if parts.len() == 2 => {
                    let Datum::Sym(var) = parts[0] else {
                        return Err(self.bad_syntax(spec));
                    };
                    vars.push(var);
                    inits.push(&parts[1]);
                }
                _ => return Err(self.bad_syntax(spec)),
            }
        }
        match name {
            None => self.plain_let(vars, &inits, body),
            Some(name) => self.named_let(name, vars, &inits, body),
        }
    }

    /// A `let` without a name.
    fn plain_let(
        &mut self,
        vars: Vec<Sym>,
        inits: &[&Datum],
        body: &[Datum],
    ) -> Result<Gc<'gc, Node<'gc>>> {
        if vars.is_empty() && !self.defines(body) {
            return self.body(body); // no frame needed
        }
        let inits = vars
            .iter()
            .zip(inits)
            .map(|(&var, init)| self.expr(init, Some(var)))
            .collect::<Result<Vec<_>>>()?;
        let inits = self.nodes(&inits)?;
        self.scopes.push(Scope { names: vars });
        self.declare_definitions(body);
        let compiled = self.body(body);
        let scope = self.scopes.pop().expect("pushed");
        let size = scope.names.len() as u32;
        self.node(Node::Let {
            size,
            inits,
            body: compiled?,
        })
    }

    /// A named `let`: a frame holding the loop procedure, which is called
    /// with the initialisers (evaluated where the loop's name is not
    /// visible).
    fn named_let(
        &mut self,
        name: Sym,
        vars: Vec<Sym>,
        inits: &[&Datum],
        body: &[Datum],
    ) -> Result<Gc<'gc, Node<'gc>>> {
        self.scopes.push(Scope { names: Vec::new() });
        let compiled = self.named_let_body(name, vars, inits, body);
        let scope = self.scopes.pop().expect("pushed");
        let no_inits = self.nodes(&[])?;
        self.node(Node::Let {
            size: scope.names.len() as u32,
            inits: no_inits,
            body: compiled?,
        })
    }

    /// The body of a named `let`'s frame: define the loop, then call it.
    fn named_let_body(
        &mut self,
        name: Sym,
        vars: Vec<Sym>,
        inits: &[&Datum],
        body: &[Datum],
    ) -> Result<Gc<'gc, Node<'gc>>> {
        let mut call = Vec::with_capacity(inits.len() + 1);
        call.push(self.constant(Value::Unspecified)?); // the loop, below
        for init in inits {
            call.push(self.expr(init, None)?);
        }
        let slot = self.declare(name);
        call[0] = self.node(Node::Local(0, slot))?;
        let params = Datum::List(vars.into_iter().map(Datum::Sym).collect(), None);
        let lambda = self.lambda(&params, body, Some(name))?;
        let lambda = self.node(Node::Lambda(lambda))?;
        let define = self.node(Node::SetLocal(0, slot, lambda))?;
        let call = self.nodes(&call)?;
        let call = self.node(Node::Call(call))?;
        let seq = self.nodes(&[define, call])?;
        self.node(Node::Seq(seq))
    }

    /// `cond` clauses (each checked to be a non-empty list).
    fn cond(&mut self, clauses: &[Datum]) -> Result<Gc<'gc, Node<'gc>>> {
        let Some((clause, rest)) = clauses.split_first() else {
            return self.constant(Value::Unspecified);
        };
        let Datum::List(items, None) = clause else {
            unreachable!("checked")
        };
        let (test, body) = items.split_first().expect("checked");
        if matches!(test, Datum::Sym(sym) if *sym == self.k.else_) {
            return match body {
                [] => self.constant(Value::Bool(true)),
                body => self.body(body),
            };
        }
        let test = self.expr(test, None)?;
        let otherwise = self.cond(rest)?;
        if body.is_empty() {
            let operands = self.nodes(&[test, otherwise])?;
            return self.node(Node::Or(operands));
        }
        let then = self.body(body)?;
        self.node(Node::If(test, then, otherwise))
    }
}

/// How deeply `node` nests [`Node::Prim`] calls, if it can be an operand
/// of one (a constant, a variable, a `lambda`, or a `Prim` call nested at
/// most [`PRIM_NESTING`] deep).
fn prim_depth<'gc>(node: Gc<'gc, Node<'gc>>) -> Option<u32> {
    match *node {
        Node::Const(_) | Node::Local(..) | Node::Global(_) | Node::Lambda(_) => Some(0),
        Node::Prim(_, items) => {
            let depth = items[1..]
                .iter()
                .map(|&operand| prim_depth(operand))
                .try_fold(0, |deepest, depth| Some(deepest.max(depth?)))?;
            (depth < PRIM_NESTING).then_some(depth + 1)
        }
        _ => None,
    }
}
