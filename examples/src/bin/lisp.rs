//! `lisp`: runs a Scheme program on a chosen collector.
//!
//! ```text
//! lisp [--gc mark-sweep|copying|refcount] [--heap SIZE] [--stress] [--stats] FILE.scm
//! ```
//!
//! `SIZE` is bytes with an optional `K`, `M` or `G` suffix (`64M`). With
//! `--stats` the heap's statistics go to stderr at exit. Errors go to
//! stderr and the exit code is 1 (2 for a bad command line).

use examples::lisp::{run, Options};
use examples::Backend;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: lisp [--gc NAME] [--heap SIZE] [--stress] [--stats] FILE.scm";

/// The parsed command line.
struct Args {
    options: Options,
    stats: bool,
    file: String,
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("lisp: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let source = match std::fs::read_to_string(&args.file) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("lisp: cannot read {}: {error}", args.file);
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::new(std::io::stdout());
    let outcome = run(&source, &args.options, &mut out);
    let _ = out.flush();
    if args.stats {
        if let Some(stats) = &outcome.stats {
            eprintln!("{stats}");
        }
    }
    match outcome.result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{}: {error}", args.file);
            ExitCode::FAILURE
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut options = Options::default();
    let mut stats = false;
    let mut file = None;
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "--gc" => options.backend = value("--gc")?.parse::<Backend>()?,
            "--heap" => options = options.with_capacity(parse_size(&value("--heap")?)?),
            "--stress" => options.config.stress = true,
            "--stats" => stats = true,
            "-h" | "--help" => return Err("help requested".into()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            path if file.is_none() => file = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    let file = file.ok_or("no program file given")?;
    Ok(Args {
        options,
        stats,
        file,
    })
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
