//! The workloads on `bacon_rajan_cc`'s `Cc`: reference counting plus
//! Bacon and Rajan's synchronous cycle collector, which runs only when
//! called; the rings call it whenever the buffer of possible cycle roots
//! passes [`ROOTS_BEFORE_COLLECT`]. `Trace` is implemented by hand (the
//! crate has no derive); `RefCell` closes a ring.

use crate::Contender;
use bacon_rajan_cc::Trace;
use bacon_rajan_cc::{collect_cycles, number_of_roots_buffered, Cc as Gc, Tracer};
use examples::workloads::{Forest, Lists, LiveHeap, Pool, Rings};
use std::cell::RefCell;
use std::convert::Infallible;

/// Possible cycle roots buffered before a ring collects cycles.
pub const ROOTS_BEFORE_COLLECT: usize = 10_000;

/// A binary-tree node.
pub struct Node {
    left: Option<Gc<Node>>,
    right: Option<Gc<Node>>,
}

/// A list cell or ring member.
pub struct Link {
    value: u64,
    next: RefCell<Option<Gc<Link>>>,
}

impl Trace for Node {
    fn trace(&self, tracer: &mut Tracer) {
        self.left.trace(tracer);
        self.right.trace(tracer);
    }
}

impl Trace for Link {
    fn trace(&self, tracer: &mut Tracer) {
        self.next.trace(tracer);
    }
}

/// The thread's `bacon_rajan_cc` cycle collector.
pub struct Bacon;

impl Contender for Bacon {
    const NAME: &'static str = "bacon_rajan_cc";

    fn new() -> Self {
        Bacon
    }

    fn finish(&mut self) {
        collect_cycles();
    }
}

impl Forest for Bacon {
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
pub struct BaconPool(Vec<Gc<u64>>);

impl Pool for BaconPool {
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

impl LiveHeap for Bacon {
    type Pool<'a> = BaconPool;

    fn pool(&mut self, size: usize) -> Result<BaconPool, Infallible> {
        Ok(BaconPool((0..size).map(|_| Gc::new(0)).collect()))
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

impl Rings for Bacon {
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
        let sum = sum_links(&a, 3);
        drop(a);
        if number_of_roots_buffered() > ROOTS_BEFORE_COLLECT {
            collect_cycles();
        }
        Ok(sum)
    }
}

impl Lists for Bacon {
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
