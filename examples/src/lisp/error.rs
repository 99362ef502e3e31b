//! [`LispError`]: every way a program can fail. Errors are values that
//! propagate out of the evaluator; none of them crashes the process.

use gc_core::{GcError, GcErrorKind};
use std::fmt;

/// Why a program stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LispError {
    /// The source is not well-formed (1-based line and column).
    Parse {
        /// Line of the problem.
        line: usize,
        /// Column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A variable was read or `set!` before any definition.
    Unbound(String),
    /// A form or a procedure was used wrongly (bad syntax, wrong type or arity).
    Runtime(String),
    /// The heap cap was reached with this many bytes live (a `GcErrorKind::OutOfMemory` message).
    OutOfMemory(String),
    /// Calls nested deeper than the interpreter allows.
    StackOverflow {
        /// The depth limit that was hit.
        limit: usize,
        /// Names of the innermost procedure calls, innermost first.
        frames: Vec<String>,
    },
    /// The heap could not be built (an invalid configuration).
    Heap(GcError),
    /// Writing the program's output failed.
    Io(String),
    /// The program called `(exit code)` with a non-zero code (`(exit)` and
    /// `(exit 0)` end the program normally).
    Exit(i32),
}

/// How many frames a stack-overflow message lists.
pub const SHOWN_FRAMES: usize = 8;

impl From<GcError> for LispError {
    fn from(error: GcError) -> Self {
        match error.kind() {
            GcErrorKind::OutOfMemory { .. } => LispError::OutOfMemory(error.to_string()),
            _ => LispError::Heap(error),
        }
    }
}

impl From<std::io::Error> for LispError {
    fn from(error: std::io::Error) -> Self {
        LispError::Io(error.to_string())
    }
}

impl fmt::Display for LispError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LispError::Parse {
                line,
                column,
                message,
            } => write!(f, "parse error at line {line}, column {column}: {message}"),
            LispError::Unbound(name) => write!(f, "unbound variable: {name}"),
            LispError::Runtime(message) => write!(f, "error: {message}"),
            LispError::OutOfMemory(message) => f.write_str(message),
            LispError::StackOverflow { limit, frames } => {
                write!(
                    f,
                    "stack overflow: calls nested deeper than {limit}; innermost frames:"
                )?;
                for name in frames {
                    write!(f, "\n  in {name}")?;
                }
                Ok(())
            }
            LispError::Heap(error) => write!(f, "{error}"),
            LispError::Io(message) => write!(f, "output error: {message}"),
            LispError::Exit(code) => write!(f, "exit with code {code}"),
        }
    }
}

impl std::error::Error for LispError {}
