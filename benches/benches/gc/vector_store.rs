//! `vector_store`: one indexed store into a GC vector (`GcVec` behind a
//! `RefLock`, through the write barrier) of length 16, 4,096 and 1,048,576,
//! on every backend. The store's cost must not depend on the length: the
//! barrier logs the vector's object once per region (once per collection
//! on a logging backend), and a store is then a bounds check and a write.

use criterion::{black_box, Criterion};
use examples::{Backend, Program};
use gc_core::model::{Gc, GcVec, RefLock};
use gc_core::{Collector, Heap, HeapConfig, Trace};

/// Stores made per measured batch (one region).
const STORES: usize = 100_000;

#[derive(Trace, Clone, Copy)]
enum Value<'gc> {
    Num(f64),
    Obj(Gc<'gc, u64>),
}

/// Times `iters` stores into a vector of `len` values on one heap.
struct Stores {
    len: usize,
    iters: u64,
}

impl Program for Stores {
    type Output = std::time::Duration;
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> std::time::Duration {
        heap.scope("vector_store", |s| {
            let vector = s.mutate(|m| {
                let target = m.alloc(7u64);
                let mut items = GcVec::new(m);
                for i in 0..self.len {
                    items.push(if i % 2 == 0 {
                        Value::Num(i as f64)
                    } else {
                        Value::Obj(target)
                    });
                }
                m.root(m.alloc(RefLock::new(items)))
            });
            s.collect();
            // A logging backend's first write after a collection logs the
            // vector (once per collection, O(its references)); the stores
            // measured here are the ones after it.
            s.mutate(|m| m.get(vector).borrow_mut(m)[0] = Value::Num(0.0));
            let mut elapsed = std::time::Duration::ZERO;
            let mut left = self.iters;
            while left > 0 {
                let batch = left.min(STORES as u64);
                left -= batch;
                elapsed += s.mutate(|m| {
                    let vector = m.get(vector);
                    let start = std::time::Instant::now();
                    let mut index = 0;
                    for step in 0..batch {
                        let mut items = vector.borrow_mut(m);
                        items[index] = Value::Num(step as f64);
                        index = (index + 7919) % self.len;
                    }
                    black_box(&vector);
                    start.elapsed()
                });
            }
            elapsed
        })
    }
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let mut group = crate::group(c, "vector_store");
    group.throughput(criterion::Throughput::Elements(1));
    for len in [16, 4096, 1 << 20] {
        for &backend in Backend::ALL {
            group.bench_function(format!("{backend}/{len}"), |b| {
                b.iter_custom(|iters| {
                    backend
                        .run(HeapConfig::default(), Stores { len, iters })
                        .unwrap()
                })
            });
        }
    }
    group.finish();
}
