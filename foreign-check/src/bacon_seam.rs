//! `bacon_rajan_cc` 0.4: reference counting with Bacon and Rajan's
//! synchronous cycle collection (trial deletion over the buffered
//! candidates) on `collect_cycles()`; weak references.
//!
//! Its `Trace` is a safe trait, so a wrong one is safe code the collector
//! must survive. [`BaconTracesTwice`] is the adapter with a `Trace` that
//! visits one field twice (bacon_rajan_cc issue #41's shape): trial
//! deletion then subtracts that edge twice, which underflows a count or
//! frees a live object; the harness finds it and shrinks it
//! (`tests/bug_classes.rs`).

use crate::stack::{Pointers, Stack};
use bacon_rajan_cc::{Cc, Trace, Tracer, Weak};
use gc_testing::harness::seam::{Abilities, Payload};
use std::cell::RefCell;

/// An object: the payload and four edges. `TWICE`: its `Trace` visits
/// the last edge (`large`) twice.
pub struct Node<const TWICE: bool> {
    payload: Payload,
    /// Weak references kept in the object (not traced: they own nothing).
    weaks: RefCell<Vec<Weak<Node<TWICE>>>>,
    edges: RefCell<[Option<Cc<Node<TWICE>>>; 4]>,
}

impl<const TWICE: bool> Trace for Node<TWICE> {
    fn trace(&self, tracer: &mut Tracer) {
        let edges = self.edges.borrow();
        for edge in edges.iter().flatten() {
            edge.trace(tracer);
        }
        if let (true, Some(large)) = (TWICE, &edges[3]) {
            large.trace(tracer);
        }
    }
}

/// `bacon_rajan_cc`'s pointers (`TWICE`: to objects whose `Trace` visits
/// one edge twice).
pub enum BaconPointers<const TWICE: bool> {}

/// The adapter: `seam::check::<BaconAdapter>(config)`.
pub type BaconAdapter = Stack<BaconPointers<false>>;

/// The adapter whose objects' `Trace` visits the `large` edge twice:
/// safe code with a wrong `Trace`.
pub type BaconTracesTwice = Stack<BaconPointers<true>>;

impl<const TWICE: bool> Pointers for BaconPointers<TWICE> {
    const NAME: &'static str = if TWICE {
        "bacon_rajan_cc 0.4 (a Trace that visits one edge twice)"
    } else {
        "bacon_rajan_cc 0.4"
    };
    const ABILITIES: Abilities = Abilities {
        collects_cycles: true,
        weak: true,
        stored_weak: true,
    };
    type Ptr = Cc<Node<TWICE>>;
    type Weak = Weak<Node<TWICE>>;

    fn new(payload: Payload) -> Cc<Node<TWICE>> {
        let (weaks, edges) = Default::default();
        Cc::new(Node {
            payload,
            weaks,
            edges,
        })
    }
    fn read(p: &Cc<Node<TWICE>>, f: &mut dyn FnMut(&Payload)) {
        f(&p.payload)
    }
    fn edge(p: &Cc<Node<TWICE>>, edge: usize) -> Option<Cc<Node<TWICE>>> {
        p.edges.borrow()[edge].clone()
    }
    fn replace(
        p: &Cc<Node<TWICE>>,
        edge: usize,
        value: Option<Cc<Node<TWICE>>>,
    ) -> Option<Cc<Node<TWICE>>> {
        std::mem::replace(&mut p.edges.borrow_mut()[edge], value)
    }
    fn ptr_eq(a: &Cc<Node<TWICE>>, b: &Cc<Node<TWICE>>) -> bool {
        Cc::ptr_eq(a, b)
    }
    fn collect() {
        bacon_rajan_cc::collect_cycles()
    }
    fn downgrade(p: &Cc<Node<TWICE>>) -> Weak<Node<TWICE>> {
        p.downgrade()
    }
    fn upgrade(weak: &Weak<Node<TWICE>>) -> Option<Cc<Node<TWICE>>> {
        weak.upgrade()
    }
    fn weaks(p: &Cc<Node<TWICE>>) -> &RefCell<Vec<Weak<Node<TWICE>>>> {
        &p.weaks
    }
}
