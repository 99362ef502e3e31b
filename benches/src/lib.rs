//! The `Rc` baselines of the benchmarks: the [`examples::workloads`]
//! schedules run on reference-counted `Rc`s (malloc plus a count, no
//! collector), beside the `Box` baselines that `examples` provides.
//!
//! ```
//! use benches::{RcForest, RcPool};
//! use examples::workloads::{binary_trees, binary_trees_checksum, churn};
//!
//! assert_eq!(binary_trees(&mut RcForest, 6).unwrap(), binary_trees_checksum(6));
//! assert_eq!(churn(&mut RcPool::new(10), 100).unwrap(), 100 * 99 / 2);
//! ```

use examples::workloads::{Forest, Pool};
use std::convert::Infallible;
use std::rc::Rc;

/// A binary-tree node in `Rc`s.
#[derive(Default)]
pub struct RcNode {
    /// The left subtree; `None` in a leaf.
    pub left: Option<Rc<RcNode>>,
    /// The right subtree; `None` in a leaf.
    pub right: Option<Rc<RcNode>>,
}

/// Builds binary trees from `Rc`s.
#[derive(Debug, Clone, Copy, Default)]
pub struct RcForest;

impl Forest for RcForest {
    type Tree = Rc<RcNode>;
    type Error = Infallible;

    fn build(&mut self, depth: u32) -> Result<Rc<RcNode>, Infallible> {
        if depth == 0 {
            return Ok(Rc::default());
        }
        let left = Some(self.build(depth - 1)?);
        let right = Some(self.build(depth - 1)?);
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

/// A churn [`Pool`] of `Rc<u64>`s.
#[derive(Debug, Clone, Default)]
pub struct RcPool(pub Vec<Rc<u64>>);

impl RcPool {
    /// A pool of `size` zeros (distinct allocations).
    pub fn new(size: usize) -> RcPool {
        RcPool((0..size).map(|_| Rc::new(0)).collect())
    }
}

impl Pool for RcPool {
    type Error = Infallible;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn replace(&mut self, index: usize, value: u64) -> Result<u64, Infallible> {
        Ok(*std::mem::replace(&mut self.0[index], Rc::new(value)))
    }

    fn total(&self) -> u64 {
        self.0.iter().fold(0, |sum, v| sum.wrapping_add(**v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use examples::workloads::{binary_trees, churn, BoxForest, BoxPool};

    #[test]
    fn rc_binary_trees_counts_the_same_nodes_as_box() {
        for depth in [4, 7, 10] {
            let rc = binary_trees(&mut RcForest, depth).unwrap();
            assert_eq!(
                rc,
                binary_trees(&mut BoxForest, depth).unwrap(),
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
}
