//! `gc-arena` 0.7: an incremental mark-sweep arena whose pointers cannot
//! leave `Arena::mutate` callbacks. The harness's roots and weak
//! references live in the arena's root; each operation is one callback,
//! and the collector is paid between callbacks once allocation debt built
//! up (its default pacing). In stress mode the arena never sleeps between
//! cycles and every operation that allocates or writes pays a fifth of
//! one object's worth of marking or sweeping, so an incremental cycle spans
//! many operations: writes land on objects already marked, and the write
//! barrier matters. Loads, upgrades and dropped roots (which the harness's
//! checks use too) never pay, so a check does not advance a cycle.
//!
//! [`GcArenaSkippingBarrier`] is a seeded bug on the user's side: its edge
//! writes skip gc-arena's write barrier (through the unsafe
//! `Unlock::unlock_unchecked`), the corpus' "store that skips the
//! barrier". The harness must catch it in stress mode
//! (`tests/gc_arena.rs`).

use gc_arena::arena::CollectionPhase;
use gc_arena::barrier::{unlock, Unlock};
use gc_arena::metrics::Pacing;
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
    /// Weak references kept in the object.
    weaks: RefLock<Vec<GcWeak<'gc, Node<'gc>>>>,
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
/// reference is an index into the root's list. `BARRIER = false` is the
/// seeded bug [`GcArenaSkippingBarrier`].
pub struct GcArenaAdapter<const BARRIER: bool = true> {
    arena: Arena<Rootable![Roots<'_>]>,
    stress: bool,
}

/// A seeded bug, for the harness to catch: edge writes skip the write
/// barrier, so an incremental mark that already scanned an object never
/// sees the edge stored into it.
pub type GcArenaSkippingBarrier = GcArenaAdapter<false>;

/// Allocation debt (in the arena's units: about one per allocation) at
/// which an operation pays the collector.
const DEBT_GRANULARITY: f64 = 64.0;

/// Marking or sweeping work paid after each step in stress mode: a fifth
/// of what marking one object costs (gc-arena's default pacing), so that
/// a cycle spans many steps. (At 1.0 the harness needs far more programs
/// to find the seeded barrier bug: none of 3 × 4,096 did.)
const STRESS_WORK: f64 = 0.1;

/// Stress mode's pacing: a new cycle as soon as the last one ended.
const STRESS: Pacing = Pacing {
    sleep_factor: 0.0,
    min_sleep: 0,
    ..Pacing::DEFAULT
};

impl<const BARRIER: bool> GcArenaAdapter<BARRIER> {
    /// Runs `f` on the root, then pays the collector: an operation of
    /// the program that allocates or writes.
    fn step<R>(&mut self, f: impl for<'gc> FnOnce(&Mutation<'gc>, &mut Roots<'gc>) -> R) -> R {
        let result = self.arena.mutate_root(|mc, root| f(mc, root));
        if self.stress {
            self.arena.metrics().adjust_debt(STRESS_WORK);
        }
        if self.stress || self.arena.metrics().allocation_debt() > DEBT_GRANULARITY {
            self.arena.collect_debt();
        }
        result
    }

    /// Runs `f` on the root without paying the collector: the root-stack
    /// operations the harness's checks use too (loads, upgrades, dropping
    /// roots), which must not advance a cycle between two program steps.
    fn roots<R>(&mut self, f: impl for<'gc> FnOnce(&Mutation<'gc>, &mut Roots<'gc>) -> R) -> R {
        self.arena.mutate_root(|mc, root| f(mc, root))
    }

    /// Sets edge `edge` of root `obj`'s object to `value`.
    fn write(&mut self, obj: usize, edge: usize, value: Option<usize>) {
        self.step(|mc, root| {
            let node = root.stack[obj];
            let value = value.map(|v| root.stack[v]);
            if BARRIER {
                unlock!(Gc::write(mc, node), Node, edges).borrow_mut()[edge] = value;
            } else {
                // SAFETY: NOT sound, on purpose: this is the seeded bug.
                // `unlock_unchecked` requires the write barrier to run
                // before the next collection step, and it never does. Only
                // `GcArenaSkippingBarrier` takes this path, in a test that
                // expects the harness to catch it; the harness leaks the
                // arena once it did.
                unsafe { node.edges.unlock_unchecked() }.borrow_mut()[edge] = value;
            }
        })
    }
}

impl<const BARRIER: bool> Adapter for GcArenaAdapter<BARRIER> {
    const NAME: &'static str = if BARRIER {
        "gc-arena 0.7"
    } else {
        "gc-arena 0.7 (seeded bug: edge writes skip the barrier)"
    };
    const ABILITIES: Abilities = Abilities {
        collects_cycles: true,
        weak: true,
        stored_weak: true,
    };
    type Weak = usize;

    fn open(config: &HarnessConfig) -> Result<Self, String> {
        let arena = Arena::new(|_| Roots {
            stack: Vec::new(),
            weaks: Vec::new(),
        });
        if config.stress {
            arena.metrics().set_pacing(STRESS);
        }
        Ok(GcArenaAdapter {
            arena,
            stress: config.stress,
        })
    }
    fn alloc(&mut self, payload: Payload) {
        self.step(|mc, root| {
            let (weaks, edges) = Default::default();
            let node = Node {
                payload,
                weaks,
                edges,
            };
            root.stack.push(Gc::new(mc, node))
        })
    }
    fn set(&mut self, obj: usize, edge: usize, target: usize) {
        self.write(obj, edge, Some(target))
    }
    fn clear(&mut self, obj: usize, edge: usize) {
        self.write(obj, edge, None)
    }
    fn load(&mut self, obj: usize, edge: usize) -> bool {
        self.roots(|_, root| {
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
        self.roots(|_, root| root.stack.truncate(len))
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
    fn store_weak(&mut self, obj: usize, weak: &usize) {
        self.step(|mc, root| {
            let node = Gc::write(mc, root.stack[obj]);
            unlock!(node, Node, weaks)
                .borrow_mut()
                .push(root.weaks[*weak]);
        })
    }
    fn load_weak(&mut self, obj: usize, index: usize) -> bool {
        self.roots(|mc, root| {
            let up = root.stack[obj].weaks.borrow()[index].upgrade(mc);
            up.map(|node| root.stack.push(node)).is_some()
        })
    }
    fn weak_count(&mut self, obj: usize) -> usize {
        self.arena
            .mutate(|_, root| root.stack[obj].weaks.borrow().len())
    }
    fn upgrade(&mut self, weak: &usize) -> bool {
        self.roots(|mc, root| {
            let up = root.weaks[*weak].upgrade(mc);
            up.map(|node| root.stack.push(node)).is_some()
        })
    }
}
