//! The workloads written once for the peer crates whose heap is a smart
//! pointer `P<T>` (`P::new`, `Clone`, `Deref`) with a cell `C` (`C::new`,
//! `borrow`, `borrow_mut`) to close a ring: `gc`, `dumpster` and
//! `bacon_rajan_cc`. Each crate's module keeps only what differs: its node
//! types (with that crate's `Trace`) and one [`pointer_workloads!`].

/// Declares a thread-heap unit struct and implements [`Contender`],
/// [`Forest`], [`LiveHeap`], [`Rings`] and [`Lists`] for it, plus its churn
/// [`Pool`], from:
///
/// - the struct (with its docs) and its benchmark `name`;
/// - `pool`, the name of the churn pool type to declare;
/// - `pointer` and `cell`, the crate's pointer and cell types (in scope);
/// - `finish`, the full collection run after each iteration;
/// - optionally `after_ring`, run after each ring is built, summed and its
///   last handle dropped.
///
/// The invoking module must declare `Node { left, right }` (children
/// `Option<pointer<Node>>`) and `Link { value: u64, next }` (`next` a
/// `cell<Option<pointer<Link>>>`).
///
/// [`Contender`]: crate::Contender
/// [`Forest`]: examples::workloads::Forest
/// [`LiveHeap`]: examples::workloads::LiveHeap
/// [`Rings`]: examples::workloads::Rings
/// [`Lists`]: examples::workloads::Lists
/// [`Pool`]: examples::workloads::Pool
macro_rules! pointer_workloads {
    (
        $(#[$meta:meta])*
        pub struct $heap:ident;
        name: $name:literal,
        pool: $pool:ident,
        pointer: $ptr:ident,
        cell: $cell:ident,
        finish: $finish:expr
        $(, after_ring: $after_ring:expr)?
        $(,)?
    ) => {
        $(#[$meta])*
        pub struct $heap;

        impl $crate::Contender for $heap {
            const NAME: &'static str = $name;

            fn new() -> Self {
                $heap
            }

            fn finish(&mut self) {
                $finish;
            }
        }

        impl ::examples::workloads::Forest for $heap {
            type Tree = $ptr<Node>;
            type Error = ::std::convert::Infallible;

            /// Children first whatever `order` says: `new` takes the children.
            fn build(
                &mut self,
                depth: u32,
                _: ::examples::workloads::Order,
            ) -> Result<$ptr<Node>, ::std::convert::Infallible> {
                use ::examples::workloads::Order::ChildrenFirst;
                let (left, right) = if depth == 0 {
                    (None, None)
                } else {
                    let left = self.build(depth - 1, ChildrenFirst)?;
                    (Some(left), Some(self.build(depth - 1, ChildrenFirst)?))
                };
                Ok($ptr::new(Node { left, right }))
            }

            fn check(&mut self, tree: &$ptr<Node>) -> u64 {
                1 + [&tree.left, &tree.right]
                    .into_iter()
                    .flatten()
                    .map(|child| self.check(child))
                    .sum::<u64>()
            }
        }

        #[doc = concat!("A churn pool of `", stringify!($ptr), "<u64>`s.")]
        pub struct $pool(Vec<$ptr<u64>>);

        impl ::examples::workloads::Pool for $pool {
            type Error = ::std::convert::Infallible;

            fn len(&self) -> usize {
                self.0.len()
            }

            fn replace(
                &mut self,
                index: usize,
                value: u64,
            ) -> Result<u64, ::std::convert::Infallible> {
                Ok(*::std::mem::replace(&mut self.0[index], $ptr::new(value)))
            }

            fn total(&self) -> u64 {
                self.0.iter().fold(0, |sum, v| sum.wrapping_add(**v))
            }
        }

        impl ::examples::workloads::LiveHeap for $heap {
            type Pool<'a> = $pool;

            fn pool(&mut self, size: usize) -> Result<$pool, ::std::convert::Infallible> {
                Ok($pool((0..size).map(|_| $ptr::new(0)).collect()))
            }
        }

        /// Sums `count` values reached by following `next` from `link`.
        fn sum_links(link: &$ptr<Link>, count: u64) -> u64 {
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

        impl ::examples::workloads::Rings for $heap {
            type Error = ::std::convert::Infallible;

            fn ring(&mut self, first: u64) -> Result<u64, ::std::convert::Infallible> {
                let a = $ptr::new(Link {
                    value: first,
                    next: $cell::new(None),
                });
                let c = $ptr::new(Link {
                    value: first + 2,
                    next: $cell::new(Some(a.clone())),
                });
                let b = $ptr::new(Link {
                    value: first + 1,
                    next: $cell::new(Some(c)),
                });
                *a.next.borrow_mut() = Some(b);
                let sum = sum_links(&a, 3);
                drop(a);
                $($after_ring;)?
                Ok(sum)
            }
        }

        impl ::examples::workloads::Lists for $heap {
            type Error = ::std::convert::Infallible;

            fn list(&mut self, len: u64) -> Result<u64, ::std::convert::Infallible> {
                let head = $ptr::new(Link {
                    value: 0,
                    next: $cell::new(None),
                });
                for value in (0..len).rev() {
                    let rest = head.next.borrow_mut().take();
                    let cell = $ptr::new(Link {
                        value,
                        next: $cell::new(rest),
                    });
                    *head.next.borrow_mut() = Some(cell);
                }
                Ok(sum_links(&head, len))
            }
        }
    };
}

pub(crate) use pointer_workloads;
