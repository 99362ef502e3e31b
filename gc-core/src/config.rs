//! [`HeapConfig`]: capacity, collection trigger and growth policy, stress mode.

use crate::error::GcError;

/// How a heap is sized and when it collects.
///
/// The trigger: a collection runs when the bytes allocated since the last one
/// would pass `max(initial_trigger, live_after_last * growth_factor) - live`,
/// when the backend runs out of room, or on every allocation in `stress` mode.
/// A growth factor of 3 keeps the heap near 3x the live size, where Hertz and
/// Berger (OOPSLA 2005) measured tracing collection within ~17% of manual
/// memory management.
///
/// ```
/// use gc_core::HeapConfig;
/// let config = HeapConfig { capacity: 64 << 20, stress: true, ..HeapConfig::default() };
/// assert!(config.validate().is_ok());
/// let bad = HeapConfig { growth_factor: 0.5, ..HeapConfig::default() };
/// assert!(bad.validate().unwrap_err().to_string().contains("growth_factor"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HeapConfig {
    /// Hard limit on heap bytes (headers included); allocation past it fails
    /// with [`GcError::OutOfMemory`]. Default 1 GiB. The address space is
    /// reserved up front; pages are committed as they are used.
    pub capacity: usize,
    /// Bytes to allocate before the first collection. Default 4 MiB; a value
    /// above `capacity` acts as `capacity`.
    pub initial_trigger: usize,
    /// After a collection, the next one is due when the heap reaches this
    /// multiple of the live bytes. Default 3.0; must be at least 1.0.
    pub growth_factor: f64,
    /// Collect on every allocation; the copying backend then moves every
    /// object every time. For finding bugs, not for speed.
    pub stress: bool,
    /// Reference counting only: run the cycle collector. With `false`, cyclic
    /// garbage leaks (the teaching demonstration of plain reference counting).
    pub collect_cycles: bool,
    /// How many recent [`CollectionEvent`](crate::stats::CollectionEvent)s
    /// the stats keep for export. Default 4096; 0 keeps none.
    pub event_log: usize,
    /// Run the backend's heap verifier after every collection and panic on
    /// the first broken invariant. For tests; costs a heap walk per collection.
    pub verify: bool,
    /// Mark-sweep only: threads that mark in a collection whose live heap
    /// is large (the calling thread is one of them). Default 1. Below
    /// [`PARALLEL_MARK_MIN_BYTES`] of heap a collection marks on one thread
    /// whatever this says: starting threads would cost more than it saves.
    pub mark_threads: usize,
}

/// Heap bytes (after the last collection) below which marking stays on one
/// thread even when [`HeapConfig::mark_threads`] asks for more.
pub const PARALLEL_MARK_MIN_BYTES: usize = 32 << 20;

/// Smallest capacity a heap accepts.
/// (16 blocks of the free-list space, so every size class can get one.)
pub const MIN_CAPACITY: usize = 1 << 20;

impl Default for HeapConfig {
    fn default() -> Self {
        HeapConfig {
            capacity: 1 << 30,
            initial_trigger: 4 << 20,
            growth_factor: 3.0,
            stress: false,
            collect_cycles: true,
            event_log: 4096,
            verify: false,
            mark_threads: 1,
        }
    }
}

impl HeapConfig {
    /// Checks every field, naming the first one that is out of range.
    pub fn validate(&self) -> Result<(), GcError> {
        let fail = |why: String| Err(GcError::InvalidConfig(why));
        if self.capacity < MIN_CAPACITY {
            return fail(format!(
                "capacity is {} bytes; it must be at least {MIN_CAPACITY}",
                self.capacity
            ));
        }
        if self.capacity > isize::MAX as usize / 4 {
            return fail(format!("capacity of {} bytes is too large", self.capacity));
        }
        if self.initial_trigger == 0 {
            return fail("initial_trigger is 0 bytes; it must be at least 1".to_string());
        }
        if !(self.growth_factor.is_finite() && self.growth_factor >= 1.0) {
            return fail(format!(
                "growth_factor is {}; it must be a finite number of at least 1.0",
                self.growth_factor
            ));
        }
        if self.mark_threads == 0 {
            return fail("mark_threads is 0; it must be at least 1".to_string());
        }
        Ok(())
    }
}
