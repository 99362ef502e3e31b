//! Conformance checks for objects sized at allocation and trait objects
//! (issue 14, item 3): `Gc<[T]>` and `Gc<str>` with their elements inline,
//! `Gc<dyn Trait>` made by [`coerce_gc!`](gc_core::coerce_gc). Each runs on
//! every backend, normal and stress; the verifier runs after every
//! collection (reference counting's counts included), and on the copying
//! backend every collection moves every small object.

use super::conformance::{panic_text, Mode};
use super::Drops;
use gc_core::model::{Gc, GcVec, Lock, Mutation, RefLock};
use gc_core::space::LARGE_OBJECT_THRESHOLD;
use gc_core::{coerce_gc, Collector, GcError, GcErrorKind, Heap, Scope, Trace};

fn heap<C: Collector>(mode: Mode) -> Heap<C> {
    Heap::new(mode.config()).expect("valid config")
}

fn objects<C: Collector>(s: &Scope<'_, C>) -> usize {
    s.usage().objects
}

/// A rooted holder of a byte slice and a string.
#[derive(Trace)]
struct Texts<'gc> {
    bytes: Lock<Gc<'gc, [u8]>>,
    text: Lock<Gc<'gc, str>>,
}

/// A target of a slice of pointers.
#[derive(Trace)]
struct Leaf {
    label: u64,
}

/// A holder of a slice whose elements are pointers, rewritable through the
/// barrier.
#[derive(Trace)]
struct Refs<'gc> {
    cells: Gc<'gc, [Lock<Option<Gc<'gc, Leaf>>>]>,
    fixed: Gc<'gc, [Gc<'gc, Leaf>]>,
}

fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// `m.alloc_slice(&[u8])` and `m.alloc_str`: length and contents survive
/// collections (and moves, on the copying backend), small ones and one past
/// the large-object threshold; replacing them frees the old ones.
pub fn unsized_byte_slices_and_strings_survive_collections<C: Collector>(mode: Mode) {
    let small = bytes(37);
    let large = bytes(LARGE_OBJECT_THRESHOLD + 100);
    let text = "ünïcode, inline ✓";
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let texts = s.mutate(|m| {
            let texts = m.alloc(Texts {
                bytes: Lock::new(m.alloc_slice(&small)),
                text: Lock::new(m.alloc_str(text)),
            });
            m.root(texts)
        });
        for _ in 0..3 {
            s.collect();
            s.mutate(|m| {
                let texts = m.get(texts);
                assert_eq!(&*texts.bytes.get(), &small[..]);
                assert_eq!(&*texts.text.get(), text);
                assert_eq!(texts.text.get().chars().count(), 17);
            });
        }
        assert_eq!(objects(s), 3, "the holder, the slice, the string");
        s.mutate(|m| {
            let open = m.write(m.get(texts));
            open.project(|t| &t.bytes).set(m.alloc_slice(&large));
            open.project(|t| &t.text).set(m.alloc_str("short"));
        });
        s.collect();
        assert_eq!(objects(s), 3, "the old slice and string are freed");
        s.collect();
        s.mutate(|m| {
            let texts = m.get(texts);
            assert_eq!(texts.bytes.get().len(), large.len());
            assert!(*texts.bytes.get() == large[..], "large slice intact");
            assert_eq!(&*texts.text.get(), "short");
        });
    });
}

fn leaf<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, label: u64) -> Gc<'gc, Leaf> {
    m.alloc(Leaf { label })
}

fn labels(cells: &[Lock<Option<Gc<'_, Leaf>>>]) -> Vec<Option<u64>> {
    cells
        .iter()
        .map(|cell| cell.get().map(|l| l.label))
        .collect()
}

/// A slice of pointers keeps its targets alive (and follows them when they
/// move); elements rewritten through the barrier release their old targets,
/// with reference counts exact (the verifier checks them).
pub fn unsized_slices_of_pointers_keep_targets_alive<C: Collector>(mode: Mode) {
    let len = mode.size(200, 20) as u64;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let refs = s.mutate(|m| {
            let cells = m.alloc_from_iter((0..len).map(|i| Lock::new(Some(leaf(m, i)))));
            let fixed = m.alloc_slice(&[leaf(m, 1000), leaf(m, 1001)]);
            m.root(m.alloc(Refs { cells, fixed }))
        });
        s.collect();
        let all = len as usize + 2 + 3;
        assert_eq!(objects(s), all, "every target is reachable");
        s.mutate(|m| {
            let refs = m.get(refs);
            assert_eq!(labels(&refs.cells), (0..len).map(Some).collect::<Vec<_>>());
            assert_eq!(
                refs.fixed.iter().map(|l| l.label).collect::<Vec<_>>(),
                [1000, 1001]
            );
            let open = m.write(refs.cells);
            for (i, cell) in open.iter().enumerate() {
                if i % 2 == 0 {
                    cell.set(None); // even targets become garbage
                }
            }
            open[1].set(Some(leaf(m, 5000))); // replaces target 1
        });
        s.collect();
        let odd = (len / 2) as usize;
        assert_eq!(objects(s), odd + 2 + 3, "released targets are freed");
        s.mutate(|m| {
            let cells = m.get(refs).cells;
            let expected = (0..len).map(|i| match i {
                1 => Some(5000),
                i if i % 2 == 0 => None,
                i => Some(i),
            });
            assert_eq!(labels(&cells), expected.collect::<Vec<_>>());
            assert!(m.write(cells).get(len as usize).is_none());
        });
    });
}

/// Zero-length slices and the empty string: valid objects of their own,
/// surviving collections.
pub fn unsized_zero_length_slices<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Empties<'gc> {
        words: Gc<'gc, [u64]>,
        text: Gc<'gc, str>,
        refs: Gc<'gc, [Gc<'gc, Leaf>]>,
        units: Gc<'gc, [()]>,
    }
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let empties = s.mutate(|m| {
            let empties = Empties {
                words: m.alloc_slice(&[]),
                text: m.alloc_str(""),
                refs: m.alloc_from_iter(std::iter::empty()),
                units: m.alloc_slice(&[(); 1000]),
            };
            assert!(
                !Gc::ptr_eq(empties.words, m.alloc_slice(&[])),
                "each is an object"
            );
            m.root(m.alloc(empties))
        });
        s.collect();
        s.collect();
        assert_eq!(objects(s), 5);
        s.mutate(|m| {
            let empties = m.get(empties);
            assert!(empties.words.is_empty() && empties.text.is_empty() && empties.refs.is_empty());
            assert_eq!(empties.units.len(), 1000);
        });
    });
}

/// Each element of a slice object is dropped exactly once: when the object
/// is collected, or at teardown; small and large objects.
pub fn unsized_slice_elements_drop_exactly_once<C: Collector>(mode: Mode) {
    let drops = Drops::default();
    let large = (LARGE_OBJECT_THRESHOLD / size_of::<super::DropCounter>()) as u32 + 10;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let kept = s.mutate(|m| {
            m.alloc_from_iter((0..5).map(|i| drops.counter(i)));
            m.alloc_from_iter((100..100 + large).map(|i| drops.counter(i)));
            let kept = m.alloc_from_iter((10..13).map(|i| drops.counter(i)));
            m.root(m.alloc(RefLock::new(Some(kept))))
        });
        s.collect();
        assert_eq!(
            drops.total(),
            5 + large as usize,
            "the garbage slices' elements"
        );
        assert!((0..5).chain(100..100 + large).all(|i| drops.count(i) == 1));
        s.mutate(|m| {
            let kept = m.get(kept).borrow().expect("kept");
            assert_eq!(kept.iter().map(|c| c.id).collect::<Vec<_>>(), [10, 11, 12]);
        });
    });
    drop(heap);
    drops.assert_no_double_drop();
    assert_eq!(drops.total(), 8 + large as usize, "teardown drops the rest");
}

/// Lengths whose objects would pass `isize::MAX` bytes are a typed error,
/// as are objects past the capacity; the heap stays usable.
pub fn unsized_huge_lengths_are_an_error<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        s.mutate(|m| {
            for len in [usize::MAX, usize::MAX / 8, isize::MAX as usize / 8] {
                match m
                    .try_alloc_from_iter(std::iter::repeat_n(0u64, len))
                    .map_err(GcError::into_kind)
                {
                    Err(GcErrorKind::TooLarge { len: l, .. }) => assert_eq!(l, len),
                    other => panic!("len {len}: {other:?}"),
                }
            }
            let past_capacity = m.try_alloc_from_iter(std::iter::repeat_n(0u64, 1 << 40));
            assert!(matches!(
                past_capacity.as_ref().map_err(GcError::kind),
                Err(GcErrorKind::OutOfMemory { .. })
            ));
            let text = panic_text(
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    m.alloc_from_iter(std::iter::repeat_n(1u32, usize::MAX))
                }))
                .expect_err("alloc panics"),
            );
            assert!(text.contains("isize::MAX"), "{text}");
            assert_eq!(
                &*m.alloc_slice(&[1u8, 2]),
                &[1, 2],
                "the heap still allocates"
            );
        });
        s.collect();
    });
}

/// A shape, called through the vtable of a `Gc<dyn Shape>`.
pub trait Shape {
    /// The shape's area.
    fn area(&self) -> f64;
    /// Its name.
    fn name(&self) -> &str;
}

/// A square whose name is a heap string (so tracing it matters).
#[derive(Trace)]
struct Square<'gc> {
    side: f64,
    name: Gc<'gc, str>,
}

impl Shape for Square<'_> {
    fn area(&self) -> f64 {
        self.side * self.side
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// A circle with an inline name.
#[derive(Trace)]
struct Circle {
    radius: f64,
    name: String,
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        3.0 * self.radius * self.radius
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// Shapes in a vector and in a field, by trait object.
#[derive(Trace)]
struct Drawing<'gc> {
    shapes: RefLock<GcVec<'gc, Gc<'gc, dyn Shape + 'gc>>>,
    focus: Lock<Option<Gc<'gc, dyn Shape + 'gc>>>,
}

fn summary(drawing: &Drawing<'_>) -> (f64, Vec<String>) {
    let shapes = drawing.shapes.borrow();
    let area = shapes.iter().map(|s| s.area()).sum();
    (area, shapes.iter().map(|s| s.name().to_string()).collect())
}

/// dumpster's `Gc<dyn Trait>` scenario: two types behind `Gc<dyn Shape>`
/// in a `GcVec` and a field, called through their vtables after
/// collections (and moves); what the concrete types hold stays traced.
pub fn unsized_trait_objects_call_through_vtables<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let drawing = s.mutate(|m| {
            let square = m.alloc(Square {
                side: 2.0,
                name: m.alloc_str("square"),
            });
            let circle = m.alloc(Circle {
                radius: 1.0,
                name: "circle".into(),
            });
            let drawing = m.alloc(Drawing {
                shapes: RefLock::new(GcVec::new(m)),
                focus: Lock::new(Some(coerce_gc!(circle => dyn Shape + '_))),
            });
            let mut shapes = m.write(drawing).project(|d| &d.shapes).borrow_mut();
            shapes.push(coerce_gc!(square => dyn Shape + '_));
            shapes.push(coerce_gc!(circle => dyn Shape + '_));
            drop(shapes);
            m.root(drawing)
        });
        for _ in 0..3 {
            s.collect();
            s.mutate(|m| {
                let drawing = m.get(drawing);
                assert_eq!(
                    summary(&drawing),
                    (7.0, vec!["square".into(), "circle".into()])
                );
                let focus = drawing.focus.get().expect("focus");
                assert_eq!((focus.area(), focus.name()), (3.0, "circle"));
            });
        }
        assert_eq!(objects(s), 4, "the drawing, two shapes, the square's name");
        s.mutate(|m| {
            let drawing = m.get(drawing);
            m.write(drawing)
                .project(|d| &d.shapes)
                .borrow_mut()
                .remove(0);
        });
        s.collect();
        assert_eq!(objects(s), 2, "the square and its name are freed");
        s.mutate(|m| assert_eq!(summary(&m.get(drawing)).0, 3.0));
    });
}

/// `Gc::ptr_eq` and `Mutation::identity` tell slice and trait-object
/// pointers apart by object, not contents, before and after moves.
pub fn unsized_pointers_compare_by_identity<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Pairs<'gc> {
        slices: [Gc<'gc, [u32]>; 3],
        shapes: [Gc<'gc, dyn Shape>; 3],
    }
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let (pairs, before) = s.mutate(|m| {
            let a = m.alloc_slice(&[1u32, 2, 3]);
            let circle = |r| {
                m.alloc(Circle {
                    radius: r,
                    name: "c".into(),
                })
            };
            let (x, y) = (circle(1.0), circle(1.0));
            let pairs = m.alloc(Pairs {
                slices: [a, m.alloc_slice(&[1, 2, 3]), a],
                shapes: [
                    coerce_gc!(x => dyn Shape),
                    coerce_gc!(y => dyn Shape),
                    coerce_gc!(x => dyn Shape),
                ],
            });
            let ids = (m.identity(a), m.identity(pairs.shapes[0]));
            (m.root(pairs), ids)
        });
        s.collect();
        s.mutate(|m| {
            let pairs = m.get(pairs);
            let [a, b, c] = pairs.slices;
            assert!(Gc::ptr_eq(a, c) && !Gc::ptr_eq(a, b) && *a == *b);
            let [x, y, z] = pairs.shapes;
            assert!(Gc::ptr_eq(x, z) && !Gc::ptr_eq(x, y) && x.area() == y.area());
            assert_eq!(
                (m.identity(a), m.identity(x)),
                before,
                "identity survives moves"
            );
            assert_ne!(m.identity(a), m.identity(b));
        });
    });
}
