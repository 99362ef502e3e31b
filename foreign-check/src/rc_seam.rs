//! `std::rc::Rc`: reference counting without a cycle collector, the
//! baseline (the harness accepts its leaked garbage cycles, and nothing
//! else).

use crate::stack::{Pointers, Stack};
use gc_testing::harness::seam::{Abilities, Payload};
use std::cell::RefCell;
use std::rc::{Rc, Weak};

/// An object: the payload, the weak references it keeps, four edges.
pub struct Node {
    payload: Payload,
    weaks: RefCell<Vec<Weak<Node>>>,
    edges: RefCell<[Option<Rc<Node>>; 4]>,
}

/// `std::rc::Rc`'s pointers.
pub enum RcPointers {}

/// The adapter: `seam::check::<RcAdapter>(config)`.
pub type RcAdapter = Stack<RcPointers>;

impl Pointers for RcPointers {
    const NAME: &'static str = "std::rc::Rc";
    const ABILITIES: Abilities = Abilities {
        collects_cycles: false,
        weak: true,
        stored_weak: true,
    };
    type Ptr = Rc<Node>;
    type Weak = Weak<Node>;

    fn new(payload: Payload) -> Rc<Node> {
        let (weaks, edges) = Default::default();
        Rc::new(Node {
            payload,
            weaks,
            edges,
        })
    }
    fn read(p: &Rc<Node>, f: &mut dyn FnMut(&Payload)) {
        f(&p.payload)
    }
    fn edge(p: &Rc<Node>, edge: usize) -> Option<Rc<Node>> {
        p.edges.borrow()[edge].clone()
    }
    fn replace(p: &Rc<Node>, edge: usize, value: Option<Rc<Node>>) -> Option<Rc<Node>> {
        std::mem::replace(&mut p.edges.borrow_mut()[edge], value)
    }
    fn ptr_eq(a: &Rc<Node>, b: &Rc<Node>) -> bool {
        Rc::ptr_eq(a, b)
    }
    fn collect() {}
    fn downgrade(p: &Rc<Node>) -> Weak<Node> {
        Rc::downgrade(p)
    }
    fn upgrade(weak: &Weak<Node>) -> Option<Rc<Node>> {
        weak.upgrade()
    }
    fn weaks(p: &Rc<Node>) -> &RefCell<Vec<Weak<Node>>> {
        &p.weaks
    }
}
