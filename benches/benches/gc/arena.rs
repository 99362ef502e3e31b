//! The workloads on `gc-arena`: an incremental mark-sweep arena whose
//! pointers cannot leave `Arena::mutate` callbacks. Each step of a workload
//! (a tree, a replacement, a ring, a list cell) is one callback, and the
//! collector is paid between callbacks once [`DEBT_GRANULARITY`] of
//! allocation debt built up. Trees that outlive a callback are held by
//! `DynamicRoot`s, the pool and the list in the arena's root.

use crate::Contender;
use examples::workloads::{Forest, Lists, LiveHeap, Order, Pool, Rings};
use gc_arena::barrier::unlock;
use gc_arena::{Arena, Collect, DynamicRoot, DynamicRootSet, Gc, Lock, Mutation, Rootable};
use std::convert::Infallible;

/// Allocation debt (bytes) at which a step pays the collector; smaller
/// debts are left to accumulate, as `Arena::collect_debt` advises.
pub const DEBT_GRANULARITY: f64 = 4096.0;

/// A binary-tree node.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Node<'gc> {
    left: Option<Gc<'gc, Node<'gc>>>,
    right: Option<Gc<'gc, Node<'gc>>>,
}

/// A list cell or ring member.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Link<'gc> {
    value: u64,
    next: Lock<Option<Gc<'gc, Link<'gc>>>>,
}

/// The arena's root.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Roots<'gc> {
    trees: DynamicRootSet<'gc>,
    pool: Vec<Gc<'gc, u64>>,
    list: Option<Gc<'gc, Link<'gc>>>,
}

/// One arena.
pub struct ArenaHeap(Arena<Rootable![Roots<'_>]>);

impl ArenaHeap {
    /// Pays the collector if enough debt built up.
    fn pay_debt(&mut self) {
        if self.0.metrics().allocation_debt() > DEBT_GRANULARITY {
            self.0.collect_debt();
        }
    }
}

impl Contender for ArenaHeap {
    const NAME: &'static str = "gc-arena";

    fn new() -> Self {
        ArenaHeap(Arena::new(|mc| Roots {
            trees: DynamicRootSet::new(mc),
            pool: Vec::new(),
            list: None,
        }))
    }

    fn finish(&mut self) {
        self.0.finish_cycle();
    }
}

/// Builds a tree of `depth` in one callback.
fn build<'gc>(mc: &Mutation<'gc>, depth: u32) -> Gc<'gc, Node<'gc>> {
    let (left, right) = if depth == 0 {
        (None, None)
    } else {
        (Some(build(mc, depth - 1)), Some(build(mc, depth - 1)))
    };
    Gc::new(mc, Node { left, right })
}

/// Counts the nodes of `node`.
fn count(node: &Node<'_>) -> u64 {
    1 + [node.left, node.right]
        .into_iter()
        .flatten()
        .map(|child| count(&child))
        .sum::<u64>()
}

impl Forest for ArenaHeap {
    type Tree = DynamicRoot<Rootable![Node<'_>]>;
    type Error = Infallible;

    /// Children first whatever `order` says: `Gc::new` takes the children.
    fn build(&mut self, depth: u32, _: Order) -> Result<Self::Tree, Infallible> {
        let tree = self
            .0
            .mutate(|mc, roots| roots.trees.stash(mc, build(mc, depth)));
        self.pay_debt();
        Ok(tree)
    }

    fn check(&mut self, tree: &Self::Tree) -> u64 {
        self.0.mutate(|_, roots| count(&roots.trees.fetch(tree)))
    }

    fn build_and_check(&mut self, depth: u32, _: Order) -> Result<u64, Infallible> {
        let nodes = self.0.mutate(|mc, _| count(&build(mc, depth)));
        self.pay_debt();
        Ok(nodes)
    }
}

/// A churn pool in the arena's root.
pub struct ArenaPool<'a>(&'a mut ArenaHeap);

impl Pool for ArenaPool<'_> {
    type Error = Infallible;

    fn len(&self) -> usize {
        self.0 .0.mutate(|_, roots| roots.pool.len())
    }

    fn replace(&mut self, index: usize, value: u64) -> Result<u64, Infallible> {
        let old = self.0 .0.mutate_root(|mc, roots| {
            *std::mem::replace(&mut roots.pool[index], Gc::new(mc, value))
        });
        self.0.pay_debt();
        Ok(old)
    }

    fn total(&self) -> u64 {
        self.0
             .0
            .mutate(|_, roots| roots.pool.iter().fold(0u64, |sum, v| sum.wrapping_add(**v)))
    }
}

impl LiveHeap for ArenaHeap {
    type Pool<'a> = ArenaPool<'a>;

    fn pool(&mut self, size: usize) -> Result<ArenaPool<'_>, Infallible> {
        self.0
            .mutate_root(|mc, roots| roots.pool = (0..size).map(|_| Gc::new(mc, 0)).collect());
        self.pay_debt();
        Ok(ArenaPool(self))
    }
}

/// Sums `count` values reached by following `next` from `link`.
fn sum_links<'gc>(mut link: Gc<'gc, Link<'gc>>, count: u64) -> u64 {
    let mut sum = 0u64;
    for _ in 0..count {
        let Some(next) = link.next.get() else {
            break;
        };
        sum = sum.wrapping_add(next.value);
        link = next;
    }
    sum
}

impl Rings for ArenaHeap {
    type Error = Infallible;

    fn ring(&mut self, first: u64) -> Result<u64, Infallible> {
        let sum = self.0.mutate(|mc, _| {
            let new = |value, next| {
                Gc::new(
                    mc,
                    Link {
                        value,
                        next: Lock::new(next),
                    },
                )
            };
            let a = new(first, None);
            let c = new(first + 2, Some(a));
            let b = new(first + 1, Some(c));
            unlock!(Gc::write(mc, a), Link, next).set(Some(b));
            sum_links(a, 3)
        });
        self.pay_debt();
        Ok(sum)
    }
}

impl Lists for ArenaHeap {
    type Error = Infallible;

    fn list(&mut self, len: u64) -> Result<u64, Infallible> {
        for value in (0..len).rev() {
            self.0.mutate_root(|mc, roots| {
                let next = Lock::new(roots.list);
                roots.list = Some(Gc::new(mc, Link { value, next }));
            });
            self.pay_debt();
        }
        let sum = self.0.mutate(|mc, roots| {
            let head = Gc::new(
                mc,
                Link {
                    value: 0,
                    next: Lock::new(roots.list),
                },
            );
            sum_links(head, len)
        });
        self.0.mutate_root(|_, roots| roots.list = None);
        Ok(sum)
    }
}
