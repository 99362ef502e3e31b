//! `object_model`: the Lua-like workload of issue 12 on three object
//! models: gc-core's mutation regions (`regions.rs`, the design chosen),
//! the same types with every allocation rooted before the next one may
//! collect (`rooted.rs`, the "pointers tied to a borrow of the scope"
//! design, prototyped), and gc-arena 0.7 in its own idiom (`arena.rs`).
//!
//! The workload: 100,000 tables of 10 string-keyed number fields built
//! into a global growable array, every second slot overwritten with a
//! number, a full collection, then 1,000,000 lookups keyed by object
//! identity in a map of the 50,000 surviving tables. Every contender
//! returns the same checksum (the sum of the looked-up values plus one
//! field of every surviving table).

use criterion::Criterion;
use examples::Backend;
use gc_core::HeapConfig;

mod arena;
mod regions;
mod rooted;

/// The ten field names of every table (interned: built once).
pub const KEYS: [&str; 10] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

/// Tables built per mutation region (or per arena callback).
pub const CHUNK: usize = 1000;

/// The workload's size.
#[derive(Clone, Copy)]
pub struct Size {
    /// Tables built.
    pub tables: usize,
    /// Lookups by identity.
    pub lookups: usize,
}

impl Size {
    /// The checksum every model returns.
    pub fn checksum(self) -> f64 {
        let survivors: Vec<usize> = (1..self.tables).step_by(2).collect();
        let lookups: f64 = (0..self.lookups)
            .map(|j| survivors[j % survivors.len()] as f64)
            .sum();
        let fields: f64 = survivors.iter().map(|&i| (i * 10 + 3) as f64).sum();
        lookups + fields
    }
}

struct Regions(Size);
impl examples::Program for Regions {
    type Output = f64;
    fn run<C: gc_core::Collector>(self, heap: &mut gc_core::Heap<C>) -> f64 {
        regions::run(heap, self.0)
    }
}

struct Rooted(Size);
impl examples::Program for Rooted {
    type Output = f64;
    fn run<C: gc_core::Collector>(self, heap: &mut gc_core::Heap<C>) -> f64 {
        rooted::run(heap, self.0)
    }
}

/// Registers the group.
pub fn register(c: &mut Criterion) {
    let size = Size {
        tables: 100_000,
        lookups: 1_000_000,
    };
    let expected = size.checksum();
    let mut group = crate::group(c, "object_model");
    for &backend in Backend::ALL {
        group.bench_function(format!("regions/{backend}"), |b| {
            b.iter(|| {
                let sum = backend.run(HeapConfig::default(), Regions(size)).unwrap();
                assert_eq!(sum, expected);
            })
        });
    }
    for &backend in Backend::ALL {
        group.bench_function(format!("rooted/{backend}"), |b| {
            b.iter(|| {
                let sum = backend.run(HeapConfig::default(), Rooted(size)).unwrap();
                assert_eq!(sum, expected);
            })
        });
    }
    // Unlike the older groups, gc-arena's teardown is timed too: the
    // backends' heap teardown (freeing the surviving tables) is inside
    // their timing, and the comparison is of the whole workload.
    group.bench_function("gc-arena", |b| {
        b.iter(|| {
            let (sum, arena) = arena::run(size);
            assert_eq!(sum, expected);
            drop(arena);
        })
    });
    group.finish();
}
