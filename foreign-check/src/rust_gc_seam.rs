//! `gc` 0.5 (rust-gc): a thread-local mark-sweep collector whose pointers
//! count how often they are rooted (a `Gc` outside the heap is a root);
//! collects when allocation passes a threshold, or on `force_collect()`.
//! No weak references in 0.5.

// gc_derive 0.5 wraps its impls in a `const _` block.
#![allow(non_local_definitions)]

use crate::stack::{Pointers, Stack};
use gc::{Finalize, Gc, GcCell, Trace};
use gc_testing::harness::seam::{Abilities, Payload};
use std::convert::Infallible;

/// An object: the payload (traced as nothing: it owns no `Gc`) and four
/// edges.
#[derive(Trace, Finalize)]
pub struct Node {
    #[unsafe_ignore_trace]
    payload: Payload,
    edges: GcCell<[Option<Gc<Node>>; 4]>,
}

/// rust-gc's pointers.
pub enum RustGcPointers {}

/// The adapter: `seam::check::<RustGcAdapter>(config)`.
pub type RustGcAdapter = Stack<RustGcPointers>;

impl Pointers for RustGcPointers {
    const NAME: &'static str = "gc 0.5 (rust-gc)";
    const ABILITIES: Abilities = Abilities::DEFAULT;
    type Ptr = Gc<Node>;
    type Weak = Infallible;

    fn new(payload: Payload) -> Gc<Node> {
        let edges = GcCell::new(Default::default());
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
        gc::force_collect()
    }
    fn downgrade(_: &Gc<Node>) -> Infallible {
        unreachable!("gc 0.5 has no weak references")
    }
    fn upgrade(weak: &Infallible) -> Option<Gc<Node>> {
        match *weak {}
    }
}
