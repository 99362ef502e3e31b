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
//! - **Reading** an enum's field is a projection (`s.load(pair, Value::car)`);
//!   **writing** one is `s.set` from a root, so a freshly allocated pair is
//!   built null and filled in afterwards (see `data::cons`).
//! - **Slots**: each `eval` opens a scope for its loop state and each step a
//!   nested one, so a million-iteration loop uses a constant number of
//!   shadow-stack slots; results go into a caller's slot with `Scope::assign`.
//! - **Tail calls** re-point the loop's roots instead of recursing
//!   (see the `eval` module); non-tail recursion is bounded by [`Options::max_depth`] and
//!   runs on a thread whose stack is sized for that depth, so running out
//!   is a [`LispError::StackOverflow`] naming the innermost procedures.
//! - **Errors** are values: `try_alloc` turns a full heap into
//!   [`LispError::OutOfMemory`].
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
        Ok((result, stats)) => Outcome {
            result,
            stats: Some(stats),
        },
        Err(error) => Outcome {
            result: Err(error.into()),
            stats: None,
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
    type Output = (Result<(), LispError>, GcStats);

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let Runner {
            symbols,
            keywords,
            forms,
            max_depth,
            out,
        } = self;
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
            result.and(flushed.map_err(LispError::from))
        });
        (result, heap.stats())
    }
}
