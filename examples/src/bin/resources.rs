//! Prints what issue 22's resource reproducers cost on every backend:
//! resident memory (from `/proc/self/statm`) after `Heap::new` with large
//! settings, after an empty 1 GiB container reservation, and what a heap
//! says when freed container memory is asked for at another size. Each
//! figure is one process's resident growth around one operation.
//!
//! ```text
//! cargo run --release -p examples --bin resources
//! ```

use examples::{Backend, Program};
use gc_core::model::GcVec;
use gc_core::{Collector, Heap, HeapConfig};

/// Resident bytes of this process.
fn resident() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// A heap with a few objects and two collections; the growth it caused.
struct FewObjects;

impl Program for FewObjects {
    type Output = usize;
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> usize {
        heap.scope("main", |s| {
            let kept = s.alloc(0u64);
            for i in 0..1_000u64 {
                s.scope("garbage", |t| {
                    t.alloc(i);
                });
            }
            s.collect();
            s.collect();
            assert_eq!(*s.get(kept), 0);
        });
        resident()
    }
}

/// An empty vector with room for 1 GiB; the growth while it lives.
struct EmptyReservation;

impl Program for EmptyReservation {
    type Output = usize;
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> usize {
        heap.scope("main", |s| {
            s.mutate(|m| {
                let before = resident();
                let vector = GcVec::<u8>::try_with_capacity(m, 1 << 30).unwrap();
                assert!(vector.capacity() >= 1 << 30);
                resident() - before
            })
        })
    }
}

/// Issue 22 item 4: 65,536 buffers of two `u64`s in a 2 MiB heap, all
/// freed, then one of 100 bytes.
struct OtherSize;

impl Program for OtherSize {
    type Output = String;
    fn run<C: Collector>(self, heap: &mut Heap<C>) -> String {
        heap.scope("main", |s| {
            let made = s.mutate(|m| {
                let buffers: Vec<_> = (0..65_536)
                    .map_while(|_| GcVec::<u64>::try_with_capacity(m, 2).ok())
                    .collect();
                buffers.len()
            });
            s.collect();
            let external = s.stats().external_bytes;
            let result = s.mutate(|m| GcVec::<u8>::try_with_capacity(m, 100).map(|_| ()));
            format!(
                "{made} buffers made and freed, external_bytes {external}, then 100 bytes: {}",
                match result {
                    Ok(()) => "ok".to_string(),
                    Err(error) => error.to_string(),
                }
            )
        })
    }
}

fn main() {
    for &backend in Backend::ALL {
        for (name, config) in [
            ("default settings", HeapConfig::default()),
            (
                "initial_trigger usize::MAX",
                HeapConfig {
                    initial_trigger: usize::MAX,
                    ..HeapConfig::default()
                },
            ),
        ] {
            let before = resident();
            let after = backend.run(config, FewObjects).unwrap();
            println!(
                "{backend}: Heap::new ({name}), 1,000 objects, 2 collections: +{}",
                mib(after.saturating_sub(before))
            );
        }
        let growth = backend
            .run(HeapConfig::default(), EmptyReservation)
            .unwrap();
        println!(
            "{backend}: empty GcVec::<u8>::try_with_capacity(m, 1 << 30): +{}",
            mib(growth)
        );
        let config = HeapConfig {
            capacity: 2 << 20,
            ..HeapConfig::default()
        };
        println!("{backend}: {}", backend.run(config, OtherSize).unwrap());
    }
}
