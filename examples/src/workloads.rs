//! The benchmark workloads, written once for every backend and for plain
//! `Box`, so the comparison tool and the criterion benchmarks measure the
//! same work.
//!
//! - **binary-trees** (the benchmarks game's shape, after Boehm's GCBench):
//!   a stretch tree of depth `D + 1` built and dropped, a long-lived tree of
//!   depth `D`, then for each depth `d` in `4, 6, .. D`, `2^(D - d + 4)`
//!   short-lived trees of depth `d`, each built, counted and dropped.
//!   Mostly garbage, a medium live set: it measures allocation and tracing.
//! - **churn**: many one-word allocations, each replacing one of a small
//!   fixed set of live objects. Almost no live data: it measures the
//!   allocator and the cost of a collection over a tiny heap.
//! - **cycles**: many rings of three objects, each built, walked once round
//!   and dropped. Garbage that reference counting alone cannot free.
//! - **large live heap**: a big long-lived tree, then churn beside it. Every
//!   collection must trace the tree: it measures pause times.
//! - **long list**: one singly linked list built, walked and dropped. The
//!   worst case for marking (no parallelism, one cache miss per object).
//!
//! The schedules ([`binary_trees`], [`churn`], [`cycles`],
//! [`large_live_heap`], [`Lists::list`]) are written once over small traits
//! ([`Forest`], [`Pool`], [`LiveHeap`], [`Rings`], [`Lists`]) that the heap
//! and the `Box` baseline implement (and the benchmarks' peers);
//! [`BinaryTrees`] and [`Churn`] wrap two of them as [`Program`]s for
//! [`Backend::run`](crate::Backend::run). Every workload returns a checksum
//! (nodes counted, values read back) so tests can check that a run did the
//! work it claims.
//!
//! ```
//! use examples::workloads::{binary_trees, BinaryTrees, BoxForest, Order};
//! use examples::Backend;
//! use gc_core::HeapConfig;
//!
//! let program = BinaryTrees { depth: 6, order: Order::ChildrenFirst };
//! let on_gc = Backend::MarkSweep.run(HeapConfig::default(), program)??;
//! let on_box = binary_trees(&mut BoxForest, 6, Order::ParentsFirst).unwrap();
//! assert_eq!(on_gc, on_box);
//! # Ok::<(), gc_core::GcError>(())
//! ```

use crate::Program;
use gc_core::{Collector, Gc, GcError, Heap, Root, Scope, Trace};
use std::convert::Infallible;
use std::time::{Duration, Instant};

/// The shallowest short-lived trees binary-trees builds.
pub const MIN_DEPTH: u32 = 4;

/// The order a tree's nodes are allocated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Each node before its children, which are then stored into it
    /// ([`build_tree`]).
    ParentsFirst,
    /// Both children before their parent, which is allocated holding them
    /// ([`build_tree_children_first`]): the benchmarks game's
    /// `bottomUpTree` and GCBench's `MakeTree`, and the only order in which
    /// immutable nodes (`Rc::new`, `Gc::new` of the peer crates) can be built.
    ChildrenFirst,
}

impl Order {
    /// Both orders.
    pub const BOTH: [Order; 2] = [Order::ParentsFirst, Order::ChildrenFirst];

    /// The name used in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Order::ParentsFirst => "parents-first",
            Order::ChildrenFirst => "children-first",
        }
    }
}

/// Something binary trees can be built in: a GC heap or plain `Box`es.
pub trait Forest {
    /// A handle that keeps a tree alive.
    type Tree;
    /// Why building can fail.
    type Error;

    /// Builds a complete binary tree of `depth` (a single node at depth 0),
    /// allocating its nodes in `order`. A forest of immutable nodes can only
    /// build [`Order::ChildrenFirst`], and does so whatever `order` says.
    fn build(&mut self, depth: u32, order: Order) -> Result<Self::Tree, Self::Error>;

    /// Counts the nodes of `tree`.
    fn check(&mut self, tree: &Self::Tree) -> u64;

    /// Builds a tree of `depth`, counts it and drops it. A GC heap overrides
    /// this to do it in a scope of its own, so the tree becomes garbage.
    fn build_and_check(&mut self, depth: u32, order: Order) -> Result<u64, Self::Error> {
        let tree = self.build(depth, order)?;
        Ok(self.check(&tree))
    }
}

/// The binary-trees schedule on `forest` with a long-lived tree of
/// `max_depth` (at least [`MIN_DEPTH`]), every tree built in `order`;
/// returns the total nodes counted.
pub fn binary_trees<F: Forest>(
    forest: &mut F,
    max_depth: u32,
    order: Order,
) -> Result<u64, F::Error> {
    let mut checksum = forest.build_and_check(max_depth + 1, order)?;
    let long_lived = forest.build(max_depth, order)?;
    for depth in (MIN_DEPTH..=max_depth).step_by(2) {
        for _ in 0..1u64 << (max_depth - depth + MIN_DEPTH) {
            checksum += forest.build_and_check(depth, order)?;
        }
    }
    Ok(checksum + forest.check(&long_lived))
}

/// The checksum [`binary_trees`] must return for `max_depth`, in closed form
/// (a tree of depth `d` has `2^(d+1) - 1` nodes).
pub fn binary_trees_checksum(max_depth: u32) -> u64 {
    let nodes = |depth: u32| (1u64 << (depth + 1)) - 1;
    let short_lived: u64 = (MIN_DEPTH..=max_depth)
        .step_by(2)
        .map(|depth| (1u64 << (max_depth - depth + MIN_DEPTH)) * nodes(depth))
        .sum();
    nodes(max_depth + 1) + short_lived + nodes(max_depth)
}

/// A binary-tree node on a GC heap.
#[derive(Trace, Default)]
pub struct Node {
    /// The left subtree; null in a leaf.
    pub left: Gc<Node>,
    /// The right subtree; null in a leaf.
    pub right: Gc<Node>,
}

/// Builds a tree of `depth` rooted in `s`, top down. Each level's children
/// are built in a nested scope, so the shadow stack holds about two roots
/// per level however large the tree.
pub fn build_tree<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    depth: u32,
) -> Result<Root<'s, Node>, GcError> {
    let node = s.try_alloc(Node::default())?;
    if depth > 0 {
        s.scope("children", |t| {
            let left = build_tree(t, depth - 1)?;
            t.set(node, |n| &n.left, left);
            let right = build_tree(t, depth - 1)?;
            t.set(node, |n| &n.right, right);
            Ok::<(), GcError>(())
        })?;
    }
    Ok(node)
}

/// Builds a tree of `depth` rooted in `s`, children first: each node is
/// allocated after both its subtrees, which are built in a scope of its own
/// ([`Scope::try_scope_escaping`]) so that only the node's root outlives it.
pub fn build_tree_children_first<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    depth: u32,
) -> Result<Root<'s, Node>, GcError> {
    if depth == 0 {
        return s.try_alloc(Node::default());
    }
    s.try_scope_escaping("node", |t| {
        let left = build_tree_children_first(t, depth - 1)?;
        let right = build_tree_children_first(t, depth - 1)?;
        let node = t.try_alloc(Node::default())?;
        t.set(node, |n| &n.left, left);
        t.set(node, |n| &n.right, right);
        Ok(node)
    })
}

/// Builds a tree of `depth` in `order` ([`build_tree`] or
/// [`build_tree_children_first`]).
pub fn build_tree_in<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    depth: u32,
    order: Order,
) -> Result<Root<'s, Node>, GcError> {
    match order {
        Order::ParentsFirst => build_tree(s, depth),
        Order::ChildrenFirst => build_tree_children_first(s, depth),
    }
}

/// Counts the nodes of the tree at `node`, reading through [`Gc::get`]:
/// no roots, and the borrow of `s` stops collection while it walks.
pub fn count_nodes<C: Collector>(s: &Scope<'_, C>, node: Root<'_, Node>) -> u64 {
    count_from(s.get(node))
}

/// Counts the nodes of the tree at `node`.
fn count_from(node: &Node) -> u64 {
    1 + [&node.left, &node.right]
        .into_iter()
        .filter_map(Gc::get)
        .map(count_from)
        .sum::<u64>()
}

impl<'s, C: Collector> Forest for Scope<'s, C> {
    type Tree = Root<'s, Node>;
    type Error = GcError;

    fn build(&mut self, depth: u32, order: Order) -> Result<Root<'s, Node>, GcError> {
        build_tree_in(self, depth, order)
    }

    fn check(&mut self, tree: &Root<'s, Node>) -> u64 {
        count_nodes(self, *tree)
    }

    fn build_and_check(&mut self, depth: u32, order: Order) -> Result<u64, GcError> {
        self.scope("short-lived tree", |t| {
            let tree = build_tree_in(t, depth, order)?;
            Ok(count_nodes(t, tree))
        })
    }
}

/// binary-trees with its long-lived tree of this depth, as a [`Program`].
#[derive(Debug, Clone, Copy)]
pub struct BinaryTrees {
    /// Depth of the long-lived tree; at least [`MIN_DEPTH`].
    pub depth: u32,
    /// The order every tree is built in.
    pub order: Order,
}

impl Program for BinaryTrees {
    type Output = Result<u64, GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Result<u64, GcError> {
        heap.scope("binary-trees", |s| binary_trees(s, self.depth, self.order))
    }
}

/// A binary-tree node in plain `Box`es: the no-GC baseline.
#[derive(Default)]
pub struct BoxNode {
    /// The left subtree; `None` in a leaf.
    pub left: Option<Box<BoxNode>>,
    /// The right subtree; `None` in a leaf.
    pub right: Option<Box<BoxNode>>,
}

/// Builds binary trees from `Box`es (malloc and free, no collector).
#[derive(Debug, Clone, Copy, Default)]
pub struct BoxForest;

impl Forest for BoxForest {
    type Tree = Box<BoxNode>;
    type Error = Infallible;

    fn build(&mut self, depth: u32, order: Order) -> Result<Box<BoxNode>, Infallible> {
        if order == Order::ChildrenFirst {
            return Ok(build_boxes_children_first(depth));
        }
        let mut node = Box::<BoxNode>::default();
        if depth > 0 {
            node.left = Some(self.build(depth - 1, order)?);
            node.right = Some(self.build(depth - 1, order)?);
        }
        Ok(node)
    }

    fn check(&mut self, tree: &Box<BoxNode>) -> u64 {
        let children = [&tree.left, &tree.right];
        1 + children
            .into_iter()
            .flatten()
            .map(|c| self.check(c))
            .sum::<u64>()
    }
}

/// A `Box` tree of `depth`, each node allocated after its children.
fn build_boxes_children_first(depth: u32) -> Box<BoxNode> {
    let children = (depth > 0).then(|| {
        let left = build_boxes_children_first(depth - 1);
        (left, build_boxes_children_first(depth - 1))
    });
    let (left, right) = children.unzip();
    Box::new(BoxNode { left, right })
}

/// A fixed number of live one-word objects, each replaceable by a new one.
pub trait Pool {
    /// Why allocating can fail.
    type Error;

    /// Number of live objects.
    fn len(&self) -> usize;

    /// `true` if the pool holds no objects.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Allocates a new object holding `value` in place of the one at `index`
    /// (which becomes garbage) and returns the old one's value.
    fn replace(&mut self, index: usize, value: u64) -> Result<u64, Self::Error>;

    /// The sum of the live objects' values.
    fn total(&self) -> u64;
}

/// The churn loop: `allocations` replacements cycling through `pool`
/// (which must not be empty), each new object holding the step number.
/// Returns the sum of every value read back, replaced or still live: for a
/// pool that starts at zeros, `allocations * (allocations - 1) / 2`.
pub fn churn<P: Pool>(pool: &mut P, allocations: u64) -> Result<u64, P::Error> {
    let live = pool.len() as u64;
    let mut checksum = 0u64;
    for step in 0..allocations {
        checksum = checksum.wrapping_add(pool.replace((step % live) as usize, step)?);
    }
    Ok(checksum.wrapping_add(pool.total()))
}

/// A [`Pool`] of `u64`s on a GC heap: one root per live object, re-pointed
/// (never pushed) on each replacement.
pub struct GcPool<'a, 's, C: Collector> {
    scope: &'a mut Scope<'s, C>,
    live: Vec<Root<'s, u64>>,
}

impl<'a, 's, C: Collector> GcPool<'a, 's, C> {
    /// A pool of `size` zeros rooted in `scope`.
    pub fn new(scope: &'a mut Scope<'s, C>, size: usize) -> Result<Self, GcError> {
        let live = (0..size)
            .map(|_| scope.try_alloc(0u64))
            .collect::<Result<_, _>>()?;
        Ok(GcPool { scope, live })
    }
}

impl<C: Collector> Pool for GcPool<'_, '_, C> {
    type Error = GcError;

    fn len(&self) -> usize {
        self.live.len()
    }

    fn replace(&mut self, index: usize, value: u64) -> Result<u64, GcError> {
        let root = self.live[index];
        let old = *self.scope.get(root);
        self.scope.try_alloc_into(root, value)?;
        Ok(old)
    }

    fn total(&self) -> u64 {
        self.live
            .iter()
            .fold(0, |sum, &root| sum.wrapping_add(*self.scope.get(root)))
    }
}

/// A [`Forest`] that can also make a churn [`Pool`] beside its trees, for
/// [`large_live_heap`].
pub trait LiveHeap: Forest {
    /// The pool; it may borrow the heap.
    type Pool<'a>: Pool<Error = Self::Error>
    where
        Self: 'a;

    /// A pool of `size` zeros (distinct objects).
    fn pool(&mut self, size: usize) -> Result<Self::Pool<'_>, Self::Error>;
}

/// A [`Pool`] that times each [`Pool::replace`] of the pool it wraps and
/// keeps the longest: the pause the mutator sees, whatever caused it (a
/// collection, sweeping, malloc, a cascade of frees).
///
/// One clock read per step: a step is timed from the return of the previous
/// replacement (or from [`TimedPool::new`]) to the return of its own, so it
/// includes the caller's few instructions between two replacements.
pub struct TimedPool<P> {
    pool: P,
    last: Instant,
    longest: Duration,
}

impl<P: Pool> TimedPool<P> {
    /// Starts timing `pool`.
    pub fn new(pool: P) -> Self {
        TimedPool {
            pool,
            last: Instant::now(),
            longest: Duration::ZERO,
        }
    }

    /// The longest step so far.
    pub fn longest_step(&self) -> Duration {
        self.longest
    }
}

impl<P: Pool> Pool for TimedPool<P> {
    type Error = P::Error;

    fn len(&self) -> usize {
        self.pool.len()
    }

    fn replace(&mut self, index: usize, value: u64) -> Result<u64, P::Error> {
        let old = self.pool.replace(index, value);
        let now = Instant::now();
        self.longest = self.longest.max(now - self.last);
        self.last = now;
        old
    }

    fn total(&self) -> u64 {
        self.pool.total()
    }
}

/// The large-live-heap schedule: builds a long-lived tree of `depth` in
/// `order`, runs
/// [`churn`] with `allocations` over a pool of `live` beside it, timing
/// each step ([`TimedPool`]), then counts the tree. Returns the churn
/// checksum plus the tree's node count, and the longest churn step.
pub fn large_live_heap<H: LiveHeap>(
    heap: &mut H,
    (depth, order): (u32, Order),
    live: usize,
    allocations: u64,
) -> Result<(u64, Duration), H::Error> {
    let tree = heap.build(depth, order)?;
    let (churned, longest) = {
        let mut pool = TimedPool::new(heap.pool(live)?);
        (churn(&mut pool, allocations)?, pool.longest_step())
    };
    Ok((churned.wrapping_add(heap.check(&tree)), longest))
}

/// The checksum [`large_live_heap`] must return.
pub fn large_live_heap_checksum(depth: u32, allocations: u64) -> u64 {
    (allocations * allocations.saturating_sub(1) / 2).wrapping_add((1 << (depth + 1)) - 1)
}

impl<'s, C: Collector> LiveHeap for Scope<'s, C> {
    type Pool<'a>
        = GcPool<'a, 's, C>
    where
        Self: 'a;

    fn pool(&mut self, size: usize) -> Result<GcPool<'_, 's, C>, GcError> {
        GcPool::new(self, size)
    }
}

impl LiveHeap for BoxForest {
    type Pool<'a> = BoxPool;

    fn pool(&mut self, size: usize) -> Result<BoxPool, Infallible> {
        Ok(BoxPool::new(size))
    }
}

/// Something rings of three objects can be built in, for [`cycles`].
pub trait Rings {
    /// Why building can fail.
    type Error;

    /// Builds three objects holding `first`, `first + 1` and `first + 2`,
    /// each pointing at the next and the last at the first; walks three
    /// links from the first, summing the values reached (the first one is
    /// reached last, only if the ring is closed); drops the ring and returns
    /// the sum, `3 * first + 3`.
    fn ring(&mut self, first: u64) -> Result<u64, Self::Error>;
}

/// The cycles schedule: `count` rings built and dropped. Returns the sum of
/// the rings' sums, [`cycles_checksum`].
pub fn cycles<R: Rings>(rings: &mut R, count: u64) -> Result<u64, R::Error> {
    let mut checksum = 0u64;
    for i in 0..count {
        checksum = checksum.wrapping_add(rings.ring(3 * i)?);
    }
    Ok(checksum)
}

/// The checksum [`cycles`] must return for `count` rings.
pub fn cycles_checksum(count: u64) -> u64 {
    9 * (count * count.saturating_sub(1) / 2) + 3 * count
}

/// Something singly linked lists can be built in, for the long-list
/// workload.
pub trait Lists {
    /// Why building can fail.
    type Error;

    /// Builds a list of `len` objects holding `0..len` (from the tail, so
    /// each new object points at the list so far), sums it by walking it,
    /// drops it and returns the sum, `len * (len - 1) / 2`.
    fn list(&mut self, len: u64) -> Result<u64, Self::Error>;
}

/// A list cell or ring member on a GC heap.
#[derive(Trace, Default)]
pub struct Link {
    /// The payload.
    pub value: u64,
    /// The next cell; null at a list's end.
    pub next: Gc<Link>,
}

/// Sums `count` values reached by following `next` from `link`, walking
/// through [`Gc::get`] (no roots); stops early at a null link.
pub fn sum_links(mut link: &Link, count: u64) -> u64 {
    let mut sum = 0u64;
    for _ in 0..count {
        match link.next.get() {
            Some(next) => link = next,
            None => break,
        }
        sum = sum.wrapping_add(link.value);
    }
    sum
}

impl<C: Collector> Rings for Scope<'_, C> {
    type Error = GcError;

    fn ring(&mut self, first: u64) -> Result<u64, GcError> {
        self.scope("ring", |t| {
            let [a, b, c] = [first, first + 1, first + 2].map(|value| {
                t.try_alloc(Link {
                    value,
                    next: Gc::null(),
                })
            });
            let (a, b, c) = (a?, b?, c?);
            t.set(a, |l| &l.next, b);
            t.set(b, |l| &l.next, c);
            t.set(c, |l| &l.next, a);
            Ok(sum_links(t.get(a), 3))
        })
    }
}

impl<C: Collector> Lists for Scope<'_, C> {
    type Error = GcError;

    fn list(&mut self, len: u64) -> Result<u64, GcError> {
        self.scope("list", |t| {
            // A sentinel holds the list in its `next`, so the walk below
            // starts from an object and every value is reached by a link.
            let head = t.try_alloc(Link::default())?;
            for value in (0..len).rev() {
                t.scope("cons", |u| {
                    let cell = u.try_alloc(Link {
                        value,
                        next: Gc::null(),
                    })?;
                    if let Some(rest) = u.load(head, |l| &l.next) {
                        u.set(cell, |l| &l.next, rest);
                    }
                    u.set(head, |l| &l.next, cell);
                    Ok::<(), GcError>(())
                })?;
            }
            Ok(sum_links(t.get(head), len))
        })
    }
}

/// A list cell or ring member in `Box`es: the no-GC baseline.
#[derive(Default)]
pub struct BoxLink {
    /// The payload.
    pub value: u64,
    /// The next cell; `None` at a list's end.
    pub next: Option<Box<BoxLink>>,
}

impl Drop for BoxLink {
    /// Unlinks the rest of the list in a loop: the derived drop would
    /// recurse once per cell and overflow the stack on a long list.
    fn drop(&mut self) {
        let mut next = self.next.take();
        while let Some(mut link) = next {
            next = link.next.take();
        }
    }
}

/// Sums `count` values reached by following `next` from `link`.
fn sum_box_links(mut link: &BoxLink, count: u64) -> u64 {
    let mut sum = 0u64;
    for _ in 0..count {
        match &link.next {
            Some(next) => link = next,
            None => break,
        }
        sum = sum.wrapping_add(link.value);
    }
    sum
}

/// `Box` cannot close a ring (a `Box` has one owner), so the baseline
/// builds the same three objects as a chain, walks its two links and adds
/// the first value directly: the same allocations and reads without the
/// cycle, the malloc floor for [`cycles`].
impl Rings for BoxForest {
    type Error = Infallible;

    fn ring(&mut self, first: u64) -> Result<u64, Infallible> {
        let mut head = BoxLink {
            value: first,
            next: None,
        };
        let mut tail = None;
        for value in [first + 2, first + 1] {
            tail = Some(Box::new(BoxLink { value, next: tail }));
        }
        head.next = tail;
        Ok(sum_box_links(&head, 2) + head.value)
    }
}

impl Lists for BoxForest {
    type Error = Infallible;

    fn list(&mut self, len: u64) -> Result<u64, Infallible> {
        let mut head = BoxLink::default();
        for value in (0..len).rev() {
            head.next = Some(Box::new(BoxLink {
                value,
                next: head.next.take(),
            }));
        }
        Ok(sum_box_links(&head, len))
    }
}

/// A [`Pool`] of owning pointers to `u64` (`Box`, `Rc`, ...): the no-GC
/// baselines.
#[derive(Debug, Clone, Default)]
pub struct PointerPool<P>(pub Vec<P>);

/// The `Box` baseline pool.
pub type BoxPool = PointerPool<Box<u64>>;

impl<P: From<u64>> PointerPool<P> {
    /// A pool of `size` zeros (distinct allocations).
    pub fn new(size: usize) -> Self {
        PointerPool((0..size).map(|_| P::from(0)).collect())
    }
}

impl<P: From<u64> + std::ops::Deref<Target = u64>> Pool for PointerPool<P> {
    type Error = Infallible;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn replace(&mut self, index: usize, value: u64) -> Result<u64, Infallible> {
        Ok(*std::mem::replace(&mut self.0[index], P::from(value)))
    }

    fn total(&self) -> u64 {
        self.0.iter().fold(0, |sum, v| sum.wrapping_add(**v))
    }
}

/// The churn loop on a GC heap, as a [`Program`].
#[derive(Debug, Clone, Copy)]
pub struct Churn {
    /// Objects allocated in the loop.
    pub allocations: u64,
    /// Objects kept live at any time; at least 1.
    pub live: usize,
}

impl Program for Churn {
    type Output = Result<u64, GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Result<u64, GcError> {
        heap.scope("churn", |s| {
            churn(&mut GcPool::new(s, self.live)?, self.allocations)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;
    use gc_core::{GcErrorKind, HeapConfig};

    /// A heap that collects early and often, so workloads run across many
    /// collections.
    fn small_trigger() -> HeapConfig {
        HeapConfig {
            initial_trigger: 64 << 10,
            growth_factor: 1.5,
            ..HeapConfig::default()
        }
    }

    #[test]
    fn box_binary_trees_counts_every_node() {
        for (depth, order) in [4, 5, 8].into_iter().zip(Order::BOTH.into_iter().cycle()) {
            let counted = binary_trees(&mut BoxForest, depth, order).unwrap();
            assert_eq!(counted, binary_trees_checksum(depth), "depth {depth}");
        }
        // Depth 4: stretch 63 + long-lived 31 + 2^4 trees of 31 nodes.
        assert_eq!(binary_trees_checksum(4), 63 + 31 + 16 * 31);
    }

    #[test]
    fn binary_trees_matches_box_on_every_backend_across_collections() {
        let expected = binary_trees(&mut BoxForest, 10, Order::ChildrenFirst).unwrap();
        for (&backend, order) in Backend::ALL
            .iter()
            .zip(Order::BOTH)
            .chain(Backend::ALL.iter().zip(Order::BOTH.into_iter().rev()))
        {
            let program = BinaryTrees { depth: 10, order };
            let (checksum, collections) = backend
                .run(small_trigger(), WithCollections(program))
                .unwrap();
            assert_eq!(checksum.unwrap(), expected, "{backend} {order:?}");
            assert!(
                collections > 5,
                "{backend} collected only {collections} times"
            );
        }
    }

    #[test]
    fn tree_helpers_leave_only_the_tree_rooted() {
        for &backend in Backend::ALL {
            for order in Order::BOTH {
                let slots = backend.run(HeapConfig::default(), SlotsUsed(order));
                // build: the tree's root alone; count and build_and_check: nothing.
                assert_eq!(slots.unwrap(), [1, 0, 0], "{backend} {order:?}");
            }
        }
    }

    #[test]
    fn binary_trees_reports_out_of_memory_instead_of_panicking() {
        let tiny = HeapConfig {
            capacity: gc_core::MIN_CAPACITY,
            initial_trigger: gc_core::MIN_CAPACITY,
            ..HeapConfig::default()
        };
        for &backend in Backend::ALL {
            for order in Order::BOTH {
                let program = BinaryTrees { depth: 16, order };
                let result = backend.run(tiny.clone(), program).unwrap();
                assert!(
                    matches!(
                        result.as_ref().map_err(GcError::kind),
                        Err(GcErrorKind::OutOfMemory { .. })
                    ),
                    "{backend} {order:?}: {result:?}"
                );
            }
        }
    }

    #[test]
    fn churn_reads_back_every_value_on_every_backend() {
        let (allocations, live) = (200_000, 100);
        let expected = allocations * (allocations - 1) / 2;
        assert_eq!(
            churn(&mut BoxPool::new(live), allocations).unwrap(),
            expected
        );
        for &backend in Backend::ALL {
            let (checksum, collections) = backend
                .run(
                    small_trigger(),
                    WithCollections(Churn { allocations, live }),
                )
                .unwrap();
            assert_eq!(checksum.unwrap(), expected, "{backend}");
            assert!(collections > 0, "{backend} never collected");
        }
    }

    #[test]
    fn new_workloads_match_box_on_every_backend_across_collections() {
        let (rings, len, depth, allocations) = (20_000, 50_000, 10, 50_000);
        let expected = [
            cycles_checksum(rings),
            len * (len - 1) / 2,
            large_live_heap_checksum(depth, allocations),
            large_live_heap_checksum(depth, allocations),
        ];
        let mut on_box = BoxForest;
        assert_eq!(cycles(&mut on_box, rings).unwrap(), expected[0]);
        assert_eq!(on_box.list(len).unwrap(), expected[1]);
        assert_eq!(
            large_live_heap(&mut on_box, (depth, Order::ChildrenFirst), 100, allocations)
                .unwrap()
                .0,
            expected[2]
        );
        for &backend in Backend::ALL {
            let (checksums, collections) = backend
                .run(small_trigger(), WithCollections(NewWorkloads))
                .unwrap();
            assert_eq!(checksums.unwrap(), expected, "{backend}");
            assert!(collections > 5, "{backend} collected {collections} times");
        }

        /// cycles, a list and large-live-heap (in both orders) in one scope.
        struct NewWorkloads;

        impl Program for NewWorkloads {
            type Output = Result<[u64; 4], GcError>;

            fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
                heap.scope("test", |s| {
                    Ok([
                        cycles(s, 20_000)?,
                        s.list(50_000)?,
                        large_live_heap(s, (10, Order::ParentsFirst), 100, 50_000)?.0,
                        large_live_heap(s, (10, Order::ChildrenFirst), 100, 50_000)?.0,
                    ])
                })
            }
        }
    }

    #[test]
    fn timed_pool_reads_back_what_the_pool_it_wraps_does() {
        let mut timed = TimedPool::new(BoxPool::new(7));
        assert_eq!(churn(&mut timed, 1_000).unwrap(), 1_000 * 999 / 2);
        assert_eq!(timed.len(), 7);
    }

    #[test]
    fn box_list_of_a_million_drops_without_overflowing_the_stack() {
        assert_eq!(BoxForest.list(1_000_000).unwrap(), 1_000_000 * 999_999 / 2);
    }

    /// Runs a program and also returns how many collections it caused.
    struct WithCollections<P>(P);

    impl<P: Program> Program for WithCollections<P> {
        type Output = (P::Output, u64);

        fn run<C: Collector>(self, heap: &mut Heap<C>) -> (P::Output, u64) {
            let output = self.0.run(heap);
            (output, heap.stats().collections)
        }
    }

    /// Roots left behind in the caller's scope by `build` (depth 12),
    /// `check` and `build_and_check` in one order, measured by where the
    /// next root lands.
    struct SlotsUsed(Order);

    impl Program for SlotsUsed {
        type Output = [usize; 3];

        fn run<C: Collector>(self, heap: &mut Heap<C>) -> [usize; 3] {
            heap.scope("test", |s| {
                let next_slot = |s: &mut Scope<'_, C>| s.alloc(0u64).slot_index();
                let start = next_slot(s);
                let tree = s.build(12, self.0).unwrap();
                let after_build = next_slot(s);
                assert_eq!(s.check(&tree), (1 << 13) - 1);
                let after_check = next_slot(s);
                assert_eq!(s.build_and_check(12, self.0).unwrap(), (1 << 13) - 1);
                let after_build_and_check = next_slot(s);
                [
                    after_build - start - 1,
                    after_check - after_build - 1,
                    after_build_and_check - after_check - 1,
                ]
            })
        }
    }
}
