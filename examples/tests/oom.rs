//! Out of memory only when the live data does not fit (issue 29): the two
//! reproducers of the issue, programs with about 2 KB live that drop
//! 100,000 garbage cycles, complete in a 1 MiB heap on every backend (they
//! stopped with "out of memory" on reference counting, whose cycle
//! collector never ran); and a program whose live data passes the heap gets
//! an error whose figures are true.

use examples::Backend;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A pair that holds itself, dropped 100,000 times.
const PAIR_CYCLES: &str = "(define (churn i) (if (< i 100000) \
     (let ((p (list i))) (set-cdr! p p) (churn (+ i 1))) (display \"done\")))\n(churn 0)\n";

/// A named `let` (the loop's closure and the evaluator's frame refer to
/// each other), called 5,000 times.
const CLOSURE_CYCLES: &str = "(define (f n) (let loop ((i n)) (if (= i 0) 0 (loop (- i 1)))))\n\
     (define (g k) (if (< k 5000) (begin (f 10) (g (+ k 1))) (display \"done\")))\n(g 0)\n";

/// A list that grows until the heap is full: all of it stays live.
const LIVE_LIST: &str = "(define (grow l) (grow (cons 1 l)))\n(display \"start\")\n(grow '())\n";

/// Runs the `lisp` binary on `source` with `args`: exit code, stdout, stderr.
fn lisp(test: &str, args: &[&str], source: &str) -> (i32, String, String) {
    let path = temp_program(test, source);
    let output = Command::new(env!("CARGO_BIN_EXE_lisp"))
        .args(args)
        .arg(&path)
        .output()
        .expect("run lisp");
    std::fs::remove_file(&path).ok();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("utf-8");
    (
        output.status.code().unwrap_or(-1),
        text(output.stdout),
        text(output.stderr),
    )
}

fn temp_program(test: &str, source: &str) -> PathBuf {
    let dir: &Path = &std::env::temp_dir();
    let path = dir.join(format!("lisp-oom-{test}-{}.scm", std::process::id()));
    std::fs::write(&path, source).expect("write temp program");
    path
}

/// Runs `source` at `--heap 1M` on every backend; each prints `done`.
fn completes_in_one_mebibyte(test: &str, source: &str) {
    for &backend in Backend::ALL {
        let (code, stdout, stderr) = lisp(test, &["--gc", backend.name(), "--heap", "1M"], source);
        assert_eq!((code, stdout.as_str()), (0, "done"), "{backend}: {stderr}");
    }
}

#[test]
fn pair_cycles_fit_in_one_mebibyte() {
    completes_in_one_mebibyte("pairs", PAIR_CYCLES);
}

#[test]
fn closure_frame_cycles_fit_in_one_mebibyte() {
    completes_in_one_mebibyte("closures", CLOSURE_CYCLES);
}

/// The interpreter allocates inside mutation regions, where nothing can
/// collect: the message says so, and does not claim a full collection that
/// did not run; its figure is within the limit.
#[test]
fn live_data_past_the_heap_is_a_true_error() {
    for &backend in Backend::ALL {
        let (code, stdout, stderr) =
            lisp("live", &["--gc", backend.name(), "--heap", "1M"], LIVE_LIST);
        assert_eq!((code, stdout.as_str()), (1, "start"), "{backend}: {stderr}");
        assert!(
            stderr.contains("out of memory: could not allocate")
                && stderr.contains("inside a mutation region")
                && !stderr.contains("after a full collection"),
            "{backend}: {stderr}"
        );
        let taken: usize = stderr
            .split("; ")
            .nth(1)
            .and_then(|part| part.split(' ').next())
            .and_then(|figure| figure.parse().ok())
            .unwrap_or_else(|| panic!("{backend}: no figure in {stderr}"));
        assert!(taken <= 1 << 20, "{backend}: {stderr}");
    }
}
