//! The REPL: the `lisp` binary without a file reads forms from its input
//! (rustyline reads a pipe line by line), prints each value, and survives
//! errors, including running out of memory.

use std::io::Write as _;
use std::process::{Command, Stdio};

/// Runs the REPL with `args` on `input`; returns (exit code, stdout, stderr).
fn session(args: &[&str], input: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lisp"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lisp");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write the input");
    let output = child.wait_with_output().expect("run lisp");
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (
        output.status.code(),
        text(output.stdout),
        text(output.stderr),
    )
}

#[test]
fn forms_print_their_values_and_errors_leave_the_session_alive() {
    let input = "(define x 2)\n(* x 21)\n(car '())\n(+ 1\n 2)\n\"str\"\n(undefined-thing)\nx\n";
    for gc in ["mark-sweep", "copying", "refcount"] {
        let (code, stdout, stderr) = session(&["--gc", gc], input);
        assert_eq!(code, Some(0), "{gc}: {stderr}");
        assert_eq!(
            stdout,
            "42\nerror: car: expected a pair, got ()\n3\n\"str\"\nunbound variable: undefined-thing\n2\n",
            "{gc}"
        );
    }
}

#[test]
fn out_of_memory_leaves_the_session_alive_and_stats_are_shown() {
    let input = "(define v (make-vector 10000000 0))\n(+ 1 2)\n(gc-stats)\n(exit 4)\n(display 5)\n";
    let (code, stdout, stderr) = session(&["--heap", "4M", "--stats"], input);
    assert_eq!(code, Some(4), "{stderr}");
    let mut lines = stdout.lines();
    assert!(
        lines.next().unwrap().starts_with("out of memory"),
        "{stdout}"
    );
    assert_eq!(lines.next(), Some("3"));
    assert!(
        lines.next().unwrap().starts_with("mark-sweep: "),
        "{stdout}"
    );
    assert!(
        !stdout.contains('5'.to_string().as_str()) || !stdout.ends_with("5"),
        "{stdout}"
    );
    assert!(stderr.contains("collections"), "--stats at exit: {stderr}");
}

/// `--heap-snapshot FILE` also works for a session: the snapshot is
/// written when the input ends, and `(why-alive x)` answers at the prompt.
#[test]
fn a_session_writes_its_heap_snapshot_and_answers_why_alive() {
    let path = std::env::temp_dir().join("lisp-repl-session.heapsnapshot");
    let _ = std::fs::remove_file(&path);
    let file = path.display().to_string();
    let input = "(define keep (list 1 2))\n(why-alive keep)\n";
    let (code, stdout, stderr) = session(&["--heap-snapshot", &file], input);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with("why-alive: global keep → pair  [lisp-repl[0] → State."),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&path).expect("the snapshot was written");
    let _ = std::fs::remove_file(&path);
    assert!(
        text.starts_with("{\"snapshot\":{\"meta\":"),
        "{}",
        &text[..40]
    );
}
