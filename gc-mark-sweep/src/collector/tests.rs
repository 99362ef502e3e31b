//! The collector's unit tests: the conformance suite and the harness with
//! parallel marking forced on, and lazy sweeping.

/// The conformance suite and the model-based harness on mark-sweep with
/// parallel marking forced on (2 threads, whatever the heap size), so the
/// parallel mark loop is checked as thoroughly as the sequential one.
mod parallel {
    use crate::MarkSweep;
    use gc_core::HeapConfig;

    gc_core::forward_collector! {
        /// [`MarkSweep`] marking on 2 threads at every collection.
        pub(crate) struct ParallelMark(MarkSweep) = "mark-sweep (2 marking threads)";
        new(config) {
            let config = HeapConfig {
                mark_threads: 2,
                ..config.clone()
            };
            let mut inner = MarkSweep::new(&config)?;
            inner.parallel_from = 0;
            Ok(ParallelMark(inner))
        }
    }

    // SAFETY: `SendCollector`'s contract: the state is one `MarkSweep`,
    // which owns its mappings, tables, scratch stack and finalizer (whose
    // kept panic is `Send`), shares nothing and keeps no thread-local
    // state; its marking threads are scoped to each collection.
    unsafe impl gc_core::SendCollector for ParallelMark {}

    mod conformance {
        gc_testing::conformance_suite!(crate::collector::tests::parallel::ParallelMark);
    }

    mod harness {
        gc_testing::harness_suite!(crate::collector::tests::parallel::ParallelMark);
    }
}

/// Lazy sweeping: a threshold collection leaves dead objects to be
/// finalised as allocation reaches their blocks, yet already leaves them
/// out of the usage the trigger policy reads; an explicit collection
/// finalises every one of them before it returns.
mod lazy_sweep {
    use crate::MarkSweep;
    use gc_core::{Gc, Heap, HeapConfig};
    use gc_testing::conformance::Counted;
    use gc_testing::Drops;

    #[test]
    fn threshold_collections_sweep_lazily_and_explicit_ones_finish() {
        let config = HeapConfig {
            initial_trigger: 1 << 20,
            ..HeapConfig::default()
        };
        let mut heap = Heap::<MarkSweep>::new(config).expect("valid config");
        let drops = Drops::default();
        let counted = |id| Counted {
            counter: drops.counter(id),
            next: Gc::null(),
            payload: Vec::new(),
        };
        let allocated = heap.scope("test", |s| {
            let kept = s.alloc(counted(0));
            let mut id = 1;
            while s.stats().collections == 0 {
                s.scope("garbage", |t| {
                    t.alloc(counted(id));
                });
                id += 1;
            }
            // `kept` and the object whose allocation triggered the collection.
            assert_eq!(s.stats().heap_objects, 2);
            assert!(drops.total() < id as usize - 2, "the sweep was eager");
            s.collect();
            // Every object but `kept`: the last one's scope has closed too.
            assert_eq!(drops.total(), id as usize - 1);
            assert_eq!(drops.count(0), 0);
            assert_eq!(s.get(kept).counter.id, 0);
            id as usize
        });
        drop(heap);
        drops.assert_no_double_drop();
        assert_eq!(drops.total(), allocated);
    }
}

/// The conformance suite and the model-based harness on mark-sweep with
/// incremental marking forced on, with the smallest step (stress mode, in
/// both, runs an increment at every allocation and region end). The rate
/// of 32 keeps cycles as frequent, per byte allocated, as the suite's
/// growth checks expect of a collector (`headroom_caps_heap_growth`).
pub(crate) mod incremental_suite {
    use crate::MarkSweep;
    use gc_core::{HeapConfig, Marking, MIN_MARK_STEP};

    /// `config` with incremental marking at the smallest step.
    pub(crate) fn incremental(config: &HeapConfig) -> HeapConfig {
        HeapConfig {
            marking: Marking::Incremental {
                step: MIN_MARK_STEP,
                rate: 32,
            },
            ..config.clone()
        }
    }

    gc_core::forward_collector! {
        /// [`MarkSweep`] marking incrementally.
        pub(crate) struct IncrementalMark(MarkSweep) = "mark-sweep (incremental)";
        new(config) { MarkSweep::new(&incremental(config)).map(IncrementalMark) }
    }

    // SAFETY: `SendCollector`'s contract: the state is one `MarkSweep`
    // (see its impl), owned, with no thread affinity.
    unsafe impl gc_core::SendCollector for IncrementalMark {}

    mod conformance {
        gc_testing::conformance_suite!(crate::collector::tests::incremental_suite::IncrementalMark);
    }

    mod harness {
        gc_testing::harness_suite!(crate::collector::tests::incremental_suite::IncrementalMark);
    }

    gc_core::forward_collector! {
        /// [`MarkSweep`] marking incrementally at the slowest rate, so that
        /// a cycle spans many of the harness's steps: weak references are
        /// upgraded, and objects die, while it marks.
        pub(crate) struct SlowIncrementalMark(MarkSweep) = "mark-sweep (incremental, rate 1)";
        new(config) {
            let config = HeapConfig {
                marking: Marking::Incremental { step: MIN_MARK_STEP, rate: 1 },
                ..config.clone()
            };
            MarkSweep::new(&config).map(SlowIncrementalMark)
        }
    }

    mod slow_harness {
        gc_testing::harness_suite!(crate::collector::tests::incremental_suite::SlowIncrementalMark);
    }
}
