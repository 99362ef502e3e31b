//! `dumpster` 2.x, its single-threaded `unsync::Gc`: reference counting
//! plus a cycle-finding sweep over the pointers dropped since the last
//! one, run by `unsync::collect()` and automatically (its default collect
//! condition) when enough pointers were dropped. No weak references.

use crate::stack::{Pointers, Stack};
use dumpster::unsync::Gc;
use dumpster::{TraceWith, Visitor};
use gc_testing::harness::seam::{Abilities, Payload};
use std::cell::RefCell;
use std::convert::Infallible;

/// An object: the payload and four edges.
pub struct Node {
    payload: Payload,
    edges: RefCell<[Option<Gc<Node>>; 4]>,
}

// SAFETY: visits every `Gc` the node owns (its edges; the payload owns
// none), in the same order each time.
unsafe impl<V: Visitor> TraceWith<V> for Node {
    fn accept(&self, visitor: &mut V) -> Result<(), ()> {
        self.edges.accept(visitor)
    }
}

/// `dumpster::unsync`'s pointers.
pub enum DumpsterPointers {}

/// The adapter: `seam::check::<DumpsterAdapter>(config)`.
pub type DumpsterAdapter = Stack<DumpsterPointers>;

impl Pointers for DumpsterPointers {
    const NAME: &'static str = "dumpster 2 (unsync)";
    const ABILITIES: Abilities = Abilities::DEFAULT;
    type Ptr = Gc<Node>;
    type Weak = Infallible;

    fn new(payload: Payload) -> Gc<Node> {
        let edges = RefCell::default();
        Gc::new(Node { payload, edges })
    }
    fn read(p: &Gc<Node>, f: &mut dyn FnMut(&Payload)) {
        f(&p.payload)
    }
    fn edge(p: &Gc<Node>, edge: usize) -> Option<Gc<Node>> {
        p.edges.borrow()[edge].clone()
    }
    fn replace(p: &Gc<Node>, edge: usize, value: Option<Gc<Node>>) -> Option<Gc<Node>> {
        std::mem::replace(&mut p.edges.borrow_mut()[edge], value)
    }
    fn ptr_eq(a: &Gc<Node>, b: &Gc<Node>) -> bool {
        Gc::ptr_eq(a, b)
    }
    fn collect() {
        dumpster::unsync::collect()
    }
    fn downgrade(_: &Gc<Node>) -> Infallible {
        unreachable!("dumpster has no weak references")
    }
    fn upgrade(weak: &Infallible) -> Option<Gc<Node>> {
        match *weak {}
    }
}
