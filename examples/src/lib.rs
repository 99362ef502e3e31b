//! Shared code of the example programs: choosing a backend at run time.
//!
//! A program is written once, generic over [`Collector`], as a [`Program`];
//! [`Backend::run`] builds the chosen heap and runs it. This one `match` is
//! the only place that names the backends.

use gc_core::{Collector, GcError, Heap, HeapConfig};
use std::fmt;
use std::str::FromStr;

pub mod lab;
pub mod lisp;
pub mod workloads;

/// The collectors a program can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `gc_mark_sweep::MarkSweep`: non-moving mark-sweep.
    MarkSweep,
    /// `gc_copying::Copying`: compacting Cheney semispace copying.
    Copying,
    /// `gc_mark_compact::MarkCompact`: sliding mark-compact (Lisp-2).
    MarkCompact,
    /// `gc_refcount::RefCount`: deferred reference counting with cycle collection.
    RefCount,
}

impl Backend {
    /// Every backend, in the order reports list them.
    pub const ALL: &'static [Backend] = &[
        Backend::MarkSweep,
        Backend::Copying,
        Backend::MarkCompact,
        Backend::RefCount,
    ];

    /// The name used on command lines and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::MarkSweep => "mark-sweep",
            Backend::Copying => "copying",
            Backend::MarkCompact => "mark-compact",
            Backend::RefCount => "refcount",
        }
    }

    /// Builds a heap of this backend with `config` and runs `program` on it.
    pub fn run<P: Program>(self, config: HeapConfig, program: P) -> Result<P::Output, GcError> {
        match self {
            Backend::MarkSweep => {
                Ok(program.run(&mut Heap::<gc_mark_sweep::MarkSweep>::new(config)?))
            }
            Backend::Copying => Ok(program.run(&mut Heap::<gc_copying::Copying>::new(config)?)),
            Backend::MarkCompact => {
                Ok(program.run(&mut Heap::<gc_mark_compact::MarkCompact>::new(config)?))
            }
            Backend::RefCount => Ok(program.run(&mut Heap::<gc_refcount::RefCount>::new(config)?)),
        }
    }
}

/// A program written once for every backend.
pub trait Program {
    /// What the program returns.
    type Output;
    /// Runs on `heap`.
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output;
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(name: &str) -> Result<Backend, String> {
        Backend::ALL
            .iter()
            .copied()
            .find(|b| b.name() == name)
            .ok_or_else(|| {
                let names: Vec<_> = Backend::ALL.iter().map(|b| b.name()).collect();
                format!(
                    "unknown collector {name:?}; choose one of: {}",
                    names.join(", ")
                )
            })
    }
}
