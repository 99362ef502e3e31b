//! The seeded-bug corpus and its kill table: how many planted bugs the
//! [`harness`](crate::harness) catches, how fast, and how short a program it
//! shrinks each one to.
//!
//! A seeded bug is a backend with one planted mistake, most of them
//! re-creations of bugs that shipped in real collectors
//! (`gc_core::seeded_bug!` takes their source and shape). Each backend
//! crate lists its seeded bugs once with [`seeded_corpus!`](crate::seeded_corpus), which expands
//! to two tests:
//! - `corpus::quick` (run by `cargo test`): every bug once, at
//!   [`QUICK_CASES`] programs with a fixed seed, without shrinking; each
//!   must be caught, unless its entry says why the harness misses it;
//! - `corpus::kill_table` (ignored; `scripts/kill-table.sh` runs it): every
//!   bug at the harness's default case count, one JSON line per bug
//!   appended to the file `GC_KILL_TABLE` names, which
//!   `scripts/kill-table.sh` turns into `docs/KILL_TABLE.md` with
//!   [`render`].
//!
//! The seeded types compile under the crate's `cfg(test)`, so neither test
//! builds a configuration of its own: one `seeded-bugs` feature per backend
//! exposes them to other crates (for their doc examples), never enabled by
//! the workspace.

use crate::harness::{hunt, HarnessConfig};
use gc_core::Collector;
use std::fmt::Write as _;
use std::time::Duration;

/// Programs per bug in `corpus::quick`.
pub const QUICK_CASES: u32 = 256;

/// The longest shrunk program a caught bug may have (the kill table's
/// target).
pub const MAX_OPS: usize = 20;

/// A corpus entry: a seeded bug and how the harness looks for it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The seeded type's name.
    pub name: &'static str,
    /// The collector's [`Collector::NAME`].
    pub collector: &'static str,
    /// Where the bug comes from (`SOURCE` of `gc_core::seeded_bug!`).
    pub source: &'static str,
    /// The bug in one line (`SHAPE`).
    pub shape: &'static str,
    /// Look for it in stress mode (a collection at every allocation).
    pub stress: bool,
    /// Generate weak-reference ops ([`HarnessConfig::weak`]).
    pub weak: bool,
    /// Why the harness does not catch it, if it does not.
    pub missed: Option<&'static str>,
}

/// One row of the kill table: what the harness did with an [`Entry`].
#[derive(Debug, Clone)]
pub struct Row {
    /// The bug.
    pub entry: Entry,
    /// Programs run (the case count).
    pub cases: u32,
    /// The generator's seed.
    pub seed: u64,
    /// Whether the failing program was shrunk (the quick check does not).
    pub shrunk: bool,
    /// Whether a program failed.
    pub caught: bool,
    /// Time to the end of the first failing program.
    pub first_failure: Option<Duration>,
    /// The whole run, shrinking included.
    pub elapsed: Duration,
    /// The shrunk program's length in ops.
    pub ops: Option<usize>,
    /// What the shrunk program showed.
    pub message: String,
}

impl Row {
    /// Whether the row meets the corpus' targets: caught and shrunk to at
    /// most [`MAX_OPS`] ops, or missed as its entry says it would be.
    pub fn as_expected(&self) -> bool {
        let short = |n: usize| !self.shrunk || n <= MAX_OPS;
        match self.entry.missed {
            None => self.caught && self.ops.is_some_and(short),
            Some(_) => !self.caught,
        }
    }

    /// The row as one JSON object (a line of the `GC_KILL_TABLE` file).
    pub fn to_json(&self) -> String {
        let e = &self.entry;
        serde_json::json!({
            "name": e.name,
            "collector": e.collector,
            "source": e.source,
            "shape": e.shape,
            "stress": e.stress,
            "weak": e.weak,
            "missed": e.missed,
            "cases": self.cases,
            "seed": self.seed,
            "shrunk": self.shrunk,
            "caught": self.caught,
            "first_failure_ms": self.first_failure.map(|d| d.as_secs_f64() * 1e3),
            "elapsed_ms": self.elapsed.as_secs_f64() * 1e3,
            "ops": self.ops,
            "message": self.message,
        })
        .to_string()
    }
}

/// Runs the harness on `C`, the seeded bug `entry` describes, with
/// `cases` programs from `seed` (`GC_HARNESS_SEED` overrides it),
/// shrinking the failure if `shrink`.
///
/// ```
/// use gc_testing::corpus::{kill, Entry};
/// let entry = Entry {
///     name: "MarkSweep",
///     collector: "mark-sweep",
///     source: "none: the correct collector",
///     shape: "no bug",
///     stress: false,
///     weak: true,
///     missed: Some("there is no bug"),
/// };
/// let row = kill::<gc_mark_sweep::MarkSweep>(entry, 4, 1, true);
/// assert!(!row.caught && row.as_expected());
/// ```
pub fn kill<C: Collector>(entry: Entry, cases: u32, seed: u64, shrink: bool) -> Row {
    let config = HarnessConfig {
        cases,
        stress: entry.stress,
        weak: entry.weak,
        seed: Some(seed),
        shrink,
        ..HarnessConfig::default()
    };
    let found = hunt::<C>(&config);
    let seed = found.failure.as_ref().map_or(seed, |f| f.seed);
    Row {
        entry,
        cases,
        seed,
        shrunk: shrink,
        caught: found.failure.is_some(),
        first_failure: found.first_failure,
        elapsed: found.elapsed,
        ops: found.failure.as_ref().map(|f| f.program.len()),
        message: found.failure.map(|f| f.message).unwrap_or_default(),
    }
}

/// Runs `row` (a closure that calls [`kill`]) for every entry and panics
/// with the rows that miss the targets; with `out` set, appends each row
/// as a JSON line to that file. What [`seeded_corpus!`] expands to.
#[doc(hidden)]
pub fn run_all(rows: Vec<Box<dyn Fn(u32) -> Row>>, cases: u32, out: Option<&str>) {
    let mut bad = String::new();
    for row in rows {
        let row = row(cases);
        println!("{}", row.to_json());
        if let Some(path) = out {
            use std::io::Write as _;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
            writeln!(file, "{}", row.to_json()).expect("the kill table file is writable");
        }
        if !row.as_expected() {
            let _ = writeln!(bad, "{}", row.to_json());
        }
    }
    assert!(bad.is_empty(), "seeded bugs off their targets:\n{bad}");
}

/// The kill table in Markdown, from the JSON lines of `GC_KILL_TABLE`
/// files: one row per bug, then the totals against the targets.
///
/// ```
/// let line = r#"{"name":"X","collector":"c","source":"s","shape":"t","stress":false,
///   "missed":null,"cases":4,"seed":1,"caught":true,"first_failure_ms":2.0,
///   "elapsed_ms":5.0,"ops":3,"message":"m"}"#;
/// let table = gc_testing::corpus::render(&line.replace('\n', ""));
/// assert!(table.contains("| X | c | s | t | normal | caught | 0.002 s | 3 |"));
/// ```
pub fn render(json_lines: &str) -> String {
    let rows: Vec<serde_json::Value> = json_lines
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad row {l:?}: {e}")))
        .collect();
    let mut out = String::from(
        "| bug | backend | source | shape | mode | result | first failure | shrunk ops |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let (mut caught, mut fast, mut short) = (0, 0, 0);
    for r in &rows {
        let s = |k: &str| r[k].as_str().unwrap_or("").replace('|', "\\|");
        let is_caught = r["caught"].as_bool() == Some(true);
        let first = r["first_failure_ms"].as_f64();
        let ops = r["ops"].as_u64();
        caught += usize::from(is_caught);
        fast += usize::from(first.is_some_and(|ms| ms <= 60_000.0));
        short += usize::from(ops.is_some_and(|n| n as usize <= MAX_OPS));
        let result = match (is_caught, r["missed"].as_str()) {
            (true, _) => "caught".to_string(),
            (false, Some(why)) => format!("missed: {why}"),
            (false, None) => "**missed**".to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            s("name"),
            s("collector"),
            s("source"),
            s("shape"),
            match (r["stress"].as_bool(), r["weak"].as_bool()) {
                (Some(true), Some(false)) => "stress, no weak ops",
                (Some(true), _) => "stress",
                _ => "normal",
            },
            result,
            first.map_or("-".into(), |ms| format!("{:.3} s", ms / 1e3)),
            ops.map_or("-".into(), |n| n.to_string()),
        );
    }
    let n = rows.len();
    let percent = |k: usize| {
        if n == 0 {
            0.0
        } else {
            100.0 * k as f64 / n as f64
        }
    };
    let _ = write!(
        out,
        "\n{n} seeded bugs: {caught} caught ({:.0}%; target 95%), {fast} within 60 s, \
         {short} shrunk to at most {MAX_OPS} ops.\n",
        percent(caught)
    );
    out
}

/// Declares a backend's seeded-bug corpus, in its seeded-bug module: each
/// type (made with `gc_core::seeded_bug!` with a `source` and a `shape`),
/// the mode the harness looks for it in (`normal`, `stress`: a
/// collection at every allocation, or `stress_strong`: stress without
/// weak-reference ops, see [`HarnessConfig::weak`]), optionally
/// `quick seed N` (the seed `corpus::quick` uses instead of 1, for a bug
/// the first [`QUICK_CASES`] programs of seed 1 miss: the kill table always
/// uses seed 1), and optionally
/// `missed "why"` (the harness is known not to catch it). Expands to the
/// module `corpus` with the tests `quick` and `kill_table` (see the
/// [module docs](self)).
///
/// ```ignore
/// gc_testing::seeded_corpus! {
///     SkipLastField: normal,
///     WeakAfterSweep: stress,
///     NoRootRescan: stress missed "redundant under the snapshot",
/// }
/// ```
#[macro_export]
macro_rules! seeded_corpus {
    ($($bug:ident : $mode:ident $(quick seed $quick:literal)? $(missed $why:literal)?),* $(,)?) => {
        #[cfg(test)]
        mod corpus {
            use super::*;

            fn rows(quick: bool) -> Vec<Box<dyn Fn(u32) -> $crate::corpus::Row>> {
                vec![$(
                    Box::new(move |cases| $crate::corpus::kill::<$bug>(
                        $crate::corpus::Entry {
                            name: stringify!($bug),
                            collector: <$bug as $crate::__gc_core::Collector>::NAME,
                            source: $bug::SOURCE,
                            shape: $bug::SHAPE,
                            stress: $crate::seeded_corpus!(@stress $mode),
                            weak: $crate::seeded_corpus!(@weak $mode),
                            missed: $crate::seeded_corpus!(@missed $($why)?),
                        },
                        cases,
                        if quick { $crate::seeded_corpus!(@quick $($quick)?) } else { 1 },
                        !quick,
                    )),
                )*]
            }

            /// Every seeded bug once, at a small case count: caught and
            /// shrunk within the targets (or missed as its entry says).
            #[test]
            fn quick() {
                $crate::corpus::run_all(rows(true), $crate::corpus::QUICK_CASES, None);
            }

            /// The kill table's rows, at the harness's default case count:
            /// `GC_KILL_TABLE=rows.jsonl cargo test -p CRATE --lib corpus::kill_table -- --ignored`.
            #[test]
            #[ignore = "the full kill table: scripts/kill-table.sh"]
            fn kill_table() {
                let out = std::env::var("GC_KILL_TABLE").ok();
                let cases = $crate::harness::HarnessConfig::default().cases;
                $crate::corpus::run_all(rows(false), cases, out.as_deref());
            }
        }
    };
    (@stress stress) => { true };
    (@stress stress_strong) => { true };
    (@stress normal) => { false };
    (@weak stress_strong) => { false };
    (@weak $mode:ident) => { true };
    (@quick $seed:literal) => { $seed };
    (@quick) => { 1 };
    (@missed $why:literal) => { Some($why) };
    (@missed) => { None };
}
