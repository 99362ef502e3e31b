//! The `Rc` baselines of the benchmarks: the [`examples::workloads`]
//! schedules run on reference-counted `Rc`s (malloc plus a count, no
//! collector), beside the `Box` baselines that `examples` provides.
//!
//! ```
//! use benches::{RcForest, RcPool};
//! use examples::workloads::{binary_trees, binary_trees_checksum, churn, cycles, cycles_checksum, Order};
//!
//! let counted = binary_trees(&mut RcForest::default(), 6, Order::ChildrenFirst).unwrap();
//! assert_eq!(counted, binary_trees_checksum(6));
//! assert_eq!(churn(&mut RcPool::new(10), 100).unwrap(), 100 * 99 / 2);
//! let mut rc = RcForest::default();
//! assert_eq!(cycles(&mut rc, 10).unwrap(), cycles_checksum(10));
//! assert_eq!(rc.leaked_rings(), 10); // `Rc` cannot free a ring
//! ```

use examples::workloads::{Forest, Lists, LiveHeap, Order, Rings};
use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::{Rc, Weak};

/// A binary-tree node in `Rc`s.
#[derive(Default)]
pub struct RcNode {
    /// The left subtree; `None` in a leaf.
    pub left: Option<Rc<RcNode>>,
    /// The right subtree; `None` in a leaf.
    pub right: Option<Rc<RcNode>>,
}

/// Builds every workload from `Rc`s.
///
/// Rings leak: a ring of `Rc`s keeps its own counts above zero. The forest
/// keeps a [`Weak`] to each leaked ring and breaks them when dropped, so a
/// benchmark can measure the leak (dropping the forest outside the timed
/// region) without running out of memory.
#[derive(Default)]
pub struct RcForest {
    leaked: Vec<Weak<RcLink>>,
}

impl RcForest {
    /// How many rings this forest built (and leaked) so far.
    pub fn leaked_rings(&self) -> usize {
        self.leaked.len()
    }
}

impl Drop for RcForest {
    /// Frees the leaked rings by breaking one link of each.
    fn drop(&mut self) {
        for ring in self.leaked.drain(..) {
            if let Some(link) = ring.upgrade() {
                link.next.take();
            }
        }
    }
}

impl Forest for RcForest {
    type Tree = Rc<RcNode>;
    type Error = Infallible;

    /// Children first whatever `order` says: `Rc::new` takes the children.
    fn build(&mut self, depth: u32, _: Order) -> Result<Rc<RcNode>, Infallible> {
        if depth == 0 {
            return Ok(Rc::default());
        }
        let left = Some(self.build(depth - 1, Order::ChildrenFirst)?);
        let right = Some(self.build(depth - 1, Order::ChildrenFirst)?);
        Ok(Rc::new(RcNode { left, right }))
    }

    fn check(&mut self, tree: &Rc<RcNode>) -> u64 {
        let children = [&tree.left, &tree.right];
        1 + children
            .into_iter()
            .flatten()
            .map(|c| self.check(c))
            .sum::<u64>()
    }
}

impl LiveHeap for RcForest {
    type Pool<'a> = RcPool;

    fn pool(&mut self, size: usize) -> Result<RcPool, Infallible> {
        Ok(RcPool::new(size))
    }
}

/// A list cell or ring member in `Rc`s (`RefCell` to close a ring).
#[derive(Default)]
pub struct RcLink {
    /// The payload.
    pub value: u64,
    /// The next cell; `None` at a list's end.
    pub next: RefCell<Option<Rc<RcLink>>>,
}

impl Drop for RcLink {
    /// Unlinks the rest of a list in a loop while this link holds its only
    /// count: the derived drop would recurse once per cell and overflow the
    /// stack on a long list.
    fn drop(&mut self) {
        let mut next = self.next.take();
        while let Some(link) = next.and_then(Rc::into_inner) {
            next = link.next.take();
        }
    }
}

/// Sums `count` values reached by following `next` from `link`.
fn sum_rc_links(link: &Rc<RcLink>, count: u64) -> u64 {
    let mut link = Rc::clone(link);
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

impl Rings for RcForest {
    type Error = Infallible;

    fn ring(&mut self, first: u64) -> Result<u64, Infallible> {
        let [a, b, c] = [first, first + 1, first + 2].map(|value| {
            Rc::new(RcLink {
                value,
                next: RefCell::default(),
            })
        });
        *a.next.borrow_mut() = Some(Rc::clone(&b));
        *b.next.borrow_mut() = Some(Rc::clone(&c));
        *c.next.borrow_mut() = Some(Rc::clone(&a));
        self.leaked.push(Rc::downgrade(&a));
        Ok(sum_rc_links(&a, 3))
    }
}

impl Lists for RcForest {
    type Error = Infallible;

    fn list(&mut self, len: u64) -> Result<u64, Infallible> {
        let head = Rc::new(RcLink::default());
        for value in (0..len).rev() {
            let rest = head.next.take();
            *head.next.borrow_mut() = Some(Rc::new(RcLink {
                value,
                next: RefCell::new(rest),
            }));
        }
        Ok(sum_rc_links(&head, len))
    }
}

/// A churn [`Pool`](examples::workloads::Pool) of `Rc<u64>`s.
pub type RcPool = examples::workloads::PointerPool<Rc<u64>>;

#[cfg(test)]
mod tests {
    use super::*;
    use examples::workloads::{
        binary_trees, churn, cycles_checksum, large_live_heap, large_live_heap_checksum, BoxForest,
        BoxPool,
    };

    #[test]
    fn rc_binary_trees_counts_the_same_nodes_as_box() {
        for depth in [4, 7, 10] {
            let rc = binary_trees(&mut RcForest::default(), depth, Order::ChildrenFirst).unwrap();
            assert_eq!(
                rc,
                binary_trees(&mut BoxForest, depth, Order::ChildrenFirst).unwrap(),
                "depth {depth}"
            );
        }
    }

    #[test]
    fn rc_churn_reads_back_the_same_values_as_box() {
        let rc = churn(&mut RcPool::new(37), 10_000).unwrap();
        assert_eq!(rc, churn(&mut BoxPool::new(37), 10_000).unwrap());
        assert_eq!(rc, 10_000 * 9_999 / 2);
    }

    #[test]
    fn rc_rings_lists_and_large_live_heap_return_their_checksums() {
        let mut rc = RcForest::default();
        assert_eq!(
            examples::workloads::cycles(&mut rc, 1_000).unwrap(),
            cycles_checksum(1_000)
        );
        let ring = rc.leaked[0].clone();
        assert!(ring.upgrade().is_some(), "an Rc ring leaks");
        drop(rc);
        assert!(ring.upgrade().is_none(), "dropping the forest frees it");

        let mut rc = RcForest::default();
        assert_eq!(rc.list(1_000_000).unwrap(), 1_000_000 * 999_999 / 2);
        assert_eq!(
            large_live_heap(&mut rc, (8, Order::ChildrenFirst), 10, 1_000)
                .unwrap()
                .0,
            large_live_heap_checksum(8, 1_000)
        );
    }
}
