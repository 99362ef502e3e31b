//! Differential testing against Guile: generated programs that always
//! terminate and build and drop structure (lists, vectors, strings,
//! closures, loops, `call/cc` escapes, mutation) run on Guile 3.0 and on
//! every backend under a small heap. The outputs must be identical; running
//! out of memory is allowed only as the clean error, after a prefix of
//! Guile's output (never a wrong answer).
//!
//! Quick mode (the default, as in CI) runs `QUICK` programs;
//! `DIFF_PROGRAMS=N` runs N, `DIFF_SEED=S` changes the seed. Without Guile
//! the backends are compared with each other only, and the test says so.

use examples::lisp::{run, LispError, Options};
use examples::Backend;
use std::fmt::Write as _;
use std::process::Command;

/// Programs in quick mode.
const QUICK: usize = 300;

/// The small heap the programs run in (the prelude and the larger
/// programs' structures fill a good part of it).
const HEAP: usize = 3 << 20;

/// A xorshift generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Generates expressions of a known type, so that programs have no
/// runtime errors: integers stay below 10007 in magnitude (no overflow),
/// lists are proper, indices in range.
struct Gen {
    rng: Rng,
    vars: Vec<String>,
    fresh: usize,
    /// Inside a `lambda` that `map` calls: no more loops (their costs
    /// would multiply).
    in_lambda: bool,
}

impl Gen {
    fn var(&mut self) -> String {
        self.fresh += 1;
        format!("v{}", self.fresh)
    }

    fn int(&mut self, depth: u32) -> String {
        if depth == 0 || self.rng.below(4) == 0 {
            if !self.vars.is_empty() && self.rng.below(2) == 0 {
                let i = self.rng.below(self.vars.len() as u64) as usize;
                return self.vars[i].clone();
            }
            return (self.rng.below(200) as i64 - 50).to_string();
        }
        let d = depth - 1;
        match self.rng.below(12) {
            0 => format!("(modulo (+ {} {}) 10007)", self.int(d), self.int(d)),
            1 => format!("(modulo (* {} {}) 10007)", self.int(d), self.int(d)),
            2 => format!("(- {} {})", self.int(d), self.int(d)),
            3 => format!("(quotient {} (+ 1 (abs {})))", self.int(d), self.int(d)),
            4 => format!("(length {})", self.list(d)),
            5 => format!("(vector-length {})", self.vector(d)),
            6 => format!("(string-length {})", self.string(d)),
            7 => format!("(if {} {} {})", self.boolean(d), self.int(d), self.int(d)),
            8 => {
                let v = self.var();
                let init = self.int(d);
                self.vars.push(v.clone());
                let body = self.int(d);
                self.vars.pop();
                format!("(let (({v} {init})) {body})")
            }
            9 => format!("(modulo (apply + {}) 10007)", self.list(d)),
            10 | 11 if self.in_lambda => self.int(d),
            10 => {
                // An escape from a loop with call/cc.
                let (k, i) = (self.var(), self.var());
                let limit = self.int(d);
                format!(
                    "(call-with-current-continuation (lambda ({k}) \
                       (let loop (({i} 0)) (if (> {i} (modulo (abs {limit}) 100)) ({k} {i}) (loop (+ {i} 1))))))"
                )
            }
            _ => {
                // Build a list and fold it: structure made and dropped.
                let (i, acc) = (self.var(), self.var());
                let n = self.rng.below(500);
                format!(
                    "(let loop (({i} 0) ({acc} '())) \
                       (if (< {i} {n}) (loop (+ {i} 1) (cons (* {i} {i}) {acc})) \
                           (modulo (apply + (map (lambda (x) (modulo x 101)) {acc})) 10007)))"
                )
            }
        }
    }

    fn boolean(&mut self, depth: u32) -> String {
        let d = depth.saturating_sub(1);
        match self.rng.below(6) {
            0 => format!("(< {} {})", self.int(d), self.int(d)),
            1 => format!("(equal? {} {})", self.list(d), self.list(d)),
            2 => format!("(null? {})", self.list(d)),
            3 => format!("(even? {})", self.int(d)),
            4 => format!("(string=? {} {})", self.string(d), self.string(d)),
            _ => self.rng.pick(&["#t", "#f"]).to_owned(),
        }
    }

    fn list(&mut self, depth: u32) -> String {
        if depth == 0 {
            return self.rng.pick(&["'()", "'(1 2 3)", "(list 4 5)"]).to_owned();
        }
        let d = depth - 1;
        match self.rng.below(9) {
            0 => format!("(list {} {} {})", self.int(d), self.int(d), self.int(d)),
            1 => format!("(cons {} {})", self.int(d), self.list(d)),
            2 => format!("(append {} {})", self.list(d), self.list(d)),
            3 => format!("(reverse {})", self.list(d)),
            4 => {
                let x = self.var();
                self.vars.push(x.clone());
                let outer = std::mem::replace(&mut self.in_lambda, true);
                let body = self.int(d);
                self.in_lambda = outer;
                self.vars.pop();
                format!("(map (lambda ({x}) {body}) {})", self.list(d))
            }
            5 => format!("(vector->list {})", self.vector(d)),
            6 => {
                let (i, acc) = (self.var(), self.var());
                let n = self.rng.below(40);
                format!(
                    "(let loop (({i} 0) ({acc} '())) (if (< {i} {n}) (loop (+ {i} 1) (cons {i} {acc})) {acc}))"
                )
            }
            7 => {
                // Mutation through set-car! on a fresh copy.
                let l = self.var();
                format!(
                    "(let (({l} (append {} (list 0)))) (set-car! {l} {}) {l})",
                    self.list(d),
                    self.int(d)
                )
            }
            _ => format!("(map char->integer (string->list {}))", self.string(d)),
        }
    }

    fn vector(&mut self, depth: u32) -> String {
        let d = depth.saturating_sub(1);
        match self.rng.below(4) {
            0 => format!(
                "(make-vector (modulo (abs {}) 50) {})",
                self.int(d),
                self.int(d)
            ),
            1 => format!("(list->vector {})", self.list(d)),
            2 => {
                let v = self.var();
                format!(
                    "(let (({v} (vector 1 2 3))) (vector-set! {v} 1 {}) {v})",
                    self.int(d)
                )
            }
            _ => format!("(vector-map (lambda (x) (* x 2)) {})", self.vector(d)),
        }
    }

    fn string(&mut self, depth: u32) -> String {
        let d = depth.saturating_sub(1);
        match self.rng.below(5) {
            0 => format!("(number->string {})", self.int(d)),
            1 => format!("(string-append {} {})", self.string(d), self.string(d)),
            2 => format!("(make-string (modulo (abs {}) 20) #\\z)", self.int(d)),
            3 => self
                .rng
                .pick(&[
                    "\"\"",
                    "\"abc\"",
                    "\"a \\\"q\\\" b\"",
                    "(symbol->string 'sym)",
                ])
                .to_owned(),
            _ => {
                let p = self.var();
                format!(
                    "(let (({p} (open-output-string))) (write {} {p}) (display \" \" {p}) (get-output-string {p}))",
                    self.list(d)
                )
            }
        }
    }

    /// A program: a few definitions and printed results.
    fn program(&mut self) -> String {
        let mut out = String::new();
        let count = 1 + self.rng.below(4);
        for _ in 0..count {
            let depth = 2 + self.rng.below(3) as u32;
            let expr = match self.rng.below(4) {
                0 => self.list(depth),
                1 => self.vector(depth),
                2 => self.string(depth),
                _ => self.int(depth),
            };
            let _ = writeln!(out, "(write {expr}) (newline)");
            if self.rng.below(10) == 0 {
                // Sometimes more than the small heap holds: out of memory,
                // cleanly, after the output so far.
                let n = self.rng.pick(&["1000", "30000", "400000"]);
                let _ = writeln!(out, "(write (vector-length (make-vector {n} 0))) (newline)");
            }
        }
        out
    }
}

/// Runs every program in one Guile process, each in its own `let`,
/// separated by marker lines; `None` if Guile is not installed.
fn guile_outputs(programs: &[String]) -> Option<Vec<String>> {
    // The suite's Guile prelude: R7RS names Guile spells otherwise.
    let prelude = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/lisp/r7rs/src/Guile3-prelude.scm"
    );
    let mut source = std::fs::read_to_string(prelude).expect("the Guile prelude");
    for (index, program) in programs.iter().enumerate() {
        let _ = writeln!(
            source,
            "(display \"=== {index}\") (newline)\n(let () {program} #t)"
        );
    }
    let path = std::env::temp_dir().join(format!("lisp-differential-{}.scm", std::process::id()));
    std::fs::write(&path, source).expect("write the Guile program");
    let output = Command::new("guile")
        .arg("--no-auto-compile")
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let output = output.ok()?;
    assert!(
        output.status.success(),
        "guile failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let mut outputs = vec![String::new(); programs.len()];
    let mut current = None;
    for line in text.lines() {
        if let Some(index) = line.strip_prefix("=== ") {
            current = Some(index.parse::<usize>().expect("a marker"));
        } else if let Some(index) = current {
            outputs[index].push_str(line);
            outputs[index].push('\n');
        }
    }
    Some(outputs)
}

fn ours(program: &str, backend: Backend) -> (String, Result<(), LispError>) {
    let options = Options {
        backend,
        ..Options::default()
    }
    .with_capacity(HEAP);
    let mut out = Vec::new();
    let outcome = run(program, &options, &mut out);
    (String::from_utf8(out).expect("utf-8"), outcome.result)
}

#[test]
fn generated_programs_agree_with_guile_on_every_backend() {
    let count = std::env::var("DIFF_PROGRAMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(QUICK);
    let seed = std::env::var("DIFF_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x5eed_1234_u64);
    let mut generator = Gen {
        rng: Rng(seed | 1),
        vars: Vec::new(),
        fresh: 0,
        in_lambda: false,
    };
    let programs: Vec<String> = (0..count).map(|_| generator.program()).collect();
    let reference = guile_outputs(&programs);
    if reference.is_none() {
        println!("guile is not installed: comparing the backends with each other only");
    }
    let (mut agreed, mut out_of_memory) = (0, 0);
    for (index, program) in programs.iter().enumerate() {
        let mut first: Option<String> = None;
        for &backend in Backend::ALL {
            let (output, result) = ours(program, backend);
            let expected = reference.as_ref().map(|outputs| &outputs[index]);
            match result {
                Ok(()) => {
                    if let Some(expected) = expected {
                        assert_eq!(
                            &output, expected,
                            "program {index} on {backend}:\n{program}"
                        );
                    }
                    if let Some(first) = &first {
                        assert_eq!(
                            &output, first,
                            "program {index}: {backend} differs:\n{program}"
                        );
                    }
                    first.get_or_insert(output);
                    agreed += 1;
                }
                Err(LispError::OutOfMemory(_)) => {
                    if let Some(expected) = expected {
                        assert!(
                            expected.starts_with(&output),
                            "program {index} on {backend}: wrong output before running out of memory"
                        );
                    }
                    out_of_memory += 1;
                }
                Err(error) => panic!("program {index} on {backend}: {error}\n{program}"),
            }
        }
    }
    println!(
        "{count} programs x {} backends: {agreed} runs agreed, {out_of_memory} ran out of memory cleanly",
        Backend::ALL.len()
    );
    assert!(agreed > 0);
}
