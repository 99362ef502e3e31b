//! Golden tests of the Scheme interpreter: every bundled program on every
//! backend, with and without stress mode, against its checked-in output;
//! then the error paths (parse, unbound variable, out of memory, stack
//! overflow), memory accounting, and the `lisp` binary's command line.

use examples::lisp::{run, LispError, Options, SHOWN_FRAMES};
use examples::Backend;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Heap cap for `churn.scm`, far below what it allocates.
const SMALL_HEAP: usize = 1 << 20;

fn program_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lisp")
}

fn read(file: &str) -> String {
    let path = program_dir().join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `source` and returns its output and result.
fn eval(source: &str, options: &Options) -> (String, Result<(), LispError>) {
    let mut out = Vec::new();
    let outcome = run(source, options, &mut out);
    (
        String::from_utf8(out).expect("utf-8 output"),
        outcome.result,
    )
}

/// Runs `NAME.scm` on every backend: at full size against `NAME.out`, and in
/// stress mode with `(define size SMALL)` against `NAME.small.out`.
fn golden(name: &str, small: u32, options: Options) {
    let source = read(&format!("{name}.scm"));
    let first_line = source
        .lines()
        .find(|l| l.starts_with("(define size "))
        .expect("a size");
    let small_source = source.replacen(first_line, &format!("(define size {small})"), 1);
    let cases = [
        (source, read(&format!("{name}.out")), false),
        (small_source, read(&format!("{name}.small.out")), true),
    ];
    for &backend in Backend::ALL {
        for (source, expected, stress) in &cases {
            let mut options = Options {
                backend,
                ..options.clone()
            };
            options.config.stress = *stress;
            options.config.verify = !*stress;
            let (output, result) = eval(source, &options);
            let mode = if *stress {
                "stress, small input"
            } else {
                "full input"
            };
            assert_eq!(result, Ok(()), "{name}.scm on {backend} ({mode})");
            assert_eq!(&output, expected, "{name}.scm on {backend} ({mode})");
        }
    }
}

#[test]
fn fib() {
    golden("fib", 10, Options::default());
}

#[test]
fn tak() {
    golden("tak", 2, Options::default());
}

#[test]
fn nqueens() {
    golden("nqueens", 4, Options::default());
}

#[test]
fn binary_trees() {
    golden("binary-trees", 2, Options::default());
}

#[test]
fn closures() {
    golden("closures", 10, Options::default());
}

#[test]
fn churn_runs_in_a_heap_smaller_than_it_allocates() {
    golden("churn", 5, Options::default().with_capacity(SMALL_HEAP));
}

#[test]
fn deep_non_tail_recursion() {
    golden("deep", 100, Options::default());
}

#[test]
fn gcbench() {
    golden("gcbench", 6, Options::default());
}

#[test]
fn deriv() {
    golden("deriv", 20, Options::default());
}

#[test]
fn destruc() {
    golden("destruc", 20, Options::default());
}

#[test]
fn strings_vectors_and_hash_tables() {
    golden("tables", 30, Options::default());
}

#[test]
fn weak_value_tables_drop_unreferenced_values() {
    golden("weak-tables", 20, Options::default());
}

/// Dead entries of a weak-value table are swept as it grows, not only by
/// `hash-table-size`: ten batches of 100 values, each dropped and collected
/// before the next, never leave more than two batches of entries.
#[test]
fn weak_value_tables_sweep_dead_entries_as_they_grow() {
    let source = "(define t (make-weak-value-hash-table))
        (define (fill from to)
          (if (< from to) (begin (hash-table-set! t from (list from)) (fill (+ from 1) to))))
        (let loop ((i 0))
          (if (< i 10) (begin (fill (* i 100) (* (+ i 1) 100)) (gc) (loop (+ i 1)))))
        (display t)";
    for &backend in Backend::ALL {
        for stress in [false, true] {
            let mut options = Options {
                backend,
                ..Options::default()
            };
            options.config.stress = stress;
            let (output, result) = eval(source, &options);
            assert_eq!(result, Ok(()), "{backend}, stress {stress}");
            let entries: usize = output
                .strip_prefix("#<hash-table ")
                .and_then(|rest| rest.strip_suffix('>'))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{output:?}"));
            assert!(
                entries <= 200,
                "{entries} entries ({backend}, stress {stress})"
            );
        }
    }
}

/// A weak-value table keeps a value exactly as long as something else
/// refers to it, on every backend; immediates always stay.
#[test]
fn weak_value_table_entries_follow_their_values() {
    let source = "(define t (make-weak-value-hash-table))
        (define keep (list 'kept))
        (hash-table-set! t 'a keep)
        (hash-table-set! t 'b (list 'dropped))
        (hash-table-set! t 'c (string-append \"dr\" \"opped\"))
        (hash-table-set! t 'd 7)
        (gc)
        (display (list (hash-table-size t)
                       (eq? keep (hash-table-ref t 'a))
                       (hash-table-ref/default t 'b 'gone)
                       (hash-table-ref t 'c (lambda () 'gone))
                       (hash-table-ref t 'd)))
        (set! keep #f)
        (gc)
        (display (list (hash-table-size t) (hash-table-ref/default t 'a 'gone)))
        (define u (make-weak-value-hash-table equal?))
        (define v (list 5))
        (hash-table-set! u (list 1 2) v)
        (hash-table-set! u (list 3) (list 6))
        (gc)
        (display (list (hash-table-ref u (list 1 2)) (hash-table-size u)))";
    for &backend in Backend::ALL {
        for stress in [false, true] {
            let mut options = Options {
                backend,
                ..Options::default()
            };
            options.config.stress = stress;
            let (output, result) = eval(source, &options);
            assert_eq!(result, Ok(()), "{backend}, stress {stress}");
            assert_eq!(
                output, "(2 #t gone gone 7)(1 gone)((5) 1)",
                "{backend}, stress {stress}"
            );
        }
    }
}

/// Keeps consing 1000-element vectors onto a live list.
const VECTOR_HOARD: &str = "
    (define (hoard xs) (hoard (cons (make-vector 1000 0) xs)))
    (display \"start\")
    (hoard '())";

#[test]
fn vectors_count_toward_the_heap_capacity() {
    // Each vector's buffer (16 KB) lives outside the object, charged to the
    // heap: the cap must stop the program, not the machine's memory.
    const CAP: usize = 64 << 20;
    for &backend in Backend::ALL {
        let options = Options {
            backend,
            ..Options::default()
        }
        .with_capacity(CAP);
        let mut out = Vec::new();
        let outcome = run(VECTOR_HOARD, &options, &mut out);
        assert_eq!(out, b"start", "{backend}");
        let Err(LispError::OutOfMemory(message)) = &outcome.result else {
            panic!(
                "{backend}: expected out of memory, got {:?}",
                outcome.result
            );
        };
        assert!(
            message.contains(&format!("of the heap's {CAP}-byte limit")),
            "{message}"
        );
        let stats = outcome.stats.expect("the heap was built");
        assert!(
            stats.heap_bytes + stats.external_bytes <= CAP,
            "{backend}: {} heap + {} external bytes",
            stats.heap_bytes,
            stats.external_bytes
        );
        assert!(
            stats.external_bytes > CAP / 2,
            "{backend}: the vectors' buffers were charged ({} bytes)",
            stats.external_bytes
        );
        assert!(stats.peak_heap_bytes <= CAP, "{backend}");
    }
}

#[test]
fn parse_errors_name_line_and_column() {
    let source = "(define x 1)\n(display (+ x 2)))\n";
    let (output, result) = eval(source, &Options::default());
    assert_eq!(output, "", "nothing runs when the program does not parse");
    let error = result.unwrap_err().to_string();
    assert_eq!(error, "parse error at line 2, column 18: unexpected ')'");
    let (_, result) = eval("(display \"abc)\n", &Options::default());
    let error = result.unwrap_err().to_string();
    assert_eq!(
        error,
        "parse error at line 1, column 10: unterminated string"
    );
}

#[test]
fn unbound_variables_are_named() {
    for &backend in Backend::ALL {
        let source = "(display 1) (newline) (define (f) (+ 1 no-such-thing)) (f) (display 2)";
        let (output, result) = eval(
            source,
            &Options {
                backend,
                ..Options::default()
            },
        );
        assert_eq!(
            output, "1\n",
            "output before the error is kept; nothing after it runs"
        );
        assert_eq!(result, Err(LispError::Unbound("no-such-thing".into())));
        assert_eq!(
            result.unwrap_err().to_string(),
            "unbound variable: no-such-thing"
        );
    }
}

#[test]
fn runtime_errors_are_values() {
    let cases = [
        ("(car 5)", "error: car: expected a pair, got 5"),
        (
            "((lambda (x) x))",
            "error: lambda called with 0 argument(s)",
        ),
        (
            "(define (f x) x) (f 1 2)",
            "error: f called with 2 argument(s)",
        ),
        ("(quotient 1 0)", "error: quotient: division by zero"),
        (
            "(vector-ref (vector 1 2) 2)",
            "error: vector-ref: index 2 out of range for length 2",
        ),
        ("(5 1)", "error: not a procedure: 5"),
        ("(if)", "error: bad syntax: (if)"),
        (
            "(expt 2 (expt 2 40))",
            "error: expt: exponent 1099511627776 too large",
        ),
    ];
    for (source, expected) in cases {
        let (_, result) = eval(source, &Options::default());
        assert_eq!(result.unwrap_err().to_string(), expected, "{source}");
    }
}

#[test]
fn cyclic_lists_print_and_fail_cleanly() {
    let source = "(define x (list 1 2 3)) (set-cdr! (cdr (cdr x)) x) (display x) (length x)";
    let (output, result) = eval(source, &Options::default());
    assert_eq!(output, "(1 2 3 1 2 ...)");
    let error = result.unwrap_err().to_string();
    assert_eq!(error, "error: length: not a proper list: (1 2 3 1 2 ...)");
}

#[test]
fn out_of_memory_is_an_error() {
    // Keeps every list it builds reachable, so no collector can help.
    let source = "(define (grow xs) (grow (cons xs xs))) (display \"start\") (grow '())";
    for &backend in Backend::ALL {
        let options = Options {
            backend,
            ..Options::default()
        }
        .with_capacity(SMALL_HEAP);
        let (output, result) = eval(source, &options);
        assert_eq!(output, "start");
        match result {
            Err(LispError::OutOfMemory(message)) => {
                assert!(
                    message.starts_with("out of memory: could not allocate"),
                    "{message}"
                );
                assert!(
                    message.contains("of the heap's 1048576-byte limit"),
                    "{message}"
                );
            }
            other => panic!("{backend}: expected out of memory, got {other:?}"),
        }
    }
}

#[test]
fn stack_overflow_lists_the_innermost_frames() {
    let source = "(define (ping n) (+ 1 (pong n))) (define (pong n) (+ 1 (ping n))) (ping 0)";
    const LIMIT: usize = 50_000;
    for &backend in Backend::ALL {
        let (_, result) = eval(
            source,
            &Options {
                backend,
                max_depth: LIMIT,
                ..Options::default()
            },
        );
        let Err(LispError::StackOverflow { limit, frames }) = &result else {
            panic!("{backend}: expected a stack overflow, got {result:?}");
        };
        assert_eq!(*limit, LIMIT);
        assert_eq!(frames.len(), SHOWN_FRAMES);
        assert!(
            frames.iter().all(|f| f == "ping" || f == "pong"),
            "{frames:?}"
        );
        assert!(
            frames.windows(2).all(|w| w[0] != w[1]),
            "they alternate: {frames:?}"
        );
        let message = result.unwrap_err().to_string();
        assert!(message.starts_with(&format!(
            "stack overflow: calls nested deeper than {LIMIT}; innermost frames:\n  in p"
        )));
    }
}

#[test]
fn tail_calls_run_in_constant_depth() {
    // 40,000 iterations through every tail position, with room for only 16
    // nested evaluations: any tail call that recursed would overflow.
    let source = "
        (define (down n) (cond ((= n 0) 'done) (else (begin (and #t (or #f (if #t (down (- n 1)))))))))
        (display (down 20000))
        (display (let loop ((i 0) (acc 0)) (if (= i 20000) acc (let ((j (+ i 1))) (loop j (+ acc 2))))))";
    for &backend in Backend::ALL {
        let options = Options {
            backend,
            max_depth: 16,
            ..Options::default()
        };
        assert_eq!(
            eval(source, &options),
            ("done40000".into(), Ok(())),
            "{backend}"
        );
    }
}

#[test]
fn loops_keep_the_continuation_stack_flat() {
    // Every tail position, in loops of two lengths: the deepest the
    // continuation stack grows must not depend on the number of iterations.
    let program = |n: u32| {
        format!(
            "(define (down n) (cond ((= n 0) 'done) (else (begin (and #t (or #f (if #t (down (- n 1)))))))))
             (define (variadic n . rest) (if (= n 0) (length rest) (variadic (- n 1) n n)))
             (display (down {n}))
             (display (let loop ((i 0) (acc '())) (if (= i {n}) (length acc) (let ((j (+ i 1))) (loop j (cons i acc))))))
             (display (variadic {n}))"
        )
    };
    for &backend in Backend::ALL {
        let peak = |n: u32| {
            let options = Options {
                backend,
                ..Options::default()
            };
            let mut out = Vec::new();
            let outcome = run(&program(n), &options, &mut out);
            assert_eq!(outcome.result, Ok(()), "{backend}");
            assert_eq!(String::from_utf8(out).unwrap(), format!("done{n}2"));
            outcome.peak_depth
        };
        let (short, long) = (peak(10), peak(20_000));
        assert!(short > 0, "{backend}: evaluations were recorded");
        assert_eq!(
            short, long,
            "{backend}: the continuation stack grew with the iteration count"
        );
    }
}

#[test]
fn variables_are_found_and_set_at_any_depth() {
    // Locals several frames out and several bindings down, internal
    // redefinition, `set!` through a named let, and variadic procedures.
    let source = "
        (define (outer a b c)
          (define d 4)
          (define d 40)
          (let ((e 5) (f 6))
            (let loop ((i 0))
              (if (< i 2)
                  (begin (set! b (+ b 10)) (set! f (+ f 1)) (loop (+ i 1)))
                  (list a b c d e f)))))
        (display (outer 1 2 3))
        (define (va . xs) xs)
        (define (va2 a b . xs) (list a b xs))
        (display (list (va) (va 1 2) (va2 1 2) (va2 1 2 3 4) ((lambda args (length args)) 7 8 9)))
        (display (vector 1 '(2 . 3) \"s\" #t (if #f #f)))";
    for &backend in Backend::ALL {
        for stress in [false, true] {
            let mut options = Options {
                backend,
                ..Options::default()
            };
            options.config.stress = stress;
            assert_eq!(
                eval(source, &options),
                (
                    "(1 22 3 40 5 8)(() (1 2) (1 2 ()) (1 2 (3 4)) 3)#(1 (2 . 3) s #t #<unspecified>)"
                        .into(),
                    Ok(())
                ),
                "{backend}, stress {stress}"
            );
        }
    }
}

#[test]
fn malformed_forms_are_syntax_errors() {
    let cases = [
        ("(let ((x)) x)", "error: bad syntax: (x)"),
        ("(let ((1 2)) 3)", "error: bad syntax: (1 2)"),
        ("(let loop)", "error: bad syntax: (let loop)"),
        ("(lambda (x))", "error: bad syntax: (lambda (x))"),
        ("(define (f 1) 1) (f 2)", "error: expected a symbol in (1)"),
        ("(define (f . 5) 1) (f)", "error: bad syntax: 5"),
        // The whole form is checked, even clauses after the one taken.
        ("(cond (1 2) ())", "error: bad syntax: ()"),
        ("(+ 1 . 2)", "error: bad syntax: (+ 1 . 2)"),
        ("(quote)", "error: bad syntax: (quote)"),
    ];
    for (source, expected) in cases {
        let (_, result) = eval(source, &Options::default());
        assert_eq!(result.unwrap_err().to_string(), expected, "{source}");
    }
}

#[test]
fn recursion_is_not_bounded_by_the_rust_stack() {
    // 200,000 nested non-tail calls: the evaluator keeps them on its
    // continuation stack in the heap, so only `max_depth` limits them.
    let source = "(define (count n) (if (= n 0) 0 (+ 1 (count (- n 1))))) (display (count 200000))";
    for &backend in Backend::ALL {
        let options = Options {
            backend,
            max_depth: 1_000_000,
            ..Options::default()
        };
        let mut out = Vec::new();
        let outcome = run(source, &options, &mut out);
        assert_eq!(outcome.result, Ok(()), "{backend}");
        assert_eq!(out, b"200000", "{backend}");
        assert!(outcome.peak_depth >= 200_000, "{backend}");
    }
}

#[test]
fn non_tail_recursion_beyond_the_limit_overflows_cleanly() {
    let source = "(define (count n) (if (= n 0) 0 (+ 1 (count (- n 1))))) (display (count 100))";
    let options = Options {
        max_depth: 50,
        ..Options::default()
    };
    let (_, result) = eval(source, &options);
    let Err(LispError::StackOverflow { limit: 50, frames }) = result else {
        panic!("expected a stack overflow, got {result:?}");
    };
    assert_eq!(frames, vec!["count"; SHOWN_FRAMES]);
}

/// Runs the `lisp` binary on `file` with `args`; returns (exit code, stdout, stderr).
fn lisp(args: &[&str], file: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_lisp"))
        .args(args)
        .arg(file)
        .output()
        .expect("run lisp");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("utf-8");
    (
        output.status.code().unwrap_or(-1),
        text(output.stdout),
        text(output.stderr),
    )
}

/// A program in a temporary file named after `test`.
fn temp_program(test: &str, source: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("lisp-{test}-{}.scm", std::process::id()));
    std::fs::write(&path, source).expect("write temp program");
    path
}

#[test]
fn binary_runs_a_program_on_each_backend_and_prints_stats() {
    for &backend in Backend::ALL {
        let fib = program_dir().join("fib.scm");
        let (code, stdout, stderr) =
            lisp(&["--gc", backend.name(), "--heap", "8M", "--stats"], &fib);
        assert_eq!(
            (code, stdout.as_str()),
            (0, read("fib.out").as_str()),
            "{stderr}"
        );
        assert!(stderr.starts_with(&format!("{backend}: ")), "{stderr}");
        assert!(stderr.contains(" collections, total pause "), "{stderr}");
    }
}

#[test]
fn binary_reports_errors_on_stderr_with_a_nonzero_exit() {
    let path = temp_program("unbound", "(display \"partial\")\n(car (list missing))\n");
    let (code, stdout, stderr) = lisp(&["--stress"], &path);
    std::fs::remove_file(&path).ok();
    assert_eq!(code, 1);
    assert_eq!(stdout, "partial");
    assert_eq!(
        stderr.trim_end(),
        format!("{}: unbound variable: missing", path.display())
    );
}

#[test]
fn binary_ends_a_vector_hoard_with_out_of_memory() {
    let path = temp_program("hoard", VECTOR_HOARD);
    let (code, stdout, stderr) = lisp(&["--heap", "64M"], &path);
    std::fs::remove_file(&path).ok();
    assert_eq!((code, stdout.as_str()), (1, "start"), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "{}: out of memory: could not allocate",
            path.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("of the heap's 67108864-byte limit"),
        "{stderr}"
    );
}

#[test]
fn binary_rejects_a_bad_command_line() {
    let fib = program_dir().join("fib.scm");
    let (code, _, stderr) = lisp(&["--gc", "no-such-gc"], &fib);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown collector \"no-such-gc\"; choose one of: mark-sweep"),
        "{stderr}"
    );
    let (code, _, stderr) = lisp(&["--heap", "12Q"], &fib);
    assert_eq!(code, 2);
    assert!(stderr.contains("bad size \"12Q\""), "{stderr}");
}

/// The evaluator runs the common builtins inline on their common
/// arguments; the results and the errors must be the general builtins'
/// (the expected output is Guile 3.0's).
#[test]
fn inline_builtins_agree_with_the_general_ones() {
    let source = r#"
        (define (f a b) (list (+ a b) (- a b) (* a b) (< a b) (> a b) (<= a b) (>= a b) (= a b)))
        (write (f 4611686018427387904 4611686018427387904)) (newline)
        (write (f 9223372036854775807 1)) (newline)
        (write (f 1.5 2.25)) (newline)
        (write (f 0.0 -0.0)) (newline)
        (define nan (/ 0. 0.))
        (write (list (< nan 1.) (= nan nan) (<= nan nan) (>= 1. nan))) (newline)
        (define v (make-vector 3 0))
        (vector-set! v 2 'x)
        (write (list v (vector-ref v 2) (car '(1 2)) (cdr '(1 2)) (null? '()) (pair? 1)
                     (not #f) (zero? 0) (eq? 'a 'a)))
        (vector-set! v 3 1)"#;
    let expected =
        "(9223372036854775808 0 21267647932558653966460912964485513216 #f #f #t #t #t)\n\
                    (9223372036854775808 9223372036854775806 9223372036854775807 #f #t #f #t #f)\n\
                    (3.75 -0.75 3.375 #t #f #t #f #f)\n\
                    (0.0 0.0 -0.0 #f #f #t #t #t)\n\
                    (#f #f #f #f)\n\
                    (#(0 0 x) x 1 (2) #t #f #t #t #t)";
    for &backend in Backend::ALL {
        let options = Options {
            backend,
            ..Options::default()
        };
        let (output, result) = eval(source, &options);
        assert_eq!(output, expected, "{backend}");
        assert_eq!(
            result.unwrap_err().to_string(),
            "error: vector-set!: index 3 out of range for length 3"
        );
    }
}

/// A call compiled while its operator's global held a builtin follows the
/// global when it is set or defined again, also when nested in another
/// such call.
#[test]
fn redefined_builtins_are_called_as_redefined() {
    let source = r#"
        (define (f x) (car x))
        (define (g x) (+ (car x) 1))
        (display (list (f '(1 2)) (g '(1 2))))
        (set! car cadr)
        (display (list (f (list 1 2)) (g (list 5 2))))
        (define (car x) (display "called ") 10)
        (display (list (f '(1 2)) (g '(5 2))))"#;
    let (output, result) = eval(source, &Options::default());
    assert_eq!(result, Ok(()));
    assert_eq!(output, "(1 2)(2 3)called called (10 11)");
}

/// `(why-alive x)` prints the shortest path from a root to `x` in Scheme
/// terms (then as gc-core shows it), not counting the call itself.
#[test]
fn why_alive_names_what_retains_a_value() {
    let source = r#"
        (define keep (list 1 2 3))
        (why-alive keep)
        (why-alive (list 4 5))
        (why-alive 5)
        (define (f x) (why-alive x) 'done)
        (f (cons 1 2))
        (define v (vector 1 (list 9)))
        (why-alive (vector-ref v 1))
        (define (g) (let ((secret (list 'a))) (lambda () secret)))
        (define h (g))
        (why-alive (h))
        (define-record-type point (make-point x y) point? (x point-x))
        (define p (make-point (list 1) 2))
        (why-alive (point-x p))"#;
    let expected = [
        "global keep → pair",
        "nothing but this call retains it (garbage once it returns)",
        "not an object on the heap (an immediate value)",
        "pending continuation 0 → frame slot 0 → pair",
        "global v → element 1 → pair",
        "global h → closure's frame → frame slot 0 → pair",
        "global p → record field 0 → pair",
    ];
    for &backend in Backend::ALL {
        let options = Options {
            backend,
            ..Options::default()
        };
        let (output, result) = eval(source, &options);
        assert_eq!(result, Ok(()), "{backend}");
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), expected.len(), "{backend}: {output}");
        for (line, expected) in lines.iter().zip(expected) {
            let line = line.strip_prefix("why-alive: ").expect("labelled");
            let scheme_terms = line.split("  [").next().unwrap_or(line);
            assert_eq!(scheme_terms, expected, "{backend}: {line}");
            if line.contains("  [") {
                assert!(line.contains("[lisp[0] → State."), "{backend}: {line}");
            }
        }
    }
}

/// `--heap-snapshot FILE` writes a DevTools heap snapshot at exit, and
/// `(heap-snapshot "file")` one when it is called; both are the format's
/// JSON with the interpreter's types among the node names.
#[test]
fn heap_snapshots_are_written_at_exit_and_on_call() {
    let dir = std::env::temp_dir();
    for &backend in Backend::ALL {
        let at_exit = dir.join(format!("lisp-exit-{backend}.heapsnapshot"));
        let on_call = dir.join(format!("lisp-call-{backend}.heapsnapshot"));
        let source = format!(
            "(define keep (list 1 2 3)) (heap-snapshot {:?}) (define more (vector keep))",
            on_call.display().to_string()
        );
        let options = Options {
            backend,
            heap_snapshot: Some(at_exit.display().to_string()),
            ..Options::default()
        };
        let (_, result) = eval(&source, &options);
        assert_eq!(result, Ok(()), "{backend}");
        let mut node_counts = Vec::new();
        for path in [&on_call, &at_exit] {
            let text = std::fs::read_to_string(path).expect("the snapshot was written");
            let _ = std::fs::remove_file(path);
            let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            let fields = json["snapshot"]["meta"]["node_fields"]
                .as_array()
                .unwrap()
                .len();
            let nodes = json["nodes"].as_array().unwrap().len();
            let count = json["snapshot"]["node_count"].as_u64().unwrap() as usize;
            assert_eq!(nodes, count * fields, "{backend}");
            let strings = json["strings"].as_array().unwrap();
            for name in ["Pair", "State", "Global"] {
                assert!(strings.iter().any(|s| s == name), "{backend}: no {name}");
            }
            node_counts.push(count);
        }
        assert!(
            node_counts[1] > node_counts[0],
            "{backend}: {node_counts:?}"
        );
    }
}

/// A procedure without parameters runs in its closure's frame unless it
/// defines something, also in a nested form: the definition stays local.
#[test]
fn definitions_in_a_procedure_without_parameters_stay_local() {
    let source = "(define x 1) \
                  (define (f) (when #t (define x 5)) x) \
                  (display (f)) (display (let () (if #t (define y 6)) y)) (display x)";
    let (output, result) = eval(source, &Options::default());
    assert_eq!(result, Ok(()));
    assert_eq!(output, "561");
}
