//! Sized-path probe: builds lists of small model objects, collecting between
//! regions (`<backend>`); `churn-<backend>`: one million handle-API
//! allocations replacing one of 1,000 rooted objects (the `churn` bench's
//! `GcPool::replace`); `trees-<backend>`: binary trees built parents first
//! through the handle API (`Scope::set`, the `binary_trees` bench's shape);
//! `large-mark-sweep`: a depth-21 tree, then churn beside it (the growth
//! policy's cost while a large live set is built; prints the collections).
use gc_core::model::{Gc, Lock};
use gc_core::{Collector, Heap, HeapConfig, Trace};

#[derive(Trace, Clone, Copy)]
struct Cons<'gc> {
    value: u64,
    next: Option<Gc<'gc, Cons<'gc>>>,
}

#[derive(Trace)]
struct Head<'gc> {
    list: Lock<Option<Gc<'gc, Cons<'gc>>>>,
}

fn run<C: Collector>() -> u64 {
    let mut heap = Heap::<C>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let head = s.mutate(|m| {
            m.root(m.alloc(Head {
                list: Lock::new(None),
            }))
        });
        let mut sum = 0;
        for round in 0..20u64 {
            s.mutate(|m| {
                let mut list = None;
                for i in 0..20_000 {
                    list = Some(m.alloc(Cons {
                        value: i + round,
                        next: list,
                    }));
                }
                m.write(m.get(head)).project(|h| &h.list).set(list);
            });
            s.collect();
            sum += s.mutate(|m| m.get(head).list.get().map_or(0, |c| c.value));
        }
        sum
    })
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let sum = match which.as_str() {
        "copying" => run::<gc_copying::Copying>(),
        "churn-mark-sweep" => churn::<gc_mark_sweep::MarkSweep>(),
        "large-mark-sweep" => large_live::<gc_mark_sweep::MarkSweep>(),
        "trees-mark-sweep" => trees::<gc_mark_sweep::MarkSweep>(),
        "trees-copying" => trees::<gc_copying::Copying>(),
        "trees-refcount" => trees::<gc_refcount::RefCount>(),
        "churn-copying" => churn::<gc_copying::Copying>(),
        "churn-refcount" => churn::<gc_refcount::RefCount>(),
        "mark-sweep" => run::<gc_mark_sweep::MarkSweep>(),
        _ => run::<gc_refcount::RefCount>(),
    };
    println!("{sum}");
}

/// Churn through the handle API (the `churn` bench's `GcPool::replace`).
#[inline(never)]
pub fn churn<C: Collector>() -> u64 {
    let mut heap = Heap::<C>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let live: Vec<_> = (0..1000).map(|_| s.alloc(0u64)).collect();
        let mut sum = 0u64;
        for i in 0..1_000_000u64 {
            let root = live[(i % 1000) as usize];
            sum = sum.wrapping_add(*s.get(root));
            s.try_alloc_into(root, i).unwrap();
        }
        sum
    })
}

#[derive(Trace, Default)]
pub struct Node {
    left: gc_core::Gc<Node>,
    right: gc_core::Gc<Node>,
}

fn build<'s, C: Collector>(s: &mut gc_core::Scope<'s, C>, depth: u32) -> gc_core::Root<'s, Node> {
    let node = s.alloc(Node::default());
    if depth > 0 {
        s.scope("children", |t| {
            let left = build(t, depth - 1);
            t.set(node, |n| &n.left, left);
            let right = build(t, depth - 1);
            t.set(node, |n| &n.right, right);
        });
    }
    node
}

/// Binary trees, parents first, through the handle API (the bench's d14 shape, smaller).
#[inline(never)]
pub fn trees<C: Collector>() -> u64 {
    let mut heap = Heap::<C>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let long = build(s, 14);
        let mut n = 0u64;
        for _ in 0..40 {
            s.scope("t", |t| {
                build(t, 12);
            });
            n += 1;
        }
        n + u64::from(s.get(long).left.is_null())
    })
}

/// The large_live_heap shape, smaller churn: a depth-21 tree built parents
/// first, then 3 M churn allocations beside it.
#[inline(never)]
pub fn large_live<C: Collector>() -> u64 {
    let mut heap = Heap::<C>::new(HeapConfig::default()).unwrap();
    let n = heap.scope("main", |s| {
        let tree = build(s, 21);
        let live: Vec<_> = (0..1000).map(|_| s.alloc(0u64)).collect();
        let mut sum = 0u64;
        for i in 0..3_000_000u64 {
            let root = live[(i % 1000) as usize];
            sum = sum.wrapping_add(*s.get(root));
            s.try_alloc_into(root, i).unwrap();
        }
        sum + u64::from(s.get(tree).left.is_null())
    });
    let stats = heap.stats();
    for e in &stats.events {
        let mib = |b: usize| b >> 20;
        eprintln!(
            "{:?}: {} MiB -> {} MiB",
            e.cause,
            mib(e.bytes_before),
            mib(e.bytes_after)
        );
    }
    n
}
