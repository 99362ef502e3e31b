//! The workloads on `bacon_rajan_cc`'s `Cc`: reference counting plus
//! Bacon and Rajan's synchronous cycle collector, which runs only when
//! called; the rings call it whenever the buffer of possible cycle roots
//! passes [`ROOTS_BEFORE_COLLECT`]. `Trace` is implemented by hand (the
//! crate has no derive); `RefCell` closes a ring.

use crate::pointer::pointer_workloads;
use bacon_rajan_cc::Trace;
use bacon_rajan_cc::{collect_cycles, number_of_roots_buffered, Cc as Gc, Tracer};
use std::cell::RefCell;

/// Possible cycle roots buffered before a ring collects cycles.
pub const ROOTS_BEFORE_COLLECT: usize = 10_000;

/// A binary-tree node.
pub struct Node {
    left: Option<Gc<Node>>,
    right: Option<Gc<Node>>,
}

/// A list cell or ring member.
pub struct Link {
    value: u64,
    next: RefCell<Option<Gc<Link>>>,
}

impl Trace for Node {
    fn trace(&self, tracer: &mut Tracer) {
        self.left.trace(tracer);
        self.right.trace(tracer);
    }
}

impl Trace for Link {
    fn trace(&self, tracer: &mut Tracer) {
        self.next.trace(tracer);
    }
}

pointer_workloads! {
    /// The thread's `bacon_rajan_cc` cycle collector.
    pub struct Bacon;
    name: "bacon_rajan_cc",
    pool: BaconPool,
    pointer: Gc,
    cell: RefCell,
    finish: collect_cycles(),
    after_ring: if number_of_roots_buffered() > ROOTS_BEFORE_COLLECT {
        collect_cycles();
    },
}
