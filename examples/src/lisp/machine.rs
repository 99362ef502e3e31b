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

use super::code::{compile, Globals, Node};
use super::error::{LispError, SHOWN_FRAMES};
use super::expand::expand;
use super::inspect::{why_alive, write_heap_snapshot};
use super::parse::Datum;
use super::value::{Builtin, Env, Global, Sym, Symbols, Value};
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
}

/// What the evaluator does next.
#[derive(Trace, Clone, Copy, Debug)]
pub enum Reg<'gc> {
    /// Evaluate the code in the environment.
    Eval(Gc<'gc, Node<'gc>>, Env<'gc>),
    /// Deliver the value to the innermost continuation.
    Return(Value<'gc>),
}

/// A continuation: the node waiting for a value and where it is in its
/// work, in which environment, and in which procedure (for stack traces).
///
/// `node` says what to do with the value: the test of an `If` picks a
/// branch; a `Seq`, `And` or `Or` goes on from operand `index`; a `Call`,
/// `Prim` or `Let` pushes the value on the argument stack (its part
/// starting at `base`) and evaluates from operand `index`; a `SetLocal`,
/// `SetGlobal` or `DefineGlobal` stores it.
#[derive(Trace, Clone, Copy, Debug)]
pub struct Cont<'gc> {
    /// The node waiting for the value.
    pub node: Gc<'gc, Node<'gc>>,
    /// The environment to go on in.
    pub env: Env<'gc>,
    /// The operand to evaluate next.
    pub index: u32,
    /// Where the node's values start on the argument stack.
    pub base: u32,
    /// The procedure that pushed it.
    pub name: Option<Sym>,
}

/// The evaluator's state in the heap, rooted for the whole program.
#[derive(Trace)]
pub struct State<'gc> {
    /// The global variables' cells, by name.
    pub globals: RefLock<Globals<'gc>>,
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
            let sym = symbols.intern(builtin.name());
            let value = Lock::new(Some(Value::Builtin(builtin)));
            globals.try_insert(m, sym, super::data::alloc(m, Global { sym, value })?)?;
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

/// Work a builtin asks the machine to do between regions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `(gc)`: a full collection.
    Collect,
    /// `(gc-stats)`: print the heap's statistics.
    Stats,
    /// `(heap-snapshot file)`: write a DevTools `.heapsnapshot` there.
    HeapSnapshot(String),
    /// `(why-alive x)`: print what retains the value the call returned
    /// (its argument), not counting the evaluator's register that holds it.
    WhyAlive,
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
    /// What a builtin asked for that only runs between regions (a region
    /// cannot see the statistics nor walk the heap): the region ends after
    /// the builtin's step, and [`Machine::run_form`] does it.
    pub(crate) request: Option<Request>,
    /// `true` once a global that held a builtin was set or defined again:
    /// [`Node::Prim`] calls then check their operators before running.
    pub(crate) builtins_redefined: bool,
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
            request: None,
            builtins_redefined: false,
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
            let state = m.write(m.get(state));
            let globals = state.project(|s| &s.globals).borrow_mut();
            let code = compile(m, &self.symbols, self.keywords, globals, &form)?;
            state.project(|s| &s.reg).set(Reg::Eval(code, Env::Globals));
            // An error may have left the stacks of an earlier form.
            state.project(|s| &s.stack).borrow_mut().clear();
            state.project(|s| &s.values).borrow_mut().clear();
            Ok::<(), LispError>(())
        })?;
        let fuel = self.fuel;
        loop {
            let finished =
                s.mutate(|m| super::eval::Eval::load(m, self, m.get(state)).run(fuel))?;
            match self.request.take() {
                None => {}
                Some(Request::Collect) => s.collect(),
                Some(Request::Stats) => write!(self.out, "{}", s.stats())?,
                Some(Request::HeapSnapshot(path)) => write_heap_snapshot(s, &path)?,
                Some(Request::WhyAlive) => {
                    let path = why_alive(s, state, &self.symbols)?;
                    writeln!(self.out, "why-alive: {path}")?;
                }
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
