//! `handle_vector_store`: one store through the handle API into element
//! `i` of a `Vec<Gc<u64>>` field of length 16, 4,096 and 1,048,576, on
//! every backend: with `Scope::set_at` (checks that the vector is a field
//! of the object: O(1)), and, at the two shorter lengths, with `Scope::set`
//! and a projection into the vector (`|a| &a.items[i]`), which traces the
//! object to check the projection: O(length). The stores walk the vector
//! in order, so what is timed is the check and the barrier, not a cache
//! miss per store.

use criterion::{black_box, Criterion};
use examples::{Backend, Program};
use gc_core::{Collector, Gc, Heap, HeapConfig, Trace};

#[derive(Trace)]
struct Array {
    items: Vec<Gc<u64>>,
}

/// How a store is made.
#[derive(Clone, Copy)]
enum Store {
    /// `Scope::set_at`.
    At,
    /// `Scope::set` with a projection into the vector.
    Projection,
}

/// Times `iters` stores into a vector of `len` pointers on one heap.
struct Stores {
    len: usize,
    iters: u64,
    store: Store,
}

impl Program for Stores {
    type Output = std::time::Duration;
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> std::time::Duration {
        heap.scope("handle_vector_store", |s| {
            let items = (0..self.len).map(|_| Gc::null()).collect();
            let array = s.alloc(Array { items });
            let (one, two) = (s.alloc(1u64), s.alloc(2u64));
            let start = std::time::Instant::now();
            let mut index = 0;
            for step in 0..self.iters {
                let value = if step % 2 == 0 { one } else { two };
                match self.store {
                    Store::At => s.set_at(array, |a| &a.items, index, value),
                    Store::Projection => s.set(array, |a| &a.items[index], value),
                }
                index += 1;
                if index == self.len {
                    index = 0;
                }
            }
            black_box(&array);
            start.elapsed()
        })
    }
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let mut group = crate::group(c, "handle_vector_store");
    group.throughput(criterion::Throughput::Elements(1));
    for (store, name, lens) in [
        (Store::At, "set_at", &[16, 4096, 1 << 20][..]),
        (Store::Projection, "set", &[16, 4096][..]),
    ] {
        for &len in lens {
            for &backend in Backend::ALL {
                group.bench_function(format!("{name}/{backend}/{len}"), |b| {
                    b.iter_custom(|iters| {
                        backend
                            .run(HeapConfig::default(), Stores { len, iters, store })
                            .unwrap()
                    })
                });
            }
        }
    }
    group.finish();
}
