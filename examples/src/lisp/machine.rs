//! [`Machine`]: the interpreter's state outside the heap (symbols, the call
//! stack of procedure names, the output) plus its roots in the outermost
//! scope (constants and the global variables), and variable lookup.
//!
//! Global variables live in a table of shadow-stack roots indexed by symbol,
//! one per symbol of the program, each re-pointed with `Scope::assign` by
//! `define`/`set!`; local variables live in heap [`Frame`]s.

use super::data::{alloc, bind};
use super::error::{LispError, SHOWN_FRAMES};
use super::value::{Binding, Builtin, Frame, Sym, Symbols, Value};
use gc_core::{Collector, Root, Scope};
use std::io::Write;

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

    fn contains(&self, sym: Sym) -> bool {
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

/// Interpreter state. `'g` is the brand of the outermost scope, which holds
/// the constants and globals; `'o` borrows the output.
pub struct Machine<'g, 'o> {
    pub(crate) symbols: Symbols,
    pub(crate) keywords: Keywords,
    /// `()`.
    pub(crate) nil: Root<'g, Value>,
    truth: Root<'g, Value>,
    falsity: Root<'g, Value>,
    pub(crate) unspecified: Root<'g, Value>,
    unbound: Root<'g, Value>,
    /// One root per symbol: its global value, or `unbound`.
    globals: Vec<Root<'g, Value>>,
    /// The empty frame that ends every environment chain.
    pub(crate) global_frame: Root<'g, Frame>,
    /// One entry per active `eval`: the procedure it is running, if any.
    calls: Vec<Option<Sym>>,
    max_depth: usize,
    /// The highest shadow-stack slot an `eval` has started at.
    peak_slot: usize,
    pub(crate) out: &'o mut dyn Write,
}

impl<'g, 'o> Machine<'g, 'o> {
    /// Allocates the constants, the global frame and the builtins in `s`.
    pub fn new<C: Collector>(
        s: &mut Scope<'g, C>,
        symbols: Symbols,
        keywords: Keywords,
        max_depth: usize,
        out: &'o mut dyn Write,
    ) -> Result<Self, LispError> {
        let unbound = alloc(s, Value::Unbound)?;
        let mut machine = Machine {
            nil: alloc(s, Value::Nil)?,
            truth: alloc(s, Value::Bool(true))?,
            falsity: alloc(s, Value::Bool(false))?,
            unspecified: alloc(s, Value::Unspecified)?,
            global_frame: alloc(s, Frame::default())?,
            globals: (0..symbols.len()).map(|_| s.root(unbound)).collect(),
            unbound,
            symbols,
            keywords,
            calls: Vec::new(),
            max_depth,
            peak_slot: 0,
            out,
        };
        for &builtin in Builtin::ALL {
            let value = alloc(s, Value::Builtin(builtin))?;
            let sym = machine.symbols.intern(builtin.name());
            s.assign(machine.globals[sym as usize], value);
        }
        Ok(machine)
    }

    /// The constant `#t` or `#f`.
    pub fn boolean(&self, value: bool) -> Root<'g, Value> {
        if value {
            self.truth
        } else {
            self.falsity
        }
    }

    /// `true` if `sym` names a special form.
    pub fn is_keyword(&self, sym: Sym) -> bool {
        self.keywords.contains(sym)
    }

    /// Enters one level of evaluation, whose first shadow-stack slot is
    /// `slot`, or fails with a stack overflow.
    pub fn push_call(&mut self, slot: usize) -> Result<(), LispError> {
        self.peak_slot = self.peak_slot.max(slot);
        if self.calls.len() >= self.max_depth {
            let frames = self.calls.iter().rev().flatten().take(SHOWN_FRAMES);
            return Err(LispError::StackOverflow {
                limit: self.max_depth,
                frames: frames
                    .map(|&sym| self.symbols.name(sym).to_owned())
                    .collect(),
            });
        }
        self.calls.push(None);
        Ok(())
    }

    /// The highest shadow-stack slot any evaluation started at: how deep
    /// the shadow stack grew (it stays flat in a tail-recursive loop).
    pub fn peak_slot(&self) -> usize {
        self.peak_slot
    }

    /// Leaves the innermost level of evaluation.
    pub fn pop_call(&mut self) {
        self.calls.pop();
    }

    /// Records that the innermost evaluation now runs the procedure `name`
    /// (a tail call replaces the previous one).
    pub fn enter_procedure(&mut self, name: Sym) {
        if let Some(top) = self.calls.last_mut() {
            *top = Some(name);
        }
    }

    /// The value of variable `sym` in `env`: one slot for a global, two
    /// for a local in the innermost frame (the search itself borrows
    /// through `Gc::get` and costs none).
    pub fn lookup<'s, C: Collector>(
        &self,
        s: &Scope<'s, C>,
        env: Root<'_, Frame>,
        sym: Sym,
    ) -> Result<Root<'s, Value>, LispError> {
        match locate(s.get(env), sym) {
            Some(place) => {
                let binding = binding_at(s, env, place);
                Ok(s.load(binding, |b| &b.value)
                    .expect("bindings are set when linked"))
            }
            None => Ok(s.root(self.global(s, sym)?)),
        }
    }

    /// `(define sym value)` in `env`.
    pub fn define<C: Collector>(
        &self,
        s: &mut Scope<'_, C>,
        env: Root<'_, Frame>,
        sym: Sym,
        value: Root<'_, Value>,
    ) -> Result<(), LispError> {
        if s.ptr_eq(env, self.global_frame) {
            s.assign(self.globals[sym as usize], value);
            return Ok(());
        }
        match locate_in_frame(s.get(env), sym) {
            Some(index) => {
                let binding = binding_at(s, env, Place { hops: 0, index });
                s.set(binding, |b| &b.value, value);
            }
            None => bind(s, env, sym, value)?,
        }
        Ok(())
    }

    /// `(set! sym value)` in `env`.
    pub fn set_variable<C: Collector>(
        &self,
        s: &Scope<'_, C>,
        env: Root<'_, Frame>,
        sym: Sym,
        value: Root<'_, Value>,
    ) -> Result<(), LispError> {
        match locate(s.get(env), sym) {
            Some(place) => s.set(binding_at(s, env, place), |b| &b.value, value),
            None => s.assign(self.global(s, sym)?, value),
        }
        Ok(())
    }

    /// The root holding global `sym`, if it is defined.
    fn global<C: Collector>(
        &self,
        s: &Scope<'_, C>,
        sym: Sym,
    ) -> Result<Root<'g, Value>, LispError> {
        match self.globals.get(sym as usize) {
            Some(&root) if !s.ptr_eq(root, self.unbound) => Ok(root),
            _ => Err(LispError::Unbound(self.symbols.name(sym).to_owned())),
        }
    }
}

/// Where a local variable lives: `hops` frames out from the environment,
/// `index` bindings down that frame's list.
#[derive(Clone, Copy)]
struct Place {
    hops: usize,
    index: usize,
}

/// The innermost binding of `sym` in the local frames starting at `frame`,
/// found by borrowing (no slots).
fn locate(frame: &Frame, sym: Sym) -> Option<Place> {
    let mut frame = frame;
    for hops in 0.. {
        if let Some(index) = locate_in_frame(frame, sym) {
            return Some(Place { hops, index });
        }
        frame = frame.parent.get()?;
    }
    unreachable!("the loop returns")
}

/// The position of `sym`'s binding in `frame` itself.
fn locate_in_frame(frame: &Frame, sym: Sym) -> Option<usize> {
    let mut binding = frame.head.get()?;
    let mut index = 0;
    while binding.sym != sym {
        binding = binding.next.get()?;
        index += 1;
    }
    Some(index)
}

/// Roots the binding at `place` (found by [`locate`] on `env`): one slot
/// per field on the path, since `Scope::load` is the only way from a
/// borrowed field to a root. Nothing allocates between `locate` and this
/// walk, so the path is still there.
fn binding_at<'s, C: Collector>(
    s: &Scope<'s, C>,
    env: Root<'_, Frame>,
    place: Place,
) -> Root<'s, Binding> {
    const SET: &str = "located by the borrowing walk";
    let head = if place.hops == 0 {
        s.load(env, |f| &f.head)
    } else {
        let frame = s.load(env, |f| &f.parent).expect(SET);
        for _ in 1..place.hops {
            s.assign(frame, s.load(frame, |f| &f.parent).expect(SET));
        }
        s.load(frame, |f| &f.head)
    };
    let binding = head.expect(SET);
    for _ in 0..place.index {
        s.assign(binding, s.load(binding, |b| &b.next).expect(SET));
    }
    binding
}
