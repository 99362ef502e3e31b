//! A small Scheme whose every value lives on the collected heap, written
//! once and run on any backend.
//!
//! The interpreter is the API's stress test: an evaluator holds values only
//! through [`Root`](gc_core::Root)s, every allocation can collect (and, on a
//! moving backend, move everything), and environments and closures form
//! cycles. How the code stays within the rules:
//!
//! - **Values** are [`Value`] objects; environments are heap [`Frame`]s of
//!   [`Binding`]s; global variables are roots in the outermost scope.
//! - **Writing** an enum's field is `s.set` from a root through a projection
//!   (`s.set(pair, Value::car, x)`), so a freshly allocated pair is built
//!   null and filled in afterwards (see `data::cons`).
//! - **Slots**: each `eval` opens a scope for its loop state and each step a
//!   nested one, so a million-iteration loop uses a constant number of
//!   shadow-stack slots (the `loops_keep_the_shadow_stack_flat` test checks
//!   [`Outcome::peak_slot`]); results go into a caller's slot with
//!   `Scope::assign`.
//! - **Tail calls** re-point the loop's roots instead of recursing
//!   (see the `eval` module); non-tail recursion is bounded by [`Options::max_depth`] and
//!   runs on a thread whose stack is sized for that depth, so running out
//!   is a [`LispError::StackOverflow`] naming the innermost procedures.
//! - **Errors** are values: `try_alloc` turns a full heap into
//!   [`LispError::OutOfMemory`].
//!
//! # Rooting idioms
//!
//! - **`get` to read, `load` to keep.** Code that only *reads* borrows:
//!   `s.get(root)` and then [`Gc::get`](gc_core::Gc::get) down the fields
//!   (`data::pair_of`, `data::elements`, `data::list_length`). This costs no
//!   shadow-stack slot, and the borrow checker ends the borrow before the
//!   next allocation. Variable lookup walks frames and bindings this way,
//!   as do printing, `length`, the shape checks of special forms, parameter
//!   lists, and the operands of a call when they are variables. Use
//!   `s.load(obj, field)` (one slot) only for a value that must survive an
//!   allocation: a sub-expression about to be evaluated, a value to return,
//!   or an object to `set` into. Because `load` is the only way from a
//!   borrowed field to a root, a lookup finds its variable by borrowing
//!   first and then roots just the path to it (`machine::binding_at`).
//! - **`assign` to move a cursor or deliver a result.** `s.assign(root, v)`
//!   re-points an existing slot: the evaluator's `expr`/`env` on a tail
//!   call, a caller's `dest`, a list cursor. A `load` feeding the `assign`
//!   still pushes a slot, so a loop that walks with `load` also needs a
//!   scope per iteration (or a bound on its length, like the code of one form).
//! - **A scope per unbounded loop, and nothing more.** `eval` opens one scope
//!   per step. Inside a step, slots are bounded by the size of the form
//!   being run, so `begin` bodies, operands and `display` need no scopes of
//!   their own.
//! - **`scope_escaping`** returns one root from a nested scope into the
//!   enclosing one (V8's `EscapableHandleScope`). It can't carry a
//!   `Result`, so fallible helpers here return roots in the caller's scope
//!   instead and rely on the caller's step scope to bound them
//!   (`try_scope_escaping`, added since, can).
//!
//! # What the interpreter taught gc-core
//!
//! API changes this interpreter prompted:
//!
//! - **`Gc::get` (added).** Read-only walks (lookup, printing, list
//!   checks) used to root every field they passed through. Borrowing a field's
//!   target is sound because a `&Gc` can only come from a `Scope::get`
//!   borrow, which freezes collection.
//! - **Config trigger capping and `MIN_CAPACITY` = 1 MiB (done).** A heap
//!   capped below the default first-collection trigger now moves the
//!   trigger below the cap, and 1 MiB is the smallest cap that gives every size
//!   class a block (`churn.scm` and the out-of-memory test run in 1 MiB).
//! - **Escaping `Result` roots (done).** `scope_escaping` takes a closure
//!   returning `Root`. Evaluation is fallible, so it can't use it.
//!   `try_scope_escaping` returns `Result<Root<'s, T>, E>` (added for the
//!   children-first tree builder); the helpers here do not use it yet.
//! - **Vector element stores cost a trace (open).** `s.set(v, |v|
//!   v.element(i), x)` returns a `Gc` inside the `Vec`, outside the object's
//!   payload, so the scope checks it by tracing the whole vector:
//!   `vector-set!` is O(length). An indexed projection (or a check against
//!   the `Vec`'s buffer bounds) would make it O(1).
//! - **`set_with` (open).** `load_with` takes a projection returning
//!   `Option<&Gc>` (for an enum's variants), but `set` has no such form, so
//!   [`Value::car`] and friends panic on the wrong variant instead of
//!   returning `None`.
//! - **Persistent roots (open).** Globals and constants are roots in the
//!   outermost scope, one per symbol, kept in a `Vec` for the program's
//!   life. A persistent-root table (added and removed in any order,
//!   not tied to a scope) would fit globals, and a REPL, better.
//!
//! ```
//! use examples::lisp::{run, Options};
//! let mut out = Vec::new();
//! let outcome = run("(define (sq x) (* x x)) (display (sq 12))", &Options::default(), &mut out);
//! assert!(outcome.result.is_ok());
//! assert_eq!(out, b"144");
//! ```

mod builtins;
mod data;
mod error;
mod eval;
mod machine;
pub mod parse;
mod print;
mod value;

pub use error::{LispError, SHOWN_FRAMES};
pub use value::{Binding, Builtin, Frame, Sym, Symbols, Value};

use machine::{Keywords, Machine};

use crate::{Backend, Program};
use gc_core::{Collector, GcStats, Heap, HeapConfig};
use std::io::Write;

/// Default limit on nested (non-tail) evaluations.
pub const DEFAULT_MAX_DEPTH: usize = 50_000;

/// Evaluator thread stack reserved per level of [`Options::max_depth`]
/// (measured in a debug build: 4 to 12 KiB per level depending on the form
/// that recurses, `let` being the largest; release builds need less).
const STACK_PER_LEVEL: usize = 32 << 10;

/// How to run a program.
#[derive(Debug, Clone)]
pub struct Options {
    /// The collector.
    pub backend: Backend,
    /// The heap's size, trigger and stress mode.
    pub config: HeapConfig,
    /// How deep non-tail calls may nest before a stack-overflow error.
    pub max_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backend: Backend::MarkSweep,
            config: HeapConfig::default(),
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

impl Options {
    /// Caps the heap at `bytes`, moving the first collection's trigger below
    /// the cap if the default one lies above it.
    pub fn with_capacity(mut self, bytes: usize) -> Options {
        self.config.capacity = bytes;
        self.config.initial_trigger = self.config.initial_trigger.min(bytes / 2).max(1);
        self
    }
}

/// What running a program produced.
#[derive(Debug)]
pub struct Outcome {
    /// `Ok` if every top-level form ran.
    pub result: Result<(), LispError>,
    /// The heap's statistics at exit (`None` if no heap was built).
    pub stats: Option<GcStats>,
    /// The highest shadow-stack slot an evaluation started at (0 if none
    /// ran): grows with non-tail recursion, stays flat in loops.
    pub peak_slot: usize,
}

/// Parses and runs `source`, writing what it displays to `out`.
///
/// Reading and evaluation run on their own thread (the heap is built there),
/// with a stack big enough for `options.max_depth` nested calls.
pub fn run(source: &str, options: &Options, out: &mut (dyn Write + Send)) -> Outcome {
    let stack = options
        .max_depth
        .saturating_mul(STACK_PER_LEVEL)
        .saturating_add(8 << 20);
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("lisp-eval".into())
            .stack_size(stack)
            .spawn_scoped(scope, || run_here(source, options, out));
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(error) => {
                let message = format!("cannot start the evaluator thread: {error}");
                Outcome {
                    result: Err(LispError::Runtime(message)),
                    stats: None,
                    peak_slot: 0,
                }
            }
        }
    })
}

/// [`run`] on the current thread.
fn run_here(source: &str, options: &Options, out: &mut (dyn Write + Send)) -> Outcome {
    let mut symbols = Symbols::default();
    let keywords = Keywords::new(&mut symbols);
    let forms = match parse::parse(source, &mut symbols) {
        Ok(forms) => forms,
        Err(error) => {
            return Outcome {
                result: Err(error),
                stats: None,
                peak_slot: 0,
            }
        }
    };
    let runner = Runner {
        symbols,
        keywords,
        forms,
        max_depth: options.max_depth,
        out,
    };
    match options.backend.run(options.config.clone(), runner) {
        Ok((result, stats, peak_slot)) => Outcome {
            result,
            stats: Some(stats),
            peak_slot,
        },
        Err(error) => Outcome {
            result: Err(error.into()),
            stats: None,
            peak_slot: 0,
        },
    }
}

/// A parsed program, ready to run on any backend.
struct Runner<'o> {
    symbols: Symbols,
    keywords: Keywords,
    forms: Vec<parse::Datum>,
    max_depth: usize,
    out: &'o mut dyn Write,
}

impl Program for Runner<'_> {
    type Output = (Result<(), LispError>, GcStats, usize);

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let Runner {
            symbols,
            keywords,
            forms,
            max_depth,
            out,
        } = self;
        let mut peak_slot = 0;
        let result = heap.scope("lisp", |s| {
            let mut m = Machine::new(s, symbols, keywords, max_depth, out)?;
            let global = m.global_frame;
            let result = forms.iter().try_for_each(|form| {
                s.scope("toplevel", |t| {
                    let expr = data::build(t, &m, form)?;
                    eval::eval(t, &mut m, expr, global).map(drop)
                })
            });
            let flushed = m.out.flush();
            peak_slot = m.peak_slot();
            result.and(flushed.map_err(LispError::from))
        });
        (result, heap.stats(), peak_slot)
    }
}
