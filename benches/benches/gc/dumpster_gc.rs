//! The workloads on `dumpster`'s single-threaded `unsync::Gc`: reference
//! counting plus a cycle-finding sweep that runs automatically once enough
//! pointers were dropped (the default collect condition); `RefCell` to
//! close a ring.

use crate::pointer::pointer_workloads;
use dumpster::unsync::Gc;
use dumpster::Trace;
use std::cell::RefCell;

/// A binary-tree node.
#[derive(Trace)]
pub struct Node {
    left: Option<Gc<Node>>,
    right: Option<Gc<Node>>,
}

/// A list cell or ring member.
#[derive(Trace)]
pub struct Link {
    value: u64,
    next: RefCell<Option<Gc<Link>>>,
}

pointer_workloads! {
    /// The thread's `dumpster` heap.
    pub struct Dumpster;
    name: "dumpster",
    pool: DumpsterPool,
    pointer: Gc,
    cell: RefCell,
    finish: dumpster::unsync::collect(),
}
