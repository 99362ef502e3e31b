//! The workloads on `dumpster`'s single-threaded `unsync::Gc`: reference
//! counting plus a cycle-finding sweep that runs automatically once enough
//! pointers were dropped (the default collect condition); `RefCell` to
//! close a ring.

use crate::Contender;
use dumpster::unsync::Gc;
use dumpster::Trace;
use examples::workloads::{Forest, Lists, LiveHeap, Pool, Rings};
use std::cell::RefCell;
use std::convert::Infallible;

/// A binary-tree node.
#[derive(Trace)]
pub struct Node {
    left: Option<Gc<Node>>,
    right: Option<Gc<Node>>,
}

/// A list cell or ring member.
#[derive(Trace)]
pub struct Link {
    value: u64,
    next: RefCell<Option<Gc<Link>>>,
}

/// The thread's `dumpster` heap.
pub struct Dumpster;

impl Contender for Dumpster {
    const NAME: &'static str = "dumpster";

    fn new() -> Self {
        Dumpster
    }

    fn finish(&mut self) {
        dumpster::unsync::collect();
    }
}

impl Forest for Dumpster {
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
pub struct DumpsterPool(Vec<Gc<u64>>);

impl Pool for DumpsterPool {
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

impl LiveHeap for Dumpster {
    type Pool<'a> = DumpsterPool;

    fn pool(&mut self, size: usize) -> Result<DumpsterPool, Infallible> {
        Ok(DumpsterPool((0..size).map(|_| Gc::new(0)).collect()))
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

impl Rings for Dumpster {
    type Error = Infallible;

    fn ring(&mut self, first: u64) -> Result<u64, Infallible> {
        let a = Gc::new(Link {
            value: first,
            next: RefCell::new(None),
        });
        let c = Gc::new(Link {
            value: first + 2,
            next: RefCell::new(Some(a.clone())),
        });
        let b = Gc::new(Link {
            value: first + 1,
            next: RefCell::new(Some(c)),
        });
        *a.next.borrow_mut() = Some(b);
        Ok(sum_links(&a, 3))
    }
}

impl Lists for Dumpster {
    type Error = Infallible;

    fn list(&mut self, len: u64) -> Result<u64, Infallible> {
        let head = Gc::new(Link {
            value: 0,
            next: RefCell::new(None),
        });
        for value in (0..len).rev() {
            let rest = head.next.borrow_mut().take();
            *head.next.borrow_mut() = Some(Gc::new(Link {
                value,
                next: RefCell::new(rest),
            }));
        }
        Ok(sum_links(&head, len))
    }
}
