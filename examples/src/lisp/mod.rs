//! A small Scheme on gc-core's object model, written once and run on any
//! backend.
//!
//! The interpreter is the object model's stress test: values change shape
//! in heap slots, vectors grow, hash tables key objects by identity while
//! the copying backend moves them, environments and closures form cycles,
//! and a long computation must leave its mutation region regularly so the
//! collector can run. How the code does it:
//!
//! - **Values** are a `Copy` enum, [`Value`]: integers, booleans and
//!   symbols inline (unboxed), strings, pairs, vectors, hash tables and
//!   closures as [`Gc`](gc_core::model::Gc) pointers. A pair's fields are
//!   `Lock<Value>`s, so `set-car!` rewrites a slot to any variant in one
//!   store. Vectors are `RefLock<GcVec<Value>>` (O(1) `vector-set!`,
//!   `vector-push!` grows them), hash tables `GcMap`s (see `table`).
//! - **Code lives in the heap too.** Each top-level form is expanded
//!   (`expand`), then compiled (`code`) into a tree of [`Node`]s allocated
//!   on the collector: variables are resolved once, locals to (depth,
//!   slot) addresses in a chain of frames sized for their variables
//!   ([`Env`]), globals to [`Global`] cells; a `lambda` becomes a
//!   [`Lambda`] that knows its frame's size. Closures, continuations and
//!   the registers point at nodes, so code is traced, moved and freed
//!   like any other object, and the quoted constants it holds with it.
//! - **The evaluator's state lives in the heap**: registers, an explicit
//!   continuation stack and an argument stack (both `GcVec`s), and the
//!   global variables (a `GcMap` keyed by symbol) are fields of one
//!   `State` object, rooted once for the whole program.
//! - **Bounded regions.** Evaluation runs in mutation regions of at most
//!   [`Options::fuel`] steps, ending early at the step that makes a
//!   collection due (`Mutation::collection_due`): nothing collects inside
//!   a region, so the evaluator leaves it with its state stored back, and
//!   the collection runs there. In stress mode every allocating step ends
//!   its region with a collection (and, on the copying backend, a move).
//! - **No Rust recursion per Scheme call.** Non-tail evaluation pushes a
//!   continuation, tail calls replace the registers (constant space), and
//!   [`Options::max_depth`] bounds the continuation stack: running out is a
//!   [`LispError::StackOverflow`] naming the innermost procedures.
//! - **Errors** are values: every allocation and container growth is a
//!   `try_` call, so a full heap (vector buffers included, since they are
//!   charged to it) is [`LispError::OutOfMemory`].
//!
//! # The language
//!
//! Enough of R7RS-small that the r7rs-benchmarks suite runs unmodified
//! (`examples/lisp/r7rs/`, checked against Guile 3.0 by `tests/r7rs.rs`):
//!
//! - **Syntax.** The compiler knows `quote`, `if`, `define`, `set!`,
//!   `lambda`, `let` (and named `let`), `cond`, `begin`, `and`, `or`; the
//!   expander (`expand`) rewrites the derived forms into them (`let*`,
//!   `letrec`, `do`, `case`, `when`, `unless`, `cond =>`, quasiquote,
//!   `define-record-type`, `delay`, `case-lambda`). No `define-syntax`,
//!   and no hygiene (see *What is missing* below).
//! - **Numbers.** 64-bit integers unboxed, bignums (`num-bigint`) beyond,
//!   doubles unboxed. No exact rationals: `/` of integers that do not
//!   divide gives a float (`(/ 1 3)` is `0.3333333333333333` where Guile
//!   says `1/3`), and `exact` of a non-integral float is an error.
//! - **Continuations.** `call/cc` captures *full, re-entrant*
//!   continuations by copying the evaluator's continuation stack and
//!   argument stack (both `GcVec`s of `Copy` values) into a
//!   [`Continuation`] object; calling it copies them back. The explicit
//!   stack made that the simplest correct choice: a capture costs
//!   O(depth), which the suite's `ctak` (a capture per call at shallow
//!   depth) and escapes from deep recursion both afford, and generators
//!   that re-enter work as in Guile. One-shot or segmented stacks would
//!   make deep captures cheaper. `dynamic-wind` lives in the prelude (a
//!   wind list that `call/cc`'s escape procedure unwinds and rewinds).
//! - **The prelude** (`prelude.scm`, run before every program, on the heap
//!   like everything else) has the procedures that call procedures
//!   (`map`, `for-each`, `call-with-values`, `dynamic-wind`, `force`, ...);
//!   the rest are builtins in Rust (`builtins/`).
//! - **Ports**: the program's output, string ports, files (read whole;
//!   written at close), and `read` from standard input ([`Options::input`]).
//! - **Looking at the heap** (`inspect`): `(why-alive x)` prints the
//!   shortest path from a root to `x` (`global keep → cdr → pair`, then
//!   as gc-core shows it), not counting the call itself;
//!   `(heap-snapshot "file")` and [`Options::heap_snapshot`] (the
//!   binary's `--heap-snapshot FILE`, at the end of a program) write a
//!   Chrome DevTools `.heapsnapshot` of the heap, through `gc-snapshot`.
//!
//! # Region idioms
//!
//! - **Inside a region, pointers are plain values.** `Gc`s are `Copy` and
//!   dereference for free: a variable read walks frames and indexes,
//!   printing walks lists, `equal?` walks structures, and none of it roots
//!   anything. Holding a `Gc` across an allocation is fine, since nothing
//!   collects until the region ends.
//! - **Between regions, only the heap holds values.** The one root is the
//!   evaluator's `State`; a region starts by opening it for writing (one
//!   barrier per region) and copying its registers into Rust locals, and
//!   ends by storing them back. A value the Rust side must keep across
//!   regions goes into that state, never into a Rust variable (the brand
//!   makes that a compile error).
//! - **Every change goes through `m.write`.** `set-car!`, `set!`,
//!   `define`, `vector-set!`, `hash-table-set!` open the object for
//!   writing first; for vectors and tables that is one barrier and then
//!   ordinary `GcVec`/`GcMap` operations.
//! - **Leave the region when a collection is due.** Allocation past the
//!   budget only marks a collection due; a loop that kept going would pile
//!   up garbage past the trigger, and could fill a small heap (the
//!   copying backend's half-space) before the collector ran. The step
//!   loop checks `m.collection_due()` after every step; `fuel` (10,000
//!   steps by default) bounds the regions that allocate little.
//!
//! # What is missing
//!
//! - **Hygiene and scope in the expander.** `expand` rewrites a form by
//!   the name of its head symbol, before any scope is known, and the
//!   compiler treats `quote`, `if`, `define`, `set!`, `lambda`, `let`,
//!   `cond`, `begin`, `and`, `or` (and `else`) as keywords wherever they
//!   appear. So (1) a local variable named like a derived form or a
//!   keyword (`(let ((do 1) (list 2)) (do ...))`, `(define (f if) (if 1))`)
//!   is taken for the form, not the variable; (2) the code a derived form
//!   expands into calls globals by name (`case` calls `memv` and `eqv?`,
//!   quasiquote `cons`, `append` and `list->vector`, `delay`
//!   `%make-promise`, `define-record-type` the `%record` builtins,
//!   `case-lambda` `length` and `apply`): a program that binds one of
//!   them locally around the form, or redefines it globally, changes what
//!   the form does (`(let ((eqv? (lambda a #f))) (case 1 ((1) 'one) (else
//!   'other)))` is `other` here, `one` in Guile); (3) the temporaries it introduces are fresh symbols no
//!   program can write (`Symbols::fresh`), the one part that is safe; (4)
//!   there are no user-defined macros: `define-syntax`, `let-syntax`,
//!   `letrec-syntax` and `syntax-rules` are a clear error. A hygienic
//!   expander needs the compiler's scopes during expansion (expand and
//!   compile in one pass over syntax objects that carry their scope, as
//!   the sets-of-scopes model does), resolving each identifier to a
//!   binding (a variable, a core form, or a macro) instead of a name, and
//!   `syntax-rules` (pattern matching with ellipses, renaming of the
//!   template's free identifiers to the macro definition's bindings).
//! - **Exact rationals.** Numbers are 64-bit integers, bignums and
//!   doubles only. `/` of integers that do not divide gives a double
//!   (`(/ 1 3)` is `0.3333333333333333`, Guile says `1/3`); `exact` (and
//!   `inexact->exact`) of a non-integral double is an error where Guile
//!   gives a ratio (`(exact 0.5)` is `1/2`); `numerator`, `denominator`
//!   and `rationalize` are not defined; the reader reads the literal
//!   `1/3` as the double `0.3333333333333333`; `exact?` of a quotient
//!   that did not divide is `#f`. The suite's programs do not depend on it (their
//!   divisions divide, or are of doubles); a ratio type would be a
//!   `num-rational` value charged like bignums, with the tower's
//!   contagion rules in `builtins/num.rs`.
//!
//! # What the interpreter taught gc-core
//!
//! - The object model removed the old workarounds: boxed integers (every
//!   `+` allocated), null-then-`set` construction, O(length) vector stores,
//!   one shadow-stack slot per global, and a Rust thread stack sized for
//!   the deepest recursion.
//! - **`Mutation::collection_due` (added).** A stepping loop had no way to
//!   know that allocation had spent the budget, so a fixed-length region
//!   could fill the copying backend's half of a 1 MiB heap (`churn.scm`)
//!   before the collection it had made due could run.
//! - **Objects and charges share the capacity (fixed).** Inside a region a
//!   charge counted only the objects of the last collection, and an object
//!   ignored the charged bytes, so the vector hoard of the tests ended
//!   slightly past its 64 MiB cap; a ceiling (bytes in use plus the
//!   budget, raised by allocation past it) now bounds both.
//! - **A region cannot carry a `Gc` out**, by design: the evaluator's
//!   regions return only `bool`s and errors (which own no `Gc`).
//! - **Bignums charge their digits by hand** ([`Charge`](gc_core::model::Charge)):
//!   a `BigInt` in an object is a leaf the heap does not see (strings are
//!   `GcVec<char>`s now, charged like every model container).
//! - **Statistics are not visible inside a region**: `(gc-stats)` ends the
//!   region early and the machine prints `Scope::stats` between regions;
//!   `(heap-snapshot ...)` and `(why-alive ...)` work the same way, since
//!   `Scope::heap_graph` walks the heap between regions. `(gc)` (Guile's
//!   name) likewise ends the region and runs `Scope::collect`.
//! - **Weak-value hash tables** (`make-weak-value-hash-table`) hold their
//!   heap values by `GcWeak` ([`Table`], [`Slot`]): an entry whose value only the
//!   table named reads as missing after the next collection, identically
//!   on every backend; `hash-table-size`, and insertions once the table has
//!   doubled since its last sweep, drop such entries. The
//!   printed form `#<hash-table N>` counts entries not yet swept.
//! - **A slice allocation built an error every time (reported, not
//!   fixed here).** The profile of the first compiled evaluator, whose
//!   frames were slice objects, showed `GcError::from` at 4%:
//!   `check_slice_size` in gc-core's `model/slice.rs` builds its
//!   `TooLarge` error with an eager `ok_or` (a boxed error allocated and
//!   dropped per slice), and `try_alloc_from_iter` collects into a `Vec`
//!   first. Frames are fixed-size objects now ([`Env`]).
//!
//! ```
//! use examples::lisp::{run, Options};
//! let mut out = Vec::new();
//! let outcome = run("(define (sq x) (* x x)) (display (sq 12))", &Options::default(), &mut out);
//! assert!(outcome.result.is_ok());
//! assert_eq!(out, b"144");
//! ```

mod builtins;
mod code;
mod data;
mod error;
mod eval;
mod expand;
mod inspect;
mod machine;
pub mod parse;
mod print;
mod table;
mod value;

pub use code::{Lambda, Node};
pub use error::{LispError, SHOWN_FRAMES};
pub use machine::Input;
pub use table::{Key, Slot, Table, Test};
pub use value::{
    BigFrame, Builtin, Closure, Continuation, Env, Frame1, Frame2, Frame3, Frame4, Frame6, Frame8,
    Global, Pair, Port, PortKind, Record, Sym, Symbols, Text, Value, Vector,
};

use machine::{Keywords, Machine};

use crate::{Backend, Program};
use gc_core::{Collector, GcStats, Heap, HeapConfig};
use std::io::Write;

/// Default limit on pending continuations (nested non-tail evaluations):
/// ten million, so that a million-deep recursion runs (as in Guile) and the
/// limit, or the heap's capacity, ends a runaway one with a clear error.
pub const DEFAULT_MAX_DEPTH: usize = 10_000_000;

/// Default evaluation steps per mutation region.
pub const DEFAULT_FUEL: usize = 10_000;

/// The reader, the printer and building a form on the heap recurse once
/// per level of list nesting (up to [`parse::MAX_NESTING`]); they run on a
/// thread with this much stack.
const STACK_SIZE: usize = 256 << 20;

/// How to run a program.
#[derive(Debug, Clone)]
pub struct Options {
    /// The collector.
    pub backend: Backend,
    /// The heap's size, trigger and stress mode.
    pub config: HeapConfig,
    /// How many continuations (nested non-tail evaluations) may be
    /// pending before a stack-overflow error.
    pub max_depth: usize,
    /// Evaluation steps per mutation region at most (a region also ends
    /// at the first step that makes a collection due).
    pub fuel: usize,
    /// What `read` reads when given no port.
    pub input: Input,
    /// Where to write a DevTools `.heapsnapshot` of the heap when the
    /// program (or the interactive session, at the end of its input) ends
    /// (`None`: no snapshot).
    pub heap_snapshot: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backend: Backend::MarkSweep,
            config: HeapConfig::default(),
            max_depth: DEFAULT_MAX_DEPTH,
            fuel: DEFAULT_FUEL,
            input: Input::Empty,
            heap_snapshot: None,
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
    /// The most continuations pending at once (0 if none ran): grows with
    /// non-tail recursion, stays flat in loops.
    pub peak_depth: usize,
}

/// Parses and runs `source`, writing what it displays to `out`.
///
/// Reading and evaluation run on their own thread (the heap is built
/// there), whose stack fits the deepest list nesting the reader accepts.
pub fn run(source: &str, options: &Options, out: &mut (dyn Write + Send)) -> Outcome {
    on_eval_thread("lisp-eval", || run_here(source, options, out))
}

/// Runs `session` on its own thread, whose stack fits the deepest list
/// nesting the reader accepts.
fn on_eval_thread(name: &str, session: impl FnOnce() -> Outcome + Send) -> Outcome {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, session);
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(error) => failed(LispError::Runtime(format!(
                "cannot start the evaluator thread: {error}"
            ))),
        }
    })
}

/// The outcome of a program that could not run.
fn failed(error: LispError) -> Outcome {
    Outcome {
        result: Err(error),
        stats: None,
        peak_depth: 0,
    }
}

/// The outcome of running a [`Program`] whose output is (result, stats, peak depth).
fn finished(ran: Result<(Result<(), LispError>, GcStats, usize), gc_core::GcError>) -> Outcome {
    match ran {
        Ok((result, stats, peak_depth)) => Outcome {
            result,
            stats: Some(stats),
            peak_depth,
        },
        Err(error) => failed(error.into()),
    }
}

/// The library written in Scheme, run before every program.
pub const PRELUDE: &str = include_str!("prelude.scm");

/// [`run`] on the current thread.
fn run_here(source: &str, options: &Options, out: &mut (dyn Write + Send)) -> Outcome {
    let mut symbols = Symbols::default();
    let keywords = Keywords::new(&mut symbols);
    let parsed = parse::parse(PRELUDE, &mut symbols)
        .and_then(|prelude| Ok((prelude, parse::parse(source, &mut symbols)?)));
    let (prelude, forms) = match parsed {
        Ok(forms) => forms,
        Err(error) => return failed(error),
    };
    let machine = Machine::new(symbols, keywords, options.max_depth, options.fuel, out)
        .with_input(options.input.clone());
    let runner = Runner {
        machine,
        prelude,
        forms,
        heap_snapshot: options.heap_snapshot.clone(),
    };
    finished(options.backend.run(options.config.clone(), runner))
}

/// Runs an interactive session: `read_line(continued)` gives the next line
/// of input (`continued` when it continues an unfinished form), `None` at
/// the end; each complete form is evaluated and its value written to
/// `out`. Errors are written to `out` and leave the session alive; the
/// definitions stay for the next forms. `(exit)` ends the session.
///
/// ```
/// use examples::lisp::{repl, Options};
/// let mut lines = vec!["(define x 6)", "(* x", " 7)", "(car '())", "x"].into_iter();
/// let mut out = Vec::new();
/// let outcome = repl(&Options::default(), &mut out, |_| lines.next().map(String::from));
/// assert!(outcome.result.is_ok());
/// let out = String::from_utf8(out).unwrap();
/// assert_eq!(out, "42\nerror: car: expected a pair, got ()\n6\n");
/// ```
pub fn repl<R>(options: &Options, out: &mut (dyn Write + Send), read_line: R) -> Outcome
where
    R: FnMut(bool) -> Option<String> + Send,
{
    on_eval_thread("lisp-repl", || {
        let mut symbols = Symbols::default();
        let keywords = Keywords::new(&mut symbols);
        let prelude = match parse::parse(PRELUDE, &mut symbols) {
            Ok(prelude) => prelude,
            Err(error) => return failed(error),
        };
        let machine = Machine::new(symbols, keywords, options.max_depth, options.fuel, out)
            .with_input(options.input.clone());
        let session = Session {
            machine,
            prelude,
            read_line,
            heap_snapshot: options.heap_snapshot.clone(),
        };
        finished(options.backend.run(options.config.clone(), session))
    })
}

/// `true` if `error` says the input ended inside a form (more lines may
/// complete it).
fn incomplete(error: &LispError) -> bool {
    matches!(error, LispError::Parse { message, .. } if [
        "unclosed '('",
        "unterminated string",
        "unterminated #| comment",
        "unexpected end of input",
        "unterminated character",
    ]
    .contains(&message.as_str()))
}

/// An interactive session, ready to run on any backend.
struct Session<'o, R> {
    machine: Machine<'o>,
    prelude: Vec<parse::Datum>,
    read_line: R,
    heap_snapshot: Option<String>,
}

impl<R: FnMut(bool) -> Option<String>> Program for Session<'_, R> {
    type Output = (Result<(), LispError>, GcStats, usize);

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let Session {
            mut machine,
            prelude,
            mut read_line,
            heap_snapshot,
        } = self;
        let result = heap.scope("lisp-repl", |s| {
            let state = machine.start(s)?;
            for form in &prelude {
                machine.run_form(s, state, form)?;
            }
            let mut buffer = String::new();
            while let Some(line) = read_line(!buffer.is_empty()) {
                buffer.push_str(&line);
                buffer.push('\n');
                let forms = match parse::parse(&buffer, &mut machine.symbols) {
                    Err(error) if incomplete(&error) => continue,
                    Err(error) => {
                        writeln!(machine.out, "{error}")?;
                        buffer.clear();
                        continue;
                    }
                    Ok(forms) => forms,
                };
                buffer.clear();
                for form in &forms {
                    match machine.run_form(s, state, form) {
                        Ok(()) => {
                            if let Some(shown) = machine.last_value(s, state) {
                                writeln!(machine.out, "{shown}")?;
                            }
                        }
                        Err(LispError::Exit(0)) => return Ok(()),
                        Err(error @ LispError::Exit(_)) => return Err(error),
                        Err(error) => writeln!(machine.out, "{error}")?,
                    }
                }
                machine.out.flush()?;
            }
            match &heap_snapshot {
                Some(path) => inspect::write_heap_snapshot(s, path),
                None => Ok(()),
            }
        });
        (result, heap.stats(), machine.peak_depth)
    }
}

/// A parsed program, ready to run on any backend.
struct Runner<'o> {
    machine: Machine<'o>,
    prelude: Vec<parse::Datum>,
    forms: Vec<parse::Datum>,
    heap_snapshot: Option<String>,
}

impl Program for Runner<'_> {
    type Output = (Result<(), LispError>, GcStats, usize);

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let Runner {
            mut machine,
            prelude,
            forms,
            heap_snapshot,
        } = self;
        let result = heap.scope("lisp", |s| {
            let state = machine.start(s)?;
            let result = prelude
                .iter()
                .chain(&forms)
                .try_for_each(|form| machine.run_form(s, state, form));
            let result = match result {
                Err(LispError::Exit(0)) => Ok(()),
                other => other,
            };
            let result = match &heap_snapshot {
                Some(path) => result.and(inspect::write_heap_snapshot(s, path)),
                None => result,
            };
            let flushed = machine.out.flush();
            result.and(flushed.map_err(LispError::from))
        });
        (result, heap.stats(), machine.peak_depth)
    }
}
