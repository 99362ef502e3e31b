//! `bacon_rajan_cc` 0.4: reference counting with Bacon and Rajan's
//! synchronous cycle collection (trial deletion over the buffered
//! candidates) on `collect_cycles()`; weak references.

use crate::stack::{Pointers, Stack};
use bacon_rajan_cc::{Cc, Trace, Tracer, Weak};
use gc_testing::harness::seam::{Abilities, Payload};
use std::cell::RefCell;

/// An object: the payload and four edges.
pub struct Node {
    payload: Payload,
    edges: RefCell<[Option<Cc<Node>>; 4]>,
}

impl Trace for Node {
    fn trace(&self, tracer: &mut Tracer) {
        for edge in self.edges.borrow().iter().flatten() {
            edge.trace(tracer);
        }
    }
}

/// `bacon_rajan_cc`'s pointers.
pub enum BaconPointers {}

/// The adapter: `seam::check::<BaconAdapter>(config)`.
pub type BaconAdapter = Stack<BaconPointers>;

impl Pointers for BaconPointers {
    const NAME: &'static str = "bacon_rajan_cc 0.4";
    const ABILITIES: Abilities = Abilities {
        collects_cycles: true,
        weak: true,
    };
    type Ptr = Cc<Node>;
    type Weak = Weak<Node>;

    fn new(payload: Payload) -> Cc<Node> {
        let edges = RefCell::default();
        Cc::new(Node { payload, edges })
    }
    fn read(p: &Cc<Node>, f: &mut dyn FnMut(&Payload)) {
        f(&p.payload)
    }
    fn edge(p: &Cc<Node>, edge: usize) -> Option<Cc<Node>> {
        p.edges.borrow()[edge].clone()
    }
    fn replace(p: &Cc<Node>, edge: usize, value: Option<Cc<Node>>) -> Option<Cc<Node>> {
        std::mem::replace(&mut p.edges.borrow_mut()[edge], value)
    }
    fn ptr_eq(a: &Cc<Node>, b: &Cc<Node>) -> bool {
        Cc::ptr_eq(a, b)
    }
    fn collect() {
        bacon_rajan_cc::collect_cycles()
    }
    fn downgrade(p: &Cc<Node>) -> Weak<Node> {
        p.downgrade()
    }
    fn upgrade(weak: &Weak<Node>) -> Option<Cc<Node>> {
        weak.upgrade()
    }
}
