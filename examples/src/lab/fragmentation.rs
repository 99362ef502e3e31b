//! Experiment 6: fragmentation of the free-list space against the
//! compacted heaps of copying and mark-compact.

use super::figure::{Axis, Figure, Kind, Panel, Series, Table};
use super::run::{config, measure, SplitMix};
use super::Lab;
use crate::Program;
use gc_core::space::Fragmentation;
use gc_core::{Collector, Gc, GcError, Heap, Root, Scope, Trace};

const CAPTION: &str = "The program keeps objects of four sizes (32 to 256 bytes) in tables; \
in each phase it allocates new ones, the mix drifting from small sizes to large, then frees a \
scattered 40% and collects. Mark-sweep and reference counting never move an object, so each \
death leaves a hole that only an object of the same size class can fill: as the mix drifts, \
blocks of the small classes are held by a few survivors, and most of the used blocks' memory is \
free yet unusable for the large objects now wanted (the largest hole is up to a block, 64 KiB). \
Copying moves the survivors together at every collection: its used span has no holes, and \
its free memory is one run beyond the last object. Mark-compact closes the holes the same way \
without copying's reserve: it slides the survivors down over the dead objects within its one \
space.";

/// Phases of freeing and allocating; fragmentation is measured after each.
const PHASES: usize = 12;

/// Slots for [`CHUNK`] objects of one size. Tables are split into chunks
/// because storing into a field checks the field against the object's
/// trace, which costs as many steps as the object has fields.
trait Chunk: Trace + gc_core::Unbranded + 'static {
    /// The objects it holds.
    type Blob: Trace + gc_core::Unbranded + 'static;
    /// A chunk of empty slots.
    fn empty() -> Self;
    /// A new object holding `value`.
    fn blob(value: u64) -> Self::Blob;
    /// Slot `i`.
    fn slot(&self, i: usize) -> &Gc<Self::Blob>;
}

/// Slots per [`Chunk`].
const CHUNK: usize = 64;

/// Defines an object type with `$words` words of payload and its chunk.
macro_rules! size_class {
    ($blob:ident, $chunk:ident, $words:literal) => {
        /// A heap object of one of the four sizes.
        #[derive(Trace)]
        struct $blob {
            words: [u64; $words],
        }

        /// Slots for objects of that size.
        #[derive(Trace)]
        struct $chunk {
            items: [Gc<$blob>; CHUNK],
        }

        impl Chunk for $chunk {
            type Blob = $blob;
            fn empty() -> Self {
                $chunk {
                    items: std::array::from_fn(|_| Gc::null()),
                }
            }
            fn blob(value: u64) -> $blob {
                $blob {
                    words: [value; $words],
                }
            }
            fn slot(&self, i: usize) -> &Gc<$blob> {
                &self.items[i]
            }
        }
    };
}

size_class!(Blob32, Chunk32, 2);
size_class!(Blob64, Chunk64, 6);
size_class!(Blob128, Chunk128, 14);
size_class!(Blob256, Chunk256, 30);

/// The four sizes (objects of about 32, 64, 128 and 256 bytes).
const SIZES: usize = 4;

/// The program: returns the fragmentation after each phase's collection.
struct Churn {
    slots: usize,
}

impl Program for Churn {
    type Output = Result<Vec<Fragmentation>, GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        heap.scope("fragmentation", |s| {
            let tables = Tables {
                a: table(s, self.slots)?,
                b: table(s, self.slots)?,
                c: table(s, self.slots)?,
                d: table(s, self.slots)?,
            };
            let mut rng = SplitMix(6);
            let mut free: Vec<Vec<usize>> = vec![(0..self.slots).collect(); SIZES];
            let mut used: Vec<(usize, usize)> = Vec::new();
            let mut result = Vec::new();
            for phase in 0..PHASES {
                // Fill: the mix drifts from the smallest size to the largest.
                let budget = self.slots * SIZES / 2;
                for _ in 0..budget {
                    let size = weighted_size(&mut rng, phase);
                    if let Some(slot) = free[size].pop() {
                        tables.put(s, size, slot)?;
                        used.push((size, slot));
                    }
                }
                // Free a scattered 40%.
                let mut kept = Vec::with_capacity(used.len());
                for (size, slot) in used.drain(..) {
                    if rng.below(10) < 4 {
                        tables.clear(s, size, slot);
                        free[size].push(slot);
                    } else {
                        kept.push((size, slot));
                    }
                }
                used = kept;
                s.collect();
                result.push(s.collector().fragmentation().unwrap_or_default());
            }
            Ok(result)
        })
    }
}

/// A size index for `phase`: early phases mostly small objects, late ones
/// mostly large.
fn weighted_size(rng: &mut SplitMix, phase: usize) -> usize {
    let shift = phase * SIZES / PHASES;
    (rng.below(SIZES) + shift).min(SIZES - 1)
}

/// A table of `len` slots (rounded up to whole chunks), all empty.
fn table<'s, C: Collector, K: Chunk>(
    s: &mut Scope<'s, C>,
    len: usize,
) -> Result<Vec<Root<'s, K>>, GcError> {
    (0..len.div_ceil(CHUNK))
        .map(|_| s.try_alloc(K::empty()))
        .collect()
}

/// The four tables, one per size.
struct Tables<'s> {
    a: Vec<Root<'s, Chunk32>>,
    b: Vec<Root<'s, Chunk64>>,
    c: Vec<Root<'s, Chunk128>>,
    d: Vec<Root<'s, Chunk256>>,
}

impl Tables<'_> {
    /// Allocates an object of size `size` into `slot` of its table.
    fn put<C: Collector>(
        &self,
        s: &mut Scope<'_, C>,
        size: usize,
        slot: usize,
    ) -> Result<(), GcError> {
        let (chunk, i) = (slot / CHUNK, slot % CHUNK);
        match size {
            0 => put(s, self.a[chunk], i),
            1 => put(s, self.b[chunk], i),
            2 => put(s, self.c[chunk], i),
            _ => put(s, self.d[chunk], i),
        }
    }

    /// Drops the object in `slot` of table `size`.
    fn clear<C: Collector>(&self, s: &Scope<'_, C>, size: usize, slot: usize) {
        let (chunk, i) = (slot / CHUNK, slot % CHUNK);
        match size {
            0 => s.clear(self.a[chunk], |t| t.slot(i)),
            1 => s.clear(self.b[chunk], |t| t.slot(i)),
            2 => s.clear(self.c[chunk], |t| t.slot(i)),
            _ => s.clear(self.d[chunk], |t| t.slot(i)),
        }
    }
}

fn put<C: Collector, K: Chunk>(
    s: &mut Scope<'_, C>,
    chunk: Root<'_, K>,
    i: usize,
) -> Result<(), GcError> {
    s.scope("blob", |t| {
        let blob = t.try_alloc(K::blob(i as u64))?;
        t.set(chunk, |x| x.slot(i), blob);
        Ok(())
    })
}

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let slots = lab.size(4_000, 40_000);
    let mut holes = Vec::new();
    let mut largest = Vec::new();
    let mut table = Table::new(&[
        "backend",
        "used span",
        "free in span",
        "largest hole",
        "free share",
    ]);
    for &backend in lab.backends() {
        let run = measure(backend, config(), Churn { slots }).expect("valid config");
        let phases = run.output.expect("the tables fit in the default heap");
        let points = |f: &dyn Fn(&Fragmentation) -> f64| {
            phases
                .iter()
                .enumerate()
                .map(|(i, p)| (i as f64 + 1.0, f(p)))
                .collect()
        };
        holes.push(Series::new(
            backend.name(),
            points(&|p| p.free_fraction() * 100.0),
        ));
        largest.push(Series::new(
            backend.name(),
            points(&|p| p.largest_free_run as f64 / 1024.0),
        ));
        let last = phases.last().copied().unwrap_or_default();
        table.row(vec![
            backend.to_string(),
            super::figure::mib(last.span_bytes),
            super::figure::mib(last.free_bytes),
            format!("{:.1} KiB", last.largest_free_run as f64 / 1024.0),
            format!("{:.0}%", last.free_fraction() * 100.0),
        ]);
    }
    let panel = |title: &str, y, series| Panel {
        title: title.into(),
        kind: Kind::Line,
        x: Axis::linear("phase (one collection each)"),
        y: Axis::linear(y),
        series,
    };
    Figure {
        name: "fragmentation",
        title: format!("6. Fragmentation ({} slots of each of four sizes)", slots),
        caption: CAPTION,
        panels: vec![
            panel("free share of the used blocks", "% free", holes),
            panel("largest hole", "KiB", largest),
        ],
        table,
        text: None,
        files: Vec::new(),
    }
}
