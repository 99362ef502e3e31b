//! Ports and output: `display`, `write`, `read`, string ports, files, and
//! the clock.
//!
//! The program's output is the machine's writer; a string port collects
//! its text on the heap; a file opened for output is written when its port
//! is closed. Input ports (strings, files read whole, the program's
//! standard input) are read by `read`, `read-char`, `peek-char` and
//! `read-line`.

use super::{Args, Flow};
use crate::lisp::data::{alloc, build, string_from};
use crate::lisp::error::LispError;
use crate::lisp::machine::Machine;
use crate::lisp::parse::read_one;
use crate::lisp::print::print;
use crate::lisp::value::{Builtin, Port, PortKind, Value};
use gc_core::model::{Gc, GcVec, Lock, Mutation, RefLock};
use gc_core::Collector;

type Result<T> = std::result::Result<T, LispError>;

/// A new port of `kind` holding `text`.
fn new_port<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    kind: PortKind,
    text: impl ExactSizeIterator<Item = char>,
    path: Option<Box<str>>,
) -> Result<Value<'gc>> {
    let mut chars = GcVec::try_with_capacity(m, text.len())?;
    text.for_each(|c| chars.push(c));
    let port = Port {
        kind,
        text: RefLock::new(chars),
        pos: Lock::new(0),
        path,
        closed: Lock::new(false),
    };
    Ok(Value::Port(alloc(m, port)?))
}

/// Calls an I/O builtin.
pub fn call<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    vm: &mut Machine<'_>,
    builtin: Builtin,
    args: &[Value<'gc>],
) -> Result<Flow<'gc>> {
    use Builtin as B;
    let a = Args::new(builtin, args, &vm.symbols);
    let value = match builtin {
        B::Display | B::Write | B::WriteChar | B::WriteString => {
            let args = a.between(1, 2)?;
            let text = match builtin {
                B::WriteChar => a.char(args[0])?.to_string(),
                B::WriteString => a.text(args[0])?.borrow().iter().collect(),
                _ => print(&vm.symbols, args[0], usize::MAX, builtin == B::Write),
            };
            let port = args.get(1).copied();
            emit(m, vm, builtin, port, &text)?;
            Value::Unspecified
        }
        B::Newline => {
            let port = a.between(0, 1)?.first().copied();
            emit(m, vm, builtin, port, "\n")?;
            Value::Unspecified
        }
        B::Read | B::ReadChar | B::PeekChar | B::ReadLine | B::CharReady => {
            let port = a.between(0, 1)?.first().copied();
            read(m, vm, builtin, port)?
        }
        B::CurrentOutputPort => new_port(m, PortKind::Stdout, std::iter::empty(), None)?,
        B::CurrentInputPort => new_port(m, PortKind::Stdin, std::iter::empty(), None)?,
        B::OpenInputString => {
            let text = a.text(a.one()?)?.borrow().to_vec();
            new_port(m, PortKind::Input, text.into_iter(), None)?
        }
        B::OpenOutputString => {
            let [] = a.exactly()?;
            new_port(m, PortKind::Output, std::iter::empty(), None)?
        }
        B::GetOutputString => {
            let port = a.port(a.one()?)?;
            if port.kind != PortKind::Output {
                return Err(a.expected("an output string port", Value::Port(port)));
            }
            let text = port.text.borrow().to_vec();
            string_from(m, text.into_iter())?
        }
        B::OpenInputFile => {
            let path: String = a.text(a.one()?)?.borrow().iter().collect();
            let text = std::fs::read_to_string(&path)
                .map_err(|error| a.error(format!("cannot open {path}: {error}")))?;
            let text: Vec<char> = text.chars().collect();
            new_port(m, PortKind::Input, text.into_iter(), None)?
        }
        B::OpenOutputFile => {
            let path: String = a.text(a.one()?)?.borrow().iter().collect();
            std::fs::File::create(&path)
                .map_err(|error| a.error(format!("cannot create {path}: {error}")))?;
            new_port(m, PortKind::Output, std::iter::empty(), Some(path.into()))?
        }
        B::ClosePort | B::CloseInputPort | B::CloseOutputPort => {
            let port = a.port(a.one()?)?;
            if let (Some(path), false) = (&port.path, port.closed.get()) {
                let text: String = port.text.borrow().iter().collect();
                std::fs::write(&**path, text)
                    .map_err(|error| a.error(format!("cannot write {path}: {error}")))?;
            }
            m.write(port).project(|p| &p.closed).set(true);
            Value::Unspecified
        }
        B::FlushOutputPort => {
            a.between(0, 1)?;
            vm.out.flush()?;
            Value::Unspecified
        }
        B::IsInputPort => Value::Bool(matches!(
            a.one()?,
            Value::Port(p) if matches!(p.kind, PortKind::Input | PortKind::Stdin)
        )),
        B::IsOutputPort => Value::Bool(matches!(
            a.one()?,
            Value::Port(p) if matches!(p.kind, PortKind::Output | PortKind::Stdout)
        )),
        B::FileExists => {
            let path: String = a.text(a.one()?)?.borrow().iter().collect();
            Value::Bool(std::path::Path::new(&path).exists())
        }
        B::DeleteFile => {
            let path: String = a.text(a.one()?)?.borrow().iter().collect();
            std::fs::remove_file(&path)
                .map_err(|error| a.error(format!("cannot delete {path}: {error}")))?;
            Value::Unspecified
        }
        B::CurrentSecond => {
            let [] = a.exactly()?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            Value::Float(now.as_secs_f64())
        }
        B::CurrentJiffy => {
            let [] = a.exactly()?;
            Value::Int(vm.started.elapsed().as_micros() as i64)
        }
        B::JiffiesPerSecond => {
            let [] = a.exactly()?;
            Value::Int(1_000_000)
        }
        _ => unreachable!("{} is not an I/O builtin", builtin.name()),
    };
    Ok(Flow::Return(value))
}

/// Writes `text` to `port` (the program's output if `None`).
fn emit<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    vm: &mut Machine<'_>,
    builtin: Builtin,
    port: Option<Value<'gc>>,
    text: &str,
) -> Result<()> {
    let a = Args::new(builtin, &[], &vm.symbols);
    match port {
        None => vm.out.write_all(text.as_bytes())?,
        Some(port) => {
            let port = a.port(port)?;
            match port.kind {
                PortKind::Stdout => vm.out.write_all(text.as_bytes())?,
                PortKind::Output if !port.closed.get() => {
                    let mut buffer = m.write(port).project(|p| &p.text).borrow_mut();
                    buffer.try_reserve(text.len())?;
                    text.chars().for_each(|c| buffer.push(c));
                }
                _ => return Err(a.expected("an open output port", Value::Port(port))),
            }
        }
    }
    Ok(())
}

/// `read`, `read-char`, `peek-char`, `read-line`, `char-ready?` on `port`
/// (the program's standard input if `None`).
fn read<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    vm: &mut Machine<'_>,
    builtin: Builtin,
    port: Option<Value<'gc>>,
) -> Result<Value<'gc>> {
    use Builtin as B;
    let a = Args::new(builtin, &[], &vm.symbols);
    let port = match port {
        None => None,
        Some(value) => {
            let port = a.port(value)?;
            match port.kind {
                PortKind::Stdin => None,
                PortKind::Input if !port.closed.get() => Some(port),
                _ => return Err(a.expected("an open input port", value)),
            }
        }
    };
    if port.is_none() {
        vm.load_stdin()?;
    }
    let guard;
    let (chars, pos): (&[char], usize) = match port {
        Some(port) => {
            guard = Gc::as_ref(port).text.borrow();
            (&guard, port.pos.get())
        }
        None => (&vm.stdin, vm.stdin_pos),
    };
    let (value, next) = match builtin {
        B::CharReady => (Value::Bool(true), pos),
        B::ReadChar | B::PeekChar => match chars.get(pos) {
            Some(&c) if builtin == B::ReadChar => (Value::Char(c), pos + 1),
            Some(&c) => (Value::Char(c), pos),
            None => (Value::Eof, pos),
        },
        B::ReadLine => {
            if pos >= chars.len() {
                (Value::Eof, pos)
            } else {
                let end = chars[pos..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |i| pos + i);
                let line = chars[pos..end].iter().copied();
                (string_from(m, line)?, (end + 1).min(chars.len()))
            }
        }
        _ => match read_one(chars, pos, &mut vm.symbols)? {
            Some((datum, next)) => (build(m, &datum)?, next),
            None => (Value::Eof, chars.len()),
        },
    };
    match port {
        Some(port) => m.write(port).project(|p| &p.pos).set(next),
        None => vm.stdin_pos = next,
    }
    Ok(value)
}
