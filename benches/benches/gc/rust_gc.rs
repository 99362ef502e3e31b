//! The workloads on the `gc` crate (rust-gc): `Gc<T>` pointers counted as
//! roots while on the stack, a thread-local mark-sweep heap that collects
//! when its allocation threshold is crossed, `GcCell` to close a ring.

// gc_derive 0.5 (synstructure) puts its impls inside a `const _` block.
#![allow(non_local_definitions)]

use crate::pointer::pointer_workloads;
use gc::{Finalize, Gc, GcCell, Trace};

/// A binary-tree node.
#[derive(Trace, Finalize)]
pub struct Node {
    left: Option<Gc<Node>>,
    right: Option<Gc<Node>>,
}

/// A list cell or ring member.
#[derive(Trace, Finalize)]
pub struct Link {
    value: u64,
    next: GcCell<Option<Gc<Link>>>,
}

pointer_workloads! {
    /// The thread's `gc` heap.
    pub struct RustGc;
    name: "gc",
    pool: RustGcPool,
    pointer: Gc,
    cell: GcCell,
    finish: gc::force_collect(),
}
