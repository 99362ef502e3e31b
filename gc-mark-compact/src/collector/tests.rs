//! The collector's unit tests: what sliding compaction promises beyond the
//! conformance suite (which `tests/conformance.rs` and `tests/harness.rs`
//! run): no copy reserve, address order kept, holes closed.

use crate::MarkCompact;
use gc_core::object::object_size_for;
use gc_core::{Heap, HeapConfig, Trace};

/// A 512-byte object.
#[derive(Trace)]
struct Block {
    words: [u64; 62],
}

fn block(value: u64) -> Block {
    Block { words: [value; 62] }
}

/// Live data of three quarters of the capacity survives collection after
/// collection of churn: a compactor needs no copy reserve (a copying heap
/// of this capacity holds at most half of it).
#[test]
fn live_data_may_fill_most_of_the_capacity() {
    let capacity = 4 << 20;
    let config = HeapConfig {
        capacity,
        ..HeapConfig::default()
    };
    let mut heap = Heap::<MarkCompact>::new(config).expect("valid config");
    let size = object_size_for(std::mem::size_of::<Block>());
    let live = capacity * 3 / 4 / size;
    heap.scope("live", |s| {
        let kept: Vec<_> = (0..live as u64).map(|i| s.alloc(block(i))).collect();
        for round in 0..8 {
            s.scope("garbage", |g| {
                for i in 0..live / 4 {
                    g.alloc(block(round * 1000 + i as u64));
                }
            });
        }
        assert!(s.stats().collections >= 2, "{:?}", s.stats().collections);
        for (i, root) in kept.iter().enumerate() {
            assert_eq!(s.get(*root).words, [i as u64; 62]);
        }
    });
}

/// Survivors slide down over the dead objects between them and keep their
/// order: afterwards they lie back to back from where the first one was.
#[test]
fn survivors_keep_their_order_and_close_the_holes() {
    let mut heap = Heap::<MarkCompact>::new(HeapConfig::default()).expect("valid config");
    let size = object_size_for(std::mem::size_of::<Block>());
    heap.scope("main", |s| {
        let mut kept = Vec::new();
        for i in 0..10u64 {
            kept.push(s.alloc(block(i)));
            s.scope("hole", |h| {
                h.alloc(block(100 + i));
            });
        }
        let first = s.address(kept[0]);
        s.collect();
        for (i, root) in kept.iter().enumerate() {
            assert_eq!(s.address(*root), first + i * size, "object {i}");
            assert_eq!(s.get(*root).words[0], i as u64);
        }
        assert_eq!(s.usage().bytes, kept.len() * size);
        assert_eq!(s.stats().copied_bytes as usize, 9 * size, "the first stays");
    });
}
