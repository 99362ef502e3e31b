//! [`HeapConfig`]: capacity, collection trigger and growth policy, stress mode.

use crate::error::{GcError, GcErrorKind};

/// How a heap is sized and when it collects.
///
/// The trigger: a collection runs when the heap would grow past
/// [`Growth::next_trigger`] of the bytes live after the last one, when the
/// backend runs out of room, or on every allocation in `stress` mode.
///
/// The growth policy in short: the heap may grow to `growth_factor` times
/// its live bytes, but never less than `initial_trigger` and never more than
/// `max_headroom` beyond the live bytes (doubled after each unproductive
/// collection in a row, see below). A growth factor of 4 keeps small and
/// medium heaps near 4x the live size: Hertz and Berger (OOPSLA 2005)
/// measured tracing collection ~17% slower than manual memory management at
/// 3x and on par at 5x. The headroom cap keeps a large heap's footprint near
/// its live size (with the defaults, a 128 MiB live heap collects at
/// 160 MiB, not 512), at the price of more collections. The 1 MiB initial
/// trigger keeps a heap with little live data inside a typical L2 cache
/// between collections (measured in the `churn` and `cycles` benchmarks:
/// 4 MiB made copying churn about 1.5x slower). The copying backend's footprint is larger by its
/// copy reserve (see `gc-copying`).
///
/// A collection that frees less than a quarter of what the heap grew by
/// since the one before is *unproductive* ([`Growth::unproductive`]): the
/// program is building its live set, not making garbage. Each unproductive
/// collection in a row doubles the headroom cap ([`Growth::boosted`]), and
/// the first productive one puts it back to `max_headroom`. With a fixed cap,
/// building a live set of `L` bytes would trace about `L² / (2 *
/// max_headroom)` bytes (a collection per `max_headroom`, each tracing
/// everything built so far); doubling makes that linear in `L`, while a
/// heap whose live set stays put, making garbage, keeps the cap.
///
/// Settings that would collect on almost every allocation (a growth factor
/// of 1, a `max_headroom` of a few bytes) are clamped: whatever they say,
/// the program may allocate at least [`MIN_HEADROOM`] bytes, or a sixteenth
/// of the live bytes if that is more, between two collections (within
/// `capacity`). So collections come at most once per 64 KiB allocated, and
/// once the live data passes 1 MiB they trace at most 16 bytes of it per
/// byte allocated.
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
    /// with [`GcErrorKind::OutOfMemory`]. Default 1 GiB. The address space is
    /// reserved up front; pages are committed as they are used.
    pub capacity: usize,
    /// Bytes to allocate before the first collection, and the least the heap
    /// may grow to after any collection. Default 1 MiB; a value
    /// above `capacity` acts as `capacity`.
    pub initial_trigger: usize,
    /// After a collection, the next one is due when the heap reaches this
    /// multiple of the live bytes. Default 4.0; must be a finite number of at
    /// least 1.0 (near 1.0 the floor on headroom applies, see above).
    pub growth_factor: f64,
    /// The most the heap may grow beyond its live bytes before the next
    /// collection, whatever `growth_factor` allows. Default 32 MiB; must be
    /// at least 1, and acts as at least the floor on headroom (see above).
    /// (`initial_trigger` still applies while the heap is small, and each
    /// unproductive collection in a row doubles it, see above.)
    pub max_headroom: usize,
    /// Collect on every allocation; the copying backend then moves every
    /// object every time. For finding bugs, not for speed.
    pub stress: bool,
    /// Collect at pseudo-random allocation points (V8's
    /// `--stress-marking`): with `Some(seed)`, each collection makes the
    /// next one due after a pseudo-random 0 to 1,023 bytes of allocation,
    /// drawn from a generator seeded with `seed` (so a failure replays).
    /// Collections then land between any two allocations, not only at
    /// every one (`stress`) or at the growth policy's few. Ignored when
    /// `stress` is on. For finding bugs, not for speed.
    ///
    /// ```
    /// use gc_core::{Heap, HeapConfig};
    /// let config = HeapConfig { random_collections: Some(7), ..HeapConfig::default() };
    /// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(config).unwrap();
    /// heap.scope("main", |s| {
    ///     for i in 0..1000u64 {
    ///         s.alloc(i);
    ///     }
    /// });
    /// assert!(heap.stats().collections > 10);
    /// ```
    pub random_collections: Option<u64>,
    /// Clobber on free (Go's `clobberfree`): fill every freed small
    /// object's cell with `0xdb` bytes once its destructor ran
    /// ([`space::POISON`](crate::space::POISON); the free-list spaces of
    /// mark-sweep and reference counting; the copying collector poisons its
    /// discarded semispace in debug builds anyway). A use after free then
    /// reads `0xdbdb...` instead of the old object, which a check of the
    /// payload (the harness's ids, the verifier's headers) reports. Costs a
    /// write of each freed byte. For finding bugs, not for speed.
    pub poison_freed: bool,
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
    /// is large (the calling thread is one of them). Default 1; at most
    /// [`MAX_MARK_THREADS`]. Below [`PARALLEL_MARK_MIN_BYTES`] of heap a
    /// collection marks on one thread whatever this says: starting threads
    /// would cost more than it saves. If the system refuses to start a
    /// thread, marking goes on with the threads it has.
    pub mark_threads: usize,
    /// How a collection marks: all at once (the default) or in bounded
    /// increments between allocations ([`Marking::Incremental`], backends
    /// whose [`Capabilities::marks_incrementally`](crate::Capabilities)
    /// only: mark-sweep). Checked by [`HeapConfig::validate`] and by
    /// [`Heap::new`](crate::Heap::new), which refuses it for a backend that
    /// cannot.
    pub marking: Marking,
}

/// How a collection marks ([`HeapConfig::marking`]).
///
/// Incremental marking (mark-sweep only) spreads a cycle over many short
/// pauses. A cycle starts when the budget runs out, as a stop-the-world
/// collection would; each later increment runs after `step` more bytes
/// are allocated (in the allocation slow path, at a mutation region's
/// end, or when the host calls [`Heap::step`](crate::Heap::step)) and does
/// `rate` work units per byte allocated since the one before (an assist:
/// a region that allocated past its step pays for all of it at its end).
/// A work unit is a byte of an object marked, or 8 per slot visited.
///
/// The invariant that bounds memory. A cycle due at `B` bytes in use
/// first sweeps what the last lazy sweep left (at most `B` bytes of
/// blocks), then marks: at most the `B'` bytes in use when marking starts
/// (objects allocated during the cycle are black and never scanned), and
/// visits at most `B' / 8` slots (a slot takes 8 bytes), so at most `2B'`
/// units. Each increment does `rate` units per byte allocated, so the
/// cycle ends before the program allocates `B / rate` bytes while sweeping
/// and `2B' / rate` while marking, plus a step each: the heap peaks below
/// `B * (1 + 3/rate + 2/rate²)` plus two steps (and what one mutation
/// region allocates past its budget); with the default rate of 8, 1.41
/// `B`, and about `B * (1 + 1/rate)` when most bytes are in objects with
/// few pointers. An allocation that finds the heap full, or
/// `Scope::collect`, abandons the cycle for a full stop-the-world
/// collection, so the capacity holds as in stop-the-world mode.
///
/// ```
/// use gc_core::{HeapConfig, Marking};
/// let config = HeapConfig { marking: Marking::incremental(), ..HeapConfig::default() };
/// assert!(config.validate().is_ok());
/// let bad = HeapConfig { marking: Marking::Incremental { step: 64 << 10, rate: 0 }, ..HeapConfig::default() };
/// assert!(bad.validate().unwrap_err().to_string().contains("rate"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Marking {
    /// Every collection marks and sweeps in one pause.
    #[default]
    StopTheWorld,
    /// Marking in increments (see the type's docs).
    Incremental {
        /// Bytes allocated between two increments: at least
        /// [`MIN_MARK_STEP`] (or any value in stress mode, which runs an
        /// increment at every allocation).
        step: usize,
        /// Bytes of objects marked per byte allocated: 1 to
        /// [`MAX_MARK_RATE`]. The heap grows by at most `1/rate` of its size
        /// while a cycle marks.
        rate: usize,
    },
}

/// Smallest [`Marking::Incremental`] step.
pub const MIN_MARK_STEP: usize = 4 << 10;

/// Largest [`Marking::Incremental`] rate.
pub const MAX_MARK_RATE: usize = 1024;

impl Marking {
    /// Incremental marking with the default step (64 KiB) and rate (8:
    /// the heap grows by at most an eighth while a cycle marks).
    pub const fn incremental() -> Marking {
        Marking::Incremental {
            step: 64 << 10,
            rate: 8,
        }
    }

    /// `true` for [`Marking::Incremental`].
    pub const fn is_incremental(self) -> bool {
        matches!(self, Marking::Incremental { .. })
    }
}

/// The least headroom the growth policy gives (see [`HeapConfig`]): one
/// free-list block.
pub const MIN_HEADROOM: usize = 64 << 10;

/// The growth policy's other floor on headroom: the live bytes divided by this.
const MIN_HEADROOM_FRACTION: usize = 16;

/// The part of the object capacity the trigger leaves free (one eighth):
/// a mutation region that spends its budget may go on allocating into it
/// until it ends and collects ([`Growth::region_budget`]).
pub const REGION_RESERVE_FRACTION: usize = 8;

/// Most marking threads a heap accepts ([`HeapConfig::mark_threads`]).
pub const MAX_MARK_THREADS: usize = 64;

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
            initial_trigger: 1 << 20,
            growth_factor: 4.0,
            max_headroom: 32 << 20,
            stress: false,
            random_collections: None,
            poison_freed: false,
            collect_cycles: true,
            event_log: 4096,
            verify: false,
            mark_threads: 1,
            marking: Marking::StopTheWorld,
        }
    }
}

impl HeapConfig {
    /// Checks every field, naming the first one that is out of range.
    pub fn validate(&self) -> Result<(), GcError> {
        let fail = |why: String| Err(GcErrorKind::InvalidConfig(why).into());
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
        if self.max_headroom == 0 {
            return fail("max_headroom is 0 bytes; it must be at least 1".to_string());
        }
        if !(1..=MAX_MARK_THREADS).contains(&self.mark_threads) {
            return fail(format!(
                "mark_threads is {}; it must be from 1 to {MAX_MARK_THREADS}",
                self.mark_threads
            ));
        }
        if let Marking::Incremental { step, rate } = self.marking {
            if step < MIN_MARK_STEP {
                return fail(format!(
                    "the incremental marking step is {step} bytes; it must be at least {MIN_MARK_STEP}"
                ));
            }
            if !(1..=MAX_MARK_RATE).contains(&rate) {
                return fail(format!(
                    "the incremental marking rate is {rate}; it must be from 1 to {MAX_MARK_RATE}"
                ));
            }
        }
        Ok(())
    }

    /// The growth policy of this configuration.
    pub fn growth(&self) -> Growth {
        Growth {
            initial_trigger: self.initial_trigger,
            growth_factor: self.growth_factor,
            max_headroom: self.max_headroom,
            capacity: self.capacity,
        }
    }
}

/// The heap growth policy of a [`HeapConfig`]: how far the heap may grow
/// past its live bytes before the next collection. The heap's trigger and
/// the backends' page retention both follow it.
///
/// ```
/// use gc_core::HeapConfig;
/// let growth = HeapConfig::default().growth();
/// const MIB: usize = 1 << 20;
/// assert_eq!(growth.next_trigger(0), MIB); // initial_trigger
/// assert_eq!(growth.next_trigger(2 * MIB), 8 * MIB); // 4x live
/// assert_eq!(growth.next_trigger(128 * MIB), 160 * MIB); // live + max_headroom
/// assert_eq!(growth.headroom(128 * MIB), 32 * MIB);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    initial_trigger: usize,
    growth_factor: f64,
    max_headroom: usize,
    capacity: usize,
}

impl Growth {
    /// Heap bytes at which the next collection is due when `live` bytes
    /// survived the last one: `live * growth_factor`, at most `live +
    /// max_headroom`, at least `initial_trigger` and `live` plus the floor
    /// on headroom (the larger of [`MIN_HEADROOM`] and `live / 16`), at
    /// most `capacity`.
    ///
    /// ```
    /// use gc_core::{HeapConfig, MIN_HEADROOM};
    /// // A growth factor of 1 would collect at every allocation.
    /// let tight = HeapConfig { growth_factor: 1.0, initial_trigger: 1, ..HeapConfig::default() };
    /// assert_eq!(tight.growth().headroom(512 << 10), MIN_HEADROOM);
    /// assert_eq!(tight.growth().headroom(64 << 20), 4 << 20); // a sixteenth
    /// ```
    pub fn next_trigger(&self, live: usize) -> usize {
        let grown = (live as f64 * self.growth_factor) as usize;
        let floor = MIN_HEADROOM.max(live / MIN_HEADROOM_FRACTION);
        grown
            .min(live.saturating_add(self.max_headroom))
            .max(live.saturating_add(floor))
            .max(self.initial_trigger)
            .min(self.capacity)
    }

    /// Bytes the program may allocate after a collection that left `live`
    /// bytes before the next one is due.
    pub fn headroom(&self, live: usize) -> usize {
        self.next_trigger(live).saturating_sub(live)
    }

    /// Bytes mutation regions may allocate before a collection comes due,
    /// with `in_use` bytes in use after a collection and at most `limit`
    /// bytes of objects ([`Collector::object_capacity`](crate::Collector::object_capacity)):
    /// the [`headroom`](Growth::headroom), but the trigger stays an eighth
    /// of `limit` ([`REGION_RESERVE_FRACTION`]) below it, for regions to
    /// overdraw into between the trigger and the region's end (nothing
    /// collects inside a region). Past that line only the floor on headroom
    /// is left (the larger of [`MIN_HEADROOM`] and `in_use / 16`, within
    /// `limit`), so a nearly full heap does not collect at every step.
    /// (Handle-API allocation collects where it stands, so its trigger is
    /// the headroom itself.)
    ///
    /// ```
    /// use gc_core::HeapConfig;
    /// const MIB: usize = 1 << 20;
    /// let growth = HeapConfig { capacity: 8 * MIB, ..HeapConfig::default() }.growth();
    /// assert_eq!(growth.region_budget(0, 8 * MIB), MIB); // initial_trigger
    /// assert_eq!(growth.region_budget(6 * MIB, 8 * MIB), MIB); // up to 7/8 of the limit
    /// let nearly_full = 7 * MIB + MIB / 2;
    /// assert_eq!(growth.region_budget(nearly_full, 8 * MIB), nearly_full / 16); // the floor
    /// assert_eq!(growth.region_budget(3 * MIB, 4 * MIB), MIB / 2); // copying: half of 8 MiB
    /// ```
    pub fn region_budget(&self, in_use: usize, limit: usize) -> usize {
        let line = limit - limit / REGION_RESERVE_FRACTION;
        let floor = MIN_HEADROOM.max(in_use / MIN_HEADROOM_FRACTION);
        self.headroom(in_use)
            .min(line.saturating_sub(in_use))
            .max(floor.min(limit.saturating_sub(in_use)))
    }

    /// The most the heap grows beyond its live bytes (`max_headroom`).
    pub fn max_headroom(&self) -> usize {
        self.max_headroom
    }

    /// The policy after `unproductive` unproductive collections in a row:
    /// the headroom cap doubled that many times (saturating; the growth
    /// factor and the capacity still bound the trigger).
    ///
    /// ```
    /// use gc_core::HeapConfig;
    /// const MIB: usize = 1 << 20;
    /// let growth = HeapConfig::default().growth(); // growth factor 4, cap 32 MiB
    /// assert_eq!(growth.next_trigger(64 * MIB), 96 * MIB);
    /// assert_eq!(growth.boosted(1).next_trigger(64 * MIB), 128 * MIB);
    /// assert_eq!(growth.boosted(5).next_trigger(64 * MIB), 256 * MIB); // 4x live
    /// ```
    pub fn boosted(self, unproductive: u32) -> Growth {
        let scale = 1usize.checked_shl(unproductive).unwrap_or(usize::MAX);
        Growth {
            max_headroom: self.max_headroom.saturating_mul(scale),
            ..self
        }
    }

    /// Whether a collection that freed `freed` bytes, after the heap grew
    /// by `grown` bytes since the collection before it, was unproductive:
    /// it freed less than a quarter of the growth.
    ///
    /// ```
    /// use gc_core::Growth;
    /// assert!(Growth::unproductive(32 << 20, 0)); // building a live set
    /// assert!(!Growth::unproductive(32 << 20, 30 << 20)); // making garbage
    /// ```
    pub fn unproductive(grown: usize, freed: usize) -> bool {
        freed < grown / 4
    }
}
