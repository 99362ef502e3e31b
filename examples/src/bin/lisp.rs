//! `lisp`: runs a Scheme program on a chosen collector.
//!
//! ```text
//! lisp [--gc mark-sweep|copying|mark-compact|refcount] [--heap SIZE] [--stress] [--stats]
//!      [--heap-snapshot FILE] [FILE.scm]
//! ```
//!
//! Without a file it starts an interactive session (a REPL with line
//! editing and history, from rustyline): each complete form's value is
//! printed, errors leave the session alive, `(gc-stats)` shows the heap's
//! statistics, `(exit)` or end of input (Ctrl-D) ends it.
//!
//! `SIZE` is bytes with an optional `K`, `M` or `G` suffix (`64M`). With
//! `--stats` the heap's statistics go to stderr at exit; with
//! `--heap-snapshot FILE` a Chrome DevTools heap snapshot of the heap at
//! exit goes to `FILE` (a program can also write one with
//! `(heap-snapshot "file")`, and print what retains a value with
//! `(why-alive x)`). Errors go to
//! stderr and the exit code is 1 (2 for a bad command line).

use clap::Parser;
use examples::lisp::{repl, run, Input, LispError, Options, Outcome};
use examples::Backend;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

/// Runs a Scheme program whose every value lives on the collected heap.
#[derive(Parser)]
#[command(name = "lisp")]
struct Args {
    /// The collector: mark-sweep, copying, mark-compact or refcount
    #[arg(long = "gc", value_name = "NAME", default_value = "mark-sweep")]
    backend: Backend,
    /// Heap capacity: bytes with an optional K, M or G suffix (64M)
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    heap: Option<usize>,
    /// Collect on every allocation (the copying backend then moves every
    /// object every time)
    #[arg(long)]
    stress: bool,
    /// Print the heap's statistics to stderr at exit
    #[arg(long)]
    stats: bool,
    /// Write a Chrome DevTools heap snapshot of the heap at exit
    #[arg(long, value_name = "FILE")]
    heap_snapshot: Option<String>,
    /// The program (none: an interactive session)
    #[arg(value_name = "FILE.scm")]
    file: Option<String>,
}

impl Args {
    fn options(&self) -> Options {
        let mut options = Options {
            backend: self.backend,
            input: Input::Stdin,
            ..Options::default()
        };
        if let Some(bytes) = self.heap {
            options = options.with_capacity(bytes);
        }
        options.config.stress = self.stress;
        options.heap_snapshot = self.heap_snapshot.clone();
        options
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Some(file) = &args.file else {
        return interactive(&args);
    };
    let source = match std::fs::read_to_string(file) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("lisp: cannot read {file}: {error}");
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::new(std::io::stdout());
    let outcome = run(&source, &args.options(), &mut out);
    let _ = out.flush();
    finish(&args, outcome, file)
}

/// Prints the statistics if asked, the error if any (after `label`), and
/// gives the exit code: 0, the program's `(exit N)` code, or 1.
fn finish(args: &Args, outcome: Outcome, label: &str) -> ExitCode {
    if args.stats {
        if let Some(stats) = &outcome.stats {
            eprintln!("{stats}");
        }
    }
    match outcome.result {
        Ok(()) => ExitCode::SUCCESS,
        Err(LispError::Exit(code)) => ExitCode::from(u8::try_from(code).unwrap_or(1).max(1)),
        Err(error) => {
            eprintln!("{label}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The REPL: rustyline reads the lines (with editing and history).
fn interactive(args: &Args) -> ExitCode {
    let mut editor = match rustyline::DefaultEditor::new() {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("lisp: cannot start the line editor: {error}");
            return ExitCode::from(2);
        }
    };
    let read_line = |continued: bool| {
        let prompt = if continued { "... " } else { "> " };
        match editor.readline(prompt) {
            Ok(line) => {
                let _ = editor.add_history_entry(line.as_str());
                Some(line)
            }
            Err(_) => None, // end of input, Ctrl-C or a terminal error
        }
    };
    let mut options = args.options();
    options.input = Input::Empty;
    let mut out = std::io::stdout();
    let outcome = repl(&options, &mut out, read_line);
    finish(args, outcome, "lisp")
}

/// Bytes from `64M`, `512K`, `1G` or a plain number.
fn parse_size(text: &str) -> Result<usize, String> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_uppercase()),
        _ => (text, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => return Err(format!("bad size {text:?}: use a number with K, M or G")),
    };
    let number: usize = digits.parse().map_err(|_| format!("bad size {text:?}"))?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("size {text:?} is too large"))
}
