//! The seam's adapter for a gc-core heap, written against gc-core's object
//! model as a user would: objects with [`Lock`] edges, roots kept as
//! [`Persistent`] handles between regions, one region per operation.

use super::super::HarnessConfig;
use super::{Abilities, Adapter, Payload};
use gc_core::model::{Charge, Gc, Lock, Persistent};
use gc_core::{Collector, GcWeak, Heap, Trace};
use std::cell::RefCell;
use std::marker::PhantomData;

/// The seam's object on a gc-core heap. The payload's out-of-heap bytes
/// are charged to the heap, so that a large object weighs on the trigger
/// (and on incremental marking's pacing) as if its words were inline.
#[derive(Trace)]
struct Node<'gc> {
    payload: Payload,
    _charge: Charge<'gc>,
    /// Weak references kept in the object (`Op::StoreWeak`).
    weaks: RefCell<Vec<GcWeak<Node<'static>>>>,
    edges: [Lock<Option<Gc<'gc, Node<'gc>>>>; 4],
}

/// An [`Adapter`] for any gc-core backend `C`: the heap is configured by
/// [`HarnessConfig::heap_config`] (small, verifier on, stress mode if
/// asked), each operation runs in a mutation region of its own, and roots
/// are persistent roots.
///
/// ```
/// use gc_testing::harness::seam::{check, HeapAdapter};
/// use gc_testing::harness::HarnessConfig;
/// check::<HeapAdapter<gc_mark_sweep::MarkSweep>>(HarnessConfig {
///     cases: 8,
///     stress: true,
///     ..HarnessConfig::default()
/// });
/// ```
pub struct HeapAdapter<C: Collector> {
    /// Declared before the heap: dropped first.
    roots: Vec<Persistent<Node<'static>>>,
    heap: Heap<C>,
    _collector: PhantomData<C>,
}

impl<C: Collector> HeapAdapter<C> {
    /// Runs `f` in a region with the roots.
    fn region<R>(
        &mut self,
        f: impl for<'gc> FnOnce(
            &gc_core::model::Mutation<'_, 'gc, C>,
            &mut Vec<Persistent<Node<'static>>>,
        ) -> R,
    ) -> R {
        let roots = &mut self.roots;
        self.heap.scope("seam", |s| s.mutate(|m| f(m, roots)))
    }

    /// Root `root`'s edge `edge`.
    fn edge<'gc>(
        m: &gc_core::model::Mutation<'_, 'gc, C>,
        root: &Persistent<Node<'static>>,
        edge: usize,
    ) -> Option<Gc<'gc, Node<'gc>>> {
        m.persistent(root).edges[edge].get()
    }

    fn write(&mut self, obj: usize, edge: usize, target: Option<usize>) {
        self.region(|m, roots| {
            let node = m.persistent(&roots[obj]);
            let value = target.map(|t| m.persistent(&roots[t]));
            m.write(node).project(|n| &n.edges[edge]).set(value);
        })
    }
}

/// [`HeapAdapter`]'s weak reference: a [`GcWeak`] to its object type.
///
/// ```
/// use gc_testing::harness::seam::{Adapter, HeapAdapter, HeapWeak};
/// fn weak_type<A: Adapter<Weak = HeapWeak>>() {}
/// weak_type::<HeapAdapter<gc_mark_sweep::MarkSweep>>();
/// ```
pub struct HeapWeak(GcWeak<Node<'static>>);

impl<C: Collector> Adapter for HeapAdapter<C> {
    const NAME: &'static str = C::NAME;
    const ABILITIES: Abilities = Abilities {
        collects_cycles: C::CAPABILITIES.collects_cycles,
        weak: true,
        stored_weak: true,
    };
    type Weak = HeapWeak;

    fn open(config: &HarnessConfig) -> Result<Self, String> {
        Ok(HeapAdapter {
            roots: Vec::new(),
            heap: Heap::new(config.heap_config()).map_err(|e| e.to_string())?,
            _collector: PhantomData,
        })
    }

    fn alloc(&mut self, payload: Payload) {
        self.region(|m, roots| {
            let charge = m.charge(payload.owned_bytes());
            let node = m.alloc(Node {
                payload,
                _charge: charge.expect("the harness's heap has room for a payload"),
                weaks: RefCell::default(),
                edges: Default::default(),
            });
            roots.push(m.persist(node));
        })
    }

    fn set(&mut self, obj: usize, edge: usize, target: usize) {
        self.write(obj, edge, Some(target))
    }

    fn clear(&mut self, obj: usize, edge: usize) {
        self.write(obj, edge, None)
    }

    fn load(&mut self, obj: usize, edge: usize) -> bool {
        self.region(|m, roots| {
            let loaded = Self::edge(m, &roots[obj], edge).map(|n| m.persist(n));
            loaded.map(|root| roots.push(root)).is_some()
        })
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
        self.region(|m, roots| f(&m.persistent(&roots[root]).payload))
    }

    fn same(&mut self, a: usize, b: usize) -> bool {
        self.region(|m, roots| Gc::ptr_eq(m.persistent(&roots[a]), m.persistent(&roots[b])))
    }

    fn collect(&mut self) {
        self.heap.scope("seam", |s| s.collect())
    }

    fn downgrade(&mut self, obj: usize) -> Self::Weak {
        HeapWeak(self.region(|m, roots| m.downgrade(m.persistent(&roots[obj]))))
    }

    /// Drops the heap, as the handle-API harness does after a failure:
    /// its memory stays mapped until then, and dropping runs the
    /// remaining destructors the final count checks.
    fn abandon(self) {
        drop(self)
    }

    fn upgrade(&mut self, weak: &Self::Weak) -> bool {
        self.region(|m, roots| {
            let up = m.upgrade(&weak.0).map(|n| m.persist(n));
            up.map(|root| roots.push(root)).is_some()
        })
    }

    fn store_weak(&mut self, obj: usize, weak: &Self::Weak) {
        self.region(|m, roots| m.persistent(&roots[obj]).weaks.borrow_mut().push(weak.0))
    }

    fn load_weak(&mut self, obj: usize, index: usize) -> bool {
        self.region(|m, roots| {
            let weak = m.persistent(&roots[obj]).weaks.borrow()[index];
            let up = m.upgrade(&weak).map(|n| m.persist(n));
            up.map(|root| roots.push(root)).is_some()
        })
    }

    fn weak_count(&mut self, obj: usize) -> usize {
        self.region(|m, roots| m.persistent(&roots[obj]).weaks.borrow().len())
    }
}
