//! The adapter shared by every collector whose pointers are roots while
//! they live outside its heap (`Rc`, `dumpster`, `gc`, `bacon_rajan_cc`):
//! the harness's roots are a stack of such pointers, and each collector
//! says only how to make, read and write one ([`Pointers`]).

use gc_testing::harness::seam::{Abilities, Adapter, Payload};
use gc_testing::harness::HarnessConfig;
use std::cell::RefCell;

/// How one collector's pointers do what the harness asks: the whole of
/// an adapter for a collector whose pointers root their objects.
pub trait Pointers {
    /// The collector's name, for reports.
    const NAME: &'static str;
    /// What it can do.
    const ABILITIES: Abilities;
    /// Its strong pointer to an object.
    type Ptr: Clone;
    /// Its weak pointer (`std::convert::Infallible` if none).
    type Weak: Clone;
    /// A new object owning `payload`, with four null edges.
    fn new(payload: Payload) -> Self::Ptr;
    /// Calls `f` with `p`'s payload.
    fn read(p: &Self::Ptr, f: &mut dyn FnMut(&Payload));
    /// Edge `edge` of `p`'s object.
    fn edge(p: &Self::Ptr, edge: usize) -> Option<Self::Ptr>;
    /// Replaces edge `edge` of `p`'s object, returning the old value (the
    /// caller drops it once no borrow of the object is held).
    fn replace(p: &Self::Ptr, edge: usize, value: Option<Self::Ptr>) -> Option<Self::Ptr>;
    /// Whether `a` and `b` point to the same object.
    fn ptr_eq(a: &Self::Ptr, b: &Self::Ptr) -> bool;
    /// A full collection on this thread.
    fn collect();
    /// A weak pointer to `p`'s object (only if `ABILITIES.weak`).
    fn downgrade(p: &Self::Ptr) -> Self::Weak;
    /// `weak` upgraded (only if `ABILITIES.weak`).
    fn upgrade(weak: &Self::Weak) -> Option<Self::Ptr>;
    /// The weak pointers `p`'s object keeps (only if
    /// `ABILITIES.stored_weak`).
    fn weaks(p: &Self::Ptr) -> &RefCell<Vec<Self::Weak>> {
        let _ = p;
        unreachable!("{} keeps no weak pointers in objects", Self::NAME)
    }
}

/// The [`Adapter`] for a [`Pointers`] collector: a stack of pointers.
pub struct Stack<P: Pointers> {
    roots: Vec<P::Ptr>,
}

impl<P: Pointers> Adapter for Stack<P> {
    const NAME: &'static str = P::NAME;
    const ABILITIES: Abilities = P::ABILITIES;
    type Weak = P::Weak;

    fn open(_: &HarnessConfig) -> Result<Self, String> {
        Ok(Stack { roots: Vec::new() })
    }
    fn alloc(&mut self, payload: Payload) {
        self.roots.push(P::new(payload))
    }
    fn set(&mut self, obj: usize, edge: usize, target: usize) {
        let target = self.roots[target].clone();
        drop(P::replace(&self.roots[obj], edge, Some(target)));
    }
    fn clear(&mut self, obj: usize, edge: usize) {
        drop(P::replace(&self.roots[obj], edge, None));
    }
    fn load(&mut self, obj: usize, edge: usize) -> bool {
        let loaded = P::edge(&self.roots[obj], edge);
        loaded.map(|p| self.roots.push(p)).is_some()
    }
    fn root(&mut self, obj: usize) {
        self.roots.push(self.roots[obj].clone())
    }
    fn assign(&mut self, root: usize, from: usize) {
        self.roots[root] = self.roots[from].clone()
    }
    fn truncate(&mut self, len: usize) {
        self.roots.truncate(len)
    }
    fn read(&mut self, root: usize, f: &mut dyn FnMut(&Payload)) {
        P::read(&self.roots[root], f)
    }
    fn same(&mut self, a: usize, b: usize) -> bool {
        P::ptr_eq(&self.roots[a], &self.roots[b])
    }
    fn collect(&mut self) {
        P::collect()
    }
    fn downgrade(&mut self, obj: usize) -> P::Weak {
        P::downgrade(&self.roots[obj])
    }
    fn upgrade(&mut self, weak: &P::Weak) -> bool {
        P::upgrade(weak).map(|p| self.roots.push(p)).is_some()
    }
    fn store_weak(&mut self, obj: usize, weak: &P::Weak) {
        P::weaks(&self.roots[obj]).borrow_mut().push(weak.clone())
    }
    fn load_weak(&mut self, obj: usize, index: usize) -> bool {
        let weak = P::weaks(&self.roots[obj]).borrow()[index].clone();
        self.upgrade(&weak)
    }
    fn weak_count(&mut self, obj: usize) -> usize {
        P::weaks(&self.roots[obj]).borrow().len()
    }
    fn finish(mut self) {
        self.roots.clear();
        P::collect();
    }
}
