//! The evaluator's state and how it runs: a [`State`] object in the heap
//! (registers, an explicit continuation stack, the argument stack and the
//! globals), rooted once, and [`Machine`], the part outside the heap
//! (symbols, the output, limits).
//!
//! A top-level form runs as a series of mutation regions of at most
//! `fuel` steps each ([`Machine::run_form`]): a region loads the registers
//! from the state, steps, and stores them back, so between regions every
//! live value is in the heap, reachable from the state's root, and the
//! collector can run (and move objects). Nothing recurses in Rust per
//! Scheme call: non-tail evaluation pushes a [`Cont`], so deep recursion is
//! bounded by [`Machine::max_depth`] continuations, not by the Rust stack.

use super::data::build;
use super::error::{LispError, SHOWN_FRAMES};
use super::expand::expand;
use super::parse::Datum;
use super::value::{Binding, Builtin, Env, Sym, Symbols, Value};
use gc_core::model::{Gc, GcMap, GcVec, Lock, Mutation, RefLock};
use gc_core::{Collector, Root, Scope, Trace};
use std::io::Write;

type Result<T> = std::result::Result<T, LispError>;

/// The symbols of the special forms.
#[derive(Debug, Clone, Copy)]
pub struct Keywords {
    pub(crate) quote: Sym,
    pub(crate) if_: Sym,
    pub(crate) define: Sym,
    pub(crate) set: Sym,
    pub(crate) lambda: Sym,
    pub(crate) let_: Sym,
    pub(crate) cond: Sym,
    pub(crate) else_: Sym,
    pub(crate) begin: Sym,
    pub(crate) and: Sym,
    pub(crate) or: Sym,
}

impl Keywords {
    /// Interns the keywords and the builtins' names into `symbols`.
    pub fn new(symbols: &mut Symbols) -> Keywords {
        for builtin in Builtin::ALL {
            symbols.intern(builtin.name());
        }
        Keywords {
            quote: symbols.intern("quote"),
            if_: symbols.intern("if"),
            define: symbols.intern("define"),
            set: symbols.intern("set!"),
            lambda: symbols.intern("lambda"),
            let_: symbols.intern("let"),
            cond: symbols.intern("cond"),
            else_: symbols.intern("else"),
            begin: symbols.intern("begin"),
            and: symbols.intern("and"),
            or: symbols.intern("or"),
        }
    }

    /// `true` if `sym` names a special form.
    pub fn contains(&self, sym: Sym) -> bool {
        [
            self.quote,
            self.if_,
            self.define,
            self.set,
            self.lambda,
            self.let_,
            self.cond,
            self.begin,
            self.and,
            self.or,
        ]
        .contains(&sym)
    }
}

/// What the evaluator does next.
#[derive(Trace, Clone, Copy, Debug)]
pub enum Reg<'gc> {
    /// Evaluate the expression in the environment.
    Eval(Value<'gc>, Env<'gc>),
    /// Deliver the value to the innermost continuation.
    Return(Value<'gc>),
}

/// What to do with a value once it is computed.
#[derive(Trace, Clone, Copy, Debug)]
pub enum Kont<'gc> {
    /// The test of an `if`: the branches `(then [else])` follow.
    If(Value<'gc>),
    /// A body expression: the rest of the body (non-empty) follows.
    Seq(Value<'gc>),
    /// An operand of a call: push it on the argument stack, whose part of
    /// this call starts at `base`, and evaluate the operands in `rest`.
    Args {
        /// The operands still to evaluate.
        rest: Value<'gc>,
        /// Where the call's procedure is on the argument stack.
        base: u32,
    },
    /// The value of `(define sym ...)`.
    Define(Sym),
    /// The value of `(set! sym ...)`.
    Set(Sym),
    /// An initialiser of the `let` form `form`, the specs in `rest` follow.
    Let {
        /// The whole `let` form.
        form: Value<'gc>,
        /// The `(var init)` specs still to evaluate.
        rest: Value<'gc>,
        /// Where the form's values start on the argument stack.
        base: u32,
    },
    /// The test of the first of these `cond` clauses.
    Cond(Value<'gc>),
    /// An operand of `and` (`true`) or `or`: the rest (non-empty) follows.
    AndOr(Value<'gc>, bool),
}

/// A continuation: what to do with a value, in which environment, and in
/// which procedure (for stack traces).
#[derive(Trace, Clone, Copy, Debug)]
pub struct Cont<'gc> {
    /// What to do.
    pub kont: Kont<'gc>,
    /// The environment to do it in.
    pub env: Env<'gc>,
    /// The procedure that pushed it.
    pub name: Option<Sym>,
}

/// The evaluator's state in the heap, rooted for the whole program.
#[derive(Trace)]
pub struct State<'gc> {
    /// The global variables.
    pub globals: RefLock<GcMap<'gc, Sym, Value<'gc>>>,
    /// Continuations, innermost last.
    pub stack: RefLock<GcVec<'gc, Cont<'gc>>>,
    /// Evaluated operands of the calls and `let`s in progress.
    pub values: RefLock<GcVec<'gc, Value<'gc>>>,
    /// What to do next.
    pub reg: Lock<Reg<'gc>>,
    /// The procedure running now.
    pub name: Lock<Option<Sym>>,
}

impl<'gc> State<'gc> {
    /// An idle evaluator with the builtins defined.
    fn new<C: Collector>(m: &Mutation<'_, 'gc, C>, symbols: &mut Symbols) -> Result<Self> {
        let mut globals = GcMap::new(m);
        for &builtin in Builtin::ALL {
            globals.try_insert(m, symbols.intern(builtin.name()), Value::Builtin(builtin))?;
        }
        Ok(State {
            globals: RefLock::new(globals),
            stack: RefLock::new(GcVec::new(m)),
            values: RefLock::new(GcVec::new(m)),
            reg: Lock::new(Reg::Return(Value::Unspecified)),
            name: Lock::new(None),
        })
    }
}

/// Where `read` without a port reads from.
#[derive(Debug, Clone, Default)]
pub enum Input {
    /// Nothing: `read` returns the end-of-file object.
    #[default]
    Empty,
    /// This text.
    Text(std::sync::Arc<str>),
    /// The process's standard input, read whole at the first `read`.
    Stdin,
}

/// Interpreter state outside the heap; `'o` borrows the output.
pub struct Machine<'o> {
    pub(crate) symbols: Symbols,
    pub(crate) keywords: Keywords,
    /// How many continuations may be pending before a stack overflow.
    pub(crate) max_depth: usize,
    /// Steps per mutation region.
    fuel: usize,
    /// The most continuations that were pending at once.
    pub(crate) peak_depth: usize,
    pub(crate) out: &'o mut dyn Write,
    /// Where standard input comes from.
    input: Input,
    /// Standard input's text, once loaded.
    pub(crate) stdin: Vec<char>,
    /// `true` once `stdin` is loaded.
    stdin_loaded: bool,
    /// The read position in `stdin`.
    pub(crate) stdin_pos: usize,
    /// When the machine started (`current-jiffy` counts from it).
    pub(crate) started: std::time::Instant,
    /// `(gc-stats)` was called: the region ends and the statistics are
    /// printed between regions (a region cannot see them).
    pub(crate) stats_wanted: bool,
}

impl<'o> Machine<'o> {
    /// A machine running regions of `fuel` steps.
    pub fn new(
        symbols: Symbols,
        keywords: Keywords,
        max_depth: usize,
        fuel: usize,
        out: &'o mut dyn Write,
    ) -> Self {
        Machine {
            symbols,
            keywords,
            max_depth,
            fuel: fuel.max(1),
            peak_depth: 0,
            out,
            input: Input::Empty,
            stdin: Vec::new(),
            stdin_loaded: false,
            stdin_pos: 0,
            started: std::time::Instant::now(),
            stats_wanted: false,
        }
    }

    /// Sets where `read` reads standard input from.
    pub fn with_input(mut self, input: Input) -> Self {
        self.input = input;
        self
    }

    /// Loads standard input's text on first use.
    pub fn load_stdin(&mut self) -> Result<()> {
        if self.stdin_loaded {
            return Ok(());
        }
        self.stdin_loaded = true;
        let text = match &self.input {
            Input::Empty => String::new(),
            Input::Text(text) => text.to_string(),
            Input::Stdin => {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
                text
            }
        };
        self.stdin = text.chars().collect();
        Ok(())
    }

    /// Allocates the evaluator's state and roots it in `s`.
    pub fn start<'s, C: Collector>(
        &mut self,
        s: &mut Scope<'s, C>,
    ) -> Result<Root<'s, State<'static>>> {
        s.mutate(|m| {
            let state = State::new(m, &mut self.symbols)?;
            Ok(m.root(super::data::alloc(m, state)?))
        })
    }

    /// Runs one top-level form to completion, in regions of `fuel` steps.
    pub fn run_form<C: Collector>(
        &mut self,
        s: &mut Scope<'_, C>,
        state: Root<'_, State<'static>>,
        form: &Datum,
    ) -> Result<()> {
        let form = expand(form, &mut self.symbols)?;
        s.mutate(|m| {
            let expr = build(m, &form)?;
            let state = m.write(m.get(state));
            state.project(|s| &s.reg).set(Reg::Eval(expr, None));
            // An error may have left the stacks of an earlier form.
            state.project(|s| &s.stack).borrow_mut().clear();
            state.project(|s| &s.values).borrow_mut().clear();
            Ok::<(), LispError>(())
        })?;
        let fuel = self.fuel;
        loop {
            let finished =
                s.mutate(|m| super::eval::Eval::load(m, self, m.get(state)).run(fuel))?;
            if self.stats_wanted {
                self.stats_wanted = false;
                write!(self.out, "{}", s.stats())?;
            }
            if finished {
                return Ok(());
            }
        }
    }

    /// The value the last form returned, as `write` shows it; `None` if it
    /// has no useful value.
    pub fn last_value<C: Collector>(
        &self,
        s: &mut Scope<'_, C>,
        state: Root<'_, State<'static>>,
    ) -> Option<String> {
        s.mutate(|m| match m.get(state).reg.get() {
            Reg::Return(Value::Unspecified) | Reg::Eval(..) => None,
            Reg::Return(value) => Some(super::print::print(&self.symbols, value, usize::MAX, true)),
        })
    }

    /// The stack-overflow error for `stack`, naming its innermost procedures.
    pub fn overflow(&self, stack: &[Cont<'_>]) -> LispError {
        let frames = stack.iter().rev().filter_map(|cont| cont.name);
        LispError::StackOverflow {
            limit: self.max_depth,
            frames: frames
                .take(SHOWN_FRAMES)
                .map(|sym| self.symbols.name(sym).to_owned())
                .collect(),
        }
    }

    /// The error for reading or setting an undefined variable.
    pub fn unbound(&self, sym: Sym) -> LispError {
        LispError::Unbound(self.symbols.name(sym).to_owned())
    }
}

/// The binding of `sym` in the frames of `env`, innermost first.
pub fn locate<'gc>(env: Env<'gc>, sym: Sym) -> Option<Gc<'gc, Binding<'gc>>> {
    let mut frame = env;
    while let Some(f) = frame {
        if let Some(binding) = locate_in_frame(f.vars.get(), sym) {
            return Some(binding);
        }
        frame = f.parent;
    }
    None
}

/// The binding of `sym` in the binding list starting at `vars`.
pub fn locate_in_frame<'gc>(
    vars: Option<Gc<'gc, Binding<'gc>>>,
    sym: Sym,
) -> Option<Gc<'gc, Binding<'gc>>> {
    let mut binding = vars;
    while let Some(b) = binding {
        if b.sym == sym {
            return Some(b);
        }
        binding = b.next;
    }
    None
}
