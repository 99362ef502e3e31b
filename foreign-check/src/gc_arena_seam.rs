//! `gc-arena` 0.7: an incremental mark-sweep arena whose pointers cannot
//! leave `Arena::mutate` callbacks. The harness's roots and weak
//! references live in the arena's root; each operation is one callback,
//! and the collector is paid between callbacks (every time in stress mode,
//! else once 4 KiB of allocation debt built up), so marking and sweeping
//! interleave with the program's writes and its write barrier matters.

use gc_arena::arena::CollectionPhase;
use gc_arena::barrier::unlock;
use gc_arena::{Arena, Collect, Gc, GcWeak, Mutation, RefLock, Rootable};
use gc_testing::harness::seam::{Abilities, Adapter, Payload};
use gc_testing::harness::HarnessConfig;

/// An object: the payload (a `'static` value the collector does not
/// trace) and four edges.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Node<'gc> {
    #[collect(require_static)]
    payload: Payload,
    edges: RefLock<[Option<Gc<'gc, Node<'gc>>>; 4]>,
}

/// The arena's root: the harness's root stack and weak references.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Roots<'gc> {
    stack: Vec<Gc<'gc, Node<'gc>>>,
    weaks: Vec<GcWeak<'gc, Node<'gc>>>,
}

/// The adapter: `seam::check::<GcArenaAdapter>(config)`. Its weak
/// reference is an index into the root's list.
pub struct GcArenaAdapter {
    arena: Arena<Rootable![Roots<'_>]>,
    stress: bool,
}

/// Allocation debt (bytes) at which an operation pays the collector.
const DEBT_GRANULARITY: f64 = 4096.0;

impl GcArenaAdapter {
    /// Runs `f` on the root, then pays the collector.
    fn step<R>(&mut self, f: impl for<'gc> FnOnce(&Mutation<'gc>, &mut Roots<'gc>) -> R) -> R {
        let result = self.arena.mutate_root(|mc, root| f(mc, root));
        if self.stress || self.arena.metrics().allocation_debt() > DEBT_GRANULARITY {
            self.arena.collect_debt();
        }
        result
    }
}

impl Adapter for GcArenaAdapter {
    const NAME: &'static str = "gc-arena 0.7";
    const ABILITIES: Abilities = Abilities {
        collects_cycles: true,
        weak: true,
    };
    type Weak = usize;

    fn open(config: &HarnessConfig) -> Result<Self, String> {
        let arena = Arena::new(|_| Roots {
            stack: Vec::new(),
            weaks: Vec::new(),
        });
        Ok(GcArenaAdapter {
            arena,
            stress: config.stress,
        })
    }
    fn alloc(&mut self, payload: Payload) {
        self.step(|mc, root| {
            let edges = RefLock::default();
            root.stack.push(Gc::new(mc, Node { payload, edges }))
        })
    }
    fn set(&mut self, obj: usize, edge: usize, target: usize) {
        self.step(|mc, root| {
            let node = Gc::write(mc, root.stack[obj]);
            unlock!(node, Node, edges).borrow_mut()[edge] = Some(root.stack[target]);
        })
    }
    fn clear(&mut self, obj: usize, edge: usize) {
        self.step(|mc, root| {
            let node = Gc::write(mc, root.stack[obj]);
            unlock!(node, Node, edges).borrow_mut()[edge] = None;
        })
    }
    fn load(&mut self, obj: usize, edge: usize) -> bool {
        self.step(|_, root| {
            let loaded = root.stack[obj].edges.borrow()[edge];
            loaded.map(|node| root.stack.push(node)).is_some()
        })
    }
    fn root(&mut self, obj: usize) {
        self.step(|_, root| root.stack.push(root.stack[obj]))
    }
    fn assign(&mut self, to: usize, from: usize) {
        self.step(|_, root| root.stack[to] = root.stack[from])
    }
    fn truncate(&mut self, len: usize) {
        self.step(|_, root| root.stack.truncate(len))
    }
    fn read(&mut self, at: usize, f: &mut dyn FnMut(&Payload)) {
        self.arena.mutate(|_, root| f(&root.stack[at].payload))
    }
    fn same(&mut self, a: usize, b: usize) -> bool {
        self.arena
            .mutate(|_, root| Gc::ptr_eq(root.stack[a], root.stack[b]))
    }
    /// A full collection: the current cycle finished (its marks may keep
    /// objects that died since), then a whole new one.
    fn collect(&mut self) {
        if self.arena.collection_phase() != CollectionPhase::Sleeping {
            self.arena.finish_cycle();
        }
        self.arena.finish_cycle();
    }
    fn downgrade(&mut self, obj: usize) -> usize {
        self.step(|_, root| {
            root.weaks.push(Gc::downgrade(root.stack[obj]));
            root.weaks.len() - 1
        })
    }
    fn upgrade(&mut self, weak: &usize) -> bool {
        self.step(|mc, root| {
            let up = root.weaks[*weak].upgrade(mc);
            up.map(|node| root.stack.push(node)).is_some()
        })
    }
}
