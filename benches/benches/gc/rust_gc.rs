//! The workloads on the `gc` crate (rust-gc): `Gc<T>` pointers counted as
//! roots while on the stack, a thread-local mark-sweep heap that collects
//! when its allocation threshold is crossed, `GcCell` to close a ring.

// gc_derive 0.5 (synstructure) puts its impls inside a `const _` block.
#![allow(non_local_definitions)]

use crate::Contender;
use examples::workloads::{Forest, Lists, LiveHeap, Pool, Rings};
use gc::{Finalize, Gc, GcCell, Trace};
use std::convert::Infallible;

/// A binary-tree node.
#[derive(Trace, Finalize)]
pub struct Node {
    left: Option<Gc<Node>>,
    right: Option<Gc<Node>>,
}

/// A list cell or ring member.
#[derive(Trace, Finalize)]
pub struct Link {
    value: u64,
    next: GcCell<Option<Gc<Link>>>,
}

/// The thread's `gc` heap.
pub struct RustGc;

impl Contender for RustGc {
    const NAME: &'static str = "gc";

    fn new() -> Self {
        RustGc
    }

    fn finish(&mut self) {
        gc::force_collect();
    }
}

impl Forest for RustGc {
    type Tree = Gc<Node>;
    type Error = Infallible;

    fn build(&mut self, depth: u32) -> Result<Gc<Node>, Infallible> {
        let (left, right) = if depth == 0 {
            (None, None)
        } else {
            (Some(self.build(depth - 1)?), Some(self.build(depth - 1)?))
        };
        Ok(Gc::new(Node { left, right }))
    }

    fn check(&mut self, tree: &Gc<Node>) -> u64 {
        1 + [&tree.left, &tree.right]
            .into_iter()
            .flatten()
            .map(|child| self.check(child))
            .sum::<u64>()
    }
}

/// A churn pool of `Gc<u64>`s.
pub struct RustGcPool(Vec<Gc<u64>>);

impl Pool for RustGcPool {
    type Error = Infallible;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn replace(&mut self, index: usize, value: u64) -> Result<u64, Infallible> {
        Ok(*std::mem::replace(&mut self.0[index], Gc::new(value)))
    }

    fn total(&self) -> u64 {
        self.0.iter().fold(0, |sum, v| sum.wrapping_add(**v))
    }
}

impl LiveHeap for RustGc {
    type Pool<'a> = RustGcPool;

    fn pool(&mut self, size: usize) -> Result<RustGcPool, Infallible> {
        Ok(RustGcPool((0..size).map(|_| Gc::new(0)).collect()))
    }
}

/// Sums `count` values reached by following `next` from `link`.
fn sum_links(link: &Gc<Link>, count: u64) -> u64 {
    let mut link = link.clone();
    let mut sum = 0u64;
    for _ in 0..count {
        let Some(next) = link.next.borrow().clone() else {
            break;
        };
        sum = sum.wrapping_add(next.value);
        link = next;
    }
    sum
}

impl Rings for RustGc {
    type Error = Infallible;

    fn ring(&mut self, first: u64) -> Result<u64, Infallible> {
        let a = Gc::new(Link {
            value: first,
            next: GcCell::new(None),
        });
        let c = Gc::new(Link {
            value: first + 2,
            next: GcCell::new(Some(a.clone())),
        });
        let b = Gc::new(Link {
            value: first + 1,
            next: GcCell::new(Some(c)),
        });
        *a.next.borrow_mut() = Some(b);
        Ok(sum_links(&a, 3))
    }
}

impl Lists for RustGc {
    type Error = Infallible;

    fn list(&mut self, len: u64) -> Result<u64, Infallible> {
        let head = Gc::new(Link {
            value: 0,
            next: GcCell::new(None),
        });
        for value in (0..len).rev() {
            let rest = head.next.borrow_mut().take();
            let cell = Gc::new(Link {
                value,
                next: GcCell::new(rest),
            });
            *head.next.borrow_mut() = Some(cell);
        }
        Ok(sum_links(&head, len))
    }
}
