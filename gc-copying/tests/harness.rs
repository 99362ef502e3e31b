//! The model-based harness (`gc_testing::harness`) on the copying
//! collector, with and without stress mode (in stress mode every allocation
//! moves every object). `GC_HARNESS_CASES=n` lengthens the run.
gc_testing::harness_suite!(gc_copying::Copying);
