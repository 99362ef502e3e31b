//! Bad input stays clean: the `lisp` binary, given malformed or unterminated
//! programs, runaway recursion, huge vectors and strings, or an escape from
//! deep recursion, prints a clear error on stderr and exits with a non-zero
//! code, never a signal or a Rust panic.

use std::path::PathBuf;
use std::process::Command;

/// A program in a temporary file named after `test`.
fn temp_program(test: &str, source: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("lisp-bad-{test}-{}.scm", std::process::id()));
    std::fs::write(&path, source).expect("write temp program");
    path
}

/// Runs `source` with `args`; returns (exit code, stdout, stderr), the
/// code `None` if a signal ended the process.
fn lisp(test: &str, args: &[&str], source: &str) -> (Option<i32>, String, String) {
    let path = temp_program(test, source);
    let output = Command::new(env!("CARGO_BIN_EXE_lisp"))
        .args(args)
        .arg(&path)
        .output()
        .expect("run lisp");
    let _ = std::fs::remove_file(&path);
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (
        output.status.code(),
        text(output.stdout),
        text(output.stderr),
    )
}

/// `source` fails with exit code 1 and an error containing `message`.
fn fails_cleanly(test: &str, args: &[&str], source: &str, message: &str) {
    let (code, _, stderr) = lisp(test, args, source);
    assert_eq!(
        code,
        Some(1),
        "{test}: exit code (None: a signal); stderr: {stderr}"
    );
    assert!(
        stderr.contains(message),
        "{test}: expected {message:?} in {stderr:?}"
    );
    assert!(
        !stderr.contains("panicked"),
        "{test}: a Rust panic: {stderr}"
    );
}

#[test]
fn malformed_and_unterminated_programs() {
    let cases = [
        ("string", "(display \"abc", "unterminated string"),
        ("list", "(car (quote (1 2)", "unclosed '('"),
        ("define", "(define", "unclosed '('"),
        ("close", ")", "unexpected ')'"),
        ("comment", "#| never closed", "unterminated #| comment"),
        ("char", "#\\", "unterminated character"),
        ("vector", "#(1 . 2)", "a vector cannot have a dotted tail"),
        ("bracket", "(let ((x 1]) x)", "unexpected ']'"),
        ("unknown", "#q", "unknown syntax #q"),
        ("let", "(let ((x)) x)", "bad syntax: (x)"),
        ("do", "(do ((i 0 (+ i 1))) )", "bad syntax"),
        ("case", "(case 1 (2))", "bad syntax"),
        ("record", "(define-record-type)", "bad syntax"),
        (
            "macro",
            "(define-syntax m (syntax-rules () ((_) 1)))",
            "not supported",
        ),
        ("apply", "(apply + 1)", "apply: not a proper list: 1"),
        (
            "arity",
            "(let loop ((i 0)) (if (< i 10) (loop)))",
            "loop called with 0",
        ),
    ];
    for (test, source, message) in cases {
        fails_cleanly(test, &[], source, message);
    }
}

#[test]
fn a_million_frames_of_non_tail_recursion_run() {
    let source = "(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1))))) (display (f 1000000))";
    let (code, stdout, stderr) = lisp("million", &[], source);
    assert_eq!((code, stdout.as_str()), (Some(0), "1000000"), "{stderr}");
}

#[test]
fn ten_million_frames_end_with_a_clear_error_on_every_backend() {
    // A small heap ends the recursion early (each frame lives in the heap):
    // out of memory, the clean error, on every backend. The heap is 2 MiB:
    // as the live frames fill it, the copying backend collects ever more
    // often before it gives up (an 8 MiB heap takes two minutes in a
    // release build, 17 s at 4 MiB, 4.6 s at 2 MiB; mark-sweep and
    // refcount end at once), which made this test take minutes.
    let source = "(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1))))) (display (f 10000000))";
    for gc in ["mark-sweep", "copying", "refcount"] {
        fails_cleanly(
            "ten-million",
            &["--gc", gc, "--heap", "2M"],
            source,
            "out of memory",
        );
    }
}

#[test]
fn huge_vectors_and_strings_are_out_of_memory() {
    let cases = [
        ("vector", "(make-vector 1000000000000)"),
        ("string", "(make-string 1000000000000 #\\a)"),
        ("vector-fill", "(define v (make-vector 100000000 0)) (vector-length v)"),
        ("string-append", "(define s (make-string 10000000)) (string-append s s s s s s s s s)"),
        ("list->vector", "(let loop ((i 0) (l '())) (if (< i 100000000) (loop (+ i 1) (cons i l)) (list->vector l)))"),
    ];
    for (test, source) in cases {
        fails_cleanly(test, &["--heap", "64M"], source, "out of memory");
    }
    fails_cleanly(
        "negative",
        &[],
        "(make-vector -1)",
        "expected a non-negative integer, got -1",
    );
}

#[test]
fn call_cc_escapes_from_deep_recursion() {
    let source = "(display (call/cc (lambda (k) \
                    (define (f n) (if (= n 0) (k 42) (+ 1 (f (- n 1))))) (f 100000))))";
    for gc in ["mark-sweep", "copying", "refcount"] {
        let (code, stdout, stderr) = lisp("escape", &["--gc", gc], source);
        assert_eq!((code, stdout.as_str()), (Some(0), "42"), "{gc}: {stderr}");
    }
}

#[test]
fn errors_and_exit_codes() {
    fails_cleanly(
        "error",
        &[],
        "(error \"boom\" 1 '(a \"b\"))",
        "error: boom 1 (a \"b\")",
    );
    fails_cleanly("huge", &[], "(expt 3 100000000)", "expt: result too large");
    fails_cleanly("division", &[], "(/ 1 0)", "division by zero");
    fails_cleanly("char", &[], "(integer->char -1)", "not a character code");
    fails_cleanly(
        "file",
        &[],
        "(open-input-file \"/no/such/file\")",
        "cannot open /no/such/file",
    );
    let (code, _, _) = lisp("exit", &[], "(exit 3)");
    assert_eq!(code, Some(3));
    let (code, stdout, _) = lisp("exit0", &[], "(display 1) (exit) (display 2)");
    assert_eq!((code, stdout.as_str()), (Some(0), "1"));
}
