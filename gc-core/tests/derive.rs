//! `#[derive(Trace)]`: `NEEDS_TRACE` is right for each shape of type, and a
//! trace reports exactly the object's non-null `Gc` slots (and, with
//! `Tracer::including_null`, every `Gc` slot it owns), wherever they sit:
//! named, tuple and enum fields, generics, `Option`, `Vec`, `Box`, arrays and
//! tuples.

use gc_core::{Gc, Heap, HeapConfig, Root, Scope, Trace, Tracer, Unbranded};
use gc_mark_sweep::MarkSweep;
use std::cell::{Cell, RefCell};

type S<'s> = Scope<'s, MarkSweep>;

#[derive(Trace, Default)]
struct Named {
    left: Gc<Named>,
    right: Gc<Named>,
    label: u32,
}

#[derive(Trace, Default)]
struct Tuple(Gc<Named>, u64, Gc<Named>);

#[derive(Trace)]
struct Unit;

#[derive(Trace, Default)]
struct Leaves {
    id: u64,
    name: String,
    tags: Vec<String>,
    pair: (u8, char),
    grid: [f64; 3],
    maybe: Option<Box<i32>>,
    hits: Cell<u64>,
    log: RefCell<Vec<String>>,
}

#[derive(Trace)]
enum Mixed {
    Empty,
    Leaf(u64, String),
    One(Gc<Named>),
    Two {
        first: Gc<Named>,
        second: Gc<Named>,
        weight: f32,
    },
}

#[derive(Trace)]
struct Pair<T> {
    a: Gc<T>,
    b: T,
}

type NestedEntry = (Gc<Named>, Box<[Gc<Named>; 2]>);

#[derive(Trace, Default)]
struct Containers {
    maybe: Option<Gc<Named>>,
    list: Vec<Gc<Named>>,
    boxed: Box<Gc<Named>>,
    array: [Gc<Named>; 3],
    tuple: (u32, Gc<Named>, String),
    nested: Option<Vec<NestedEntry>>,
    text: String,
}

#[derive(Trace)]
struct Bounded<T, const N: usize>
where
    T: Default,
{
    items: [T; N],
}

/// Recursive through `Box`/`Vec`: derives (no E0391 cycle), conservatively
/// `NEEDS_TRACE == true`.
#[derive(Trace)]
enum Expr {
    Num(i64),
    Add(Box<Expr>, Box<Expr>),
    Block(Vec<Self>),
    Quote(Gc<Named>),
}

/// Slots (null or not) and non-null slots the object behind `root` reports.
fn reported<T: Trace + Unbranded + 'static>(s: &S<'_>, root: Root<'_, T>) -> (usize, usize) {
    let mut all = Tracer::including_null();
    s.get(root).trace(&mut all);
    let mut set = Tracer::new();
    s.get(root).trace(&mut set);
    (all.len(), set.len())
}

fn with_heap(f: impl for<'s> FnOnce(&mut S<'s>)) {
    let config = HeapConfig {
        verify: true,
        ..HeapConfig::default()
    };
    let mut heap = Heap::<MarkSweep>::new(config).expect("heap");
    heap.scope("test", f);
}

/// Checked at compile time (const blocks); the test only makes it visible.
#[test]
fn needs_trace_is_false_only_without_gc() {
    const { assert!(Named::NEEDS_TRACE) };
    const { assert!(Tuple::NEEDS_TRACE) };
    const { assert!(!Unit::NEEDS_TRACE) };
    const { assert!(!Leaves::NEEDS_TRACE) };
    const { assert!(Mixed::NEEDS_TRACE) };
    const {
        assert!(
            Pair::<u64>::NEEDS_TRACE,
            "a Gc<T> field needs tracing whatever T is"
        )
    };
    const { assert!(Pair::<Named>::NEEDS_TRACE) };
    const { assert!(Containers::NEEDS_TRACE) };
    const { assert!(!Bounded::<u64, 4>::NEEDS_TRACE) };
    const { assert!(Bounded::<Option<Gc<Named>>, 2>::NEEDS_TRACE) };
    const { assert!(!Bounded::<String, 0>::NEEDS_TRACE) };
    const { assert!(Expr::NEEDS_TRACE) };
}

/// An object-model table: model pointers only, behind the model's containers.
#[derive(Trace)]
struct Table<'gc> {
    slots: gc_core::model::RefLock<gc_core::model::GcVec<'gc, Value<'gc>>>,
    name: String,
}

#[derive(Trace, Clone, Copy)]
#[allow(dead_code)] // only its constants are tested
enum Value<'gc> {
    Num(f64),
    Table(gc_core::model::Gc<'gc, Table<'gc>>),
}

/// A model type whose field names the type itself: conservatively `true`.
#[derive(Trace)]
struct Link<'gc> {
    next: Option<gc_core::model::Gc<'gc, Link<'gc>>>,
}

/// Only handle-API pointers are nulled before a destructor runs, so only
/// types that may hold one say `HANDLE_POINTERS`; a recursive field counts
/// as `true` (asking would be a cycle).
#[test]
fn handle_pointers_is_false_only_without_handle_gc() {
    const { assert!(Named::HANDLE_POINTERS) };
    const { assert!(Mixed::HANDLE_POINTERS) };
    const { assert!(Containers::HANDLE_POINTERS) };
    const { assert!(Pair::<u64>::HANDLE_POINTERS) };
    const { assert!(Expr::HANDLE_POINTERS) };
    const { assert!(!Leaves::HANDLE_POINTERS) };
    const { assert!(!Unit::HANDLE_POINTERS) };
    const { assert!(!Bounded::<String, 2>::HANDLE_POINTERS) };
    const { assert!(Bounded::<Option<Gc<Named>>, 2>::HANDLE_POINTERS) };
    const { assert!(!Table::HANDLE_POINTERS) };
    const { assert!(!Value::HANDLE_POINTERS) };
    const { assert!(Link::HANDLE_POINTERS) };
    const { assert!(!<gc_core::model::GcMap<'static, &str, Value<'static>> as Trace>::HANDLE_POINTERS) };
    assert!(gc_core::object::TypeInfo::of::<Named>().nulls_before_drop);
    assert!(!gc_core::object::TypeInfo::of::<Table<'static>>().nulls_before_drop);
    assert!(!gc_core::object::TypeInfo::of::<Leaves>().nulls_before_drop);
}

#[test]
fn leaf_struct_reports_nothing() {
    with_heap(|s| {
        let leaves = s.alloc(Leaves {
            tags: vec!["a".into()],
            ..Leaves::default()
        });
        let unit = s.alloc(Unit);
        assert_eq!(reported(s, leaves), (0, 0));
        assert_eq!(reported(s, unit), (0, 0));
    });
}

#[test]
fn named_and_tuple_fields_report_their_set_slots() {
    with_heap(|s| {
        let target = s.alloc(Named::default());
        let named = s.alloc(Named::default());
        assert_eq!(reported(s, named), (2, 0));
        s.set(named, |n| &n.right, target);
        assert_eq!(reported(s, named), (2, 1));
        s.set(named, |n| &n.left, target);
        assert_eq!(reported(s, named), (2, 2));
        s.clear(named, |n| &n.right);
        assert_eq!(reported(s, named), (2, 1));

        let tuple = s.alloc(Tuple::default());
        s.set(tuple, |t| &t.2, target);
        assert_eq!(reported(s, tuple), (2, 1));
    });
}

#[test]
fn enum_variants_report_only_their_own_fields() {
    with_heap(|s| {
        let target = s.alloc(Named::default());
        let empty = s.alloc(Mixed::Empty);
        let leaf = s.alloc(Mixed::Leaf(7, "seven".into()));
        let one = s.alloc(Mixed::One(Gc::null()));
        let two = s.alloc(Mixed::Two {
            first: Gc::null(),
            second: Gc::null(),
            weight: 1.0,
        });
        assert_eq!(reported(s, empty), (0, 0));
        assert_eq!(reported(s, leaf), (0, 0));
        assert_eq!(reported(s, one), (1, 0));
        assert_eq!(reported(s, two), (2, 0));

        s.set(
            one,
            |m| match m {
                Mixed::One(g) => g,
                _ => unreachable!(),
            },
            target,
        );
        s.set(
            two,
            |m| match m {
                Mixed::Two { second, .. } => second,
                _ => unreachable!(),
            },
            target,
        );
        assert_eq!(reported(s, one), (1, 1));
        assert_eq!(reported(s, two), (2, 1));
    });
}

#[test]
fn generic_struct_traces_both_the_gc_and_the_t() {
    with_heap(|s| {
        let target = s.alloc(Named::default());
        let pair = s.alloc(Pair {
            a: Gc::<Named>::null(),
            b: Named::default(),
        });
        assert_eq!(reported(s, pair), (3, 0));
        s.set(pair, |p| &p.b.left, target);
        assert_eq!(reported(s, pair), (3, 1));
        s.set(pair, |p| &p.a, target);
        assert_eq!(reported(s, pair), (3, 2));

        let leafy = s.alloc(Pair {
            a: Gc::<u64>::null(),
            b: 5u64,
        });
        assert_eq!(reported(s, leafy), (1, 0));
    });
}

#[test]
fn nested_containers_report_every_slot_they_own() {
    with_heap(|s| {
        let target = s.alloc(Named::default());
        let value = Containers {
            maybe: Some(Gc::null()),
            list: (0..4).map(|_| Gc::null()).collect(),
            nested: Some(vec![(Gc::null(), Box::new([Gc::null(), Gc::null()]))]),
            text: "leaf".into(),
            ..Containers::default()
        };
        // 1 (maybe) + 4 (list) + 1 (boxed) + 3 (array) + 1 (tuple) + 3 (nested)
        let obj = s.alloc(value);
        assert_eq!(reported(s, obj), (13, 0));

        s.set(obj, |c| c.maybe.as_ref().unwrap(), target);
        s.set(obj, |c| &c.list[3], target);
        s.set(obj, |c| &*c.boxed, target);
        s.set(obj, |c| &c.array[1], target);
        s.set(obj, |c| &c.tuple.1, target);
        s.set(obj, |c| &c.nested.as_ref().unwrap()[0].1[1], target);
        assert_eq!(reported(s, obj), (13, 6));

        s.clear(obj, |c| &c.list[3]);
        assert_eq!(reported(s, obj), (13, 5));
    });
}

#[test]
fn recursive_enum_traces_through_boxes_and_vectors() {
    with_heap(|s| {
        let target = s.alloc(Named::default());
        let quote = || Box::new(Expr::Quote(Gc::null()));
        let expr = Expr::Block(vec![
            Expr::Add(quote(), Box::new(Expr::Num(1))),
            Expr::Quote(Gc::null()),
        ]);
        let obj = s.alloc(expr);
        assert_eq!(reported(s, obj), (2, 0));
        s.set(
            obj,
            |e| match e {
                Expr::Block(items) => match &items[0] {
                    Expr::Add(quoted, _) => match &**quoted {
                        Expr::Quote(g) => g,
                        _ => unreachable!(),
                    },
                    _ => unreachable!(),
                },
                _ => unreachable!(),
            },
            target,
        );
        assert_eq!(reported(s, obj), (2, 1));
    });
}

/// End to end: every slot the derive reports keeps its target alive across
/// collections (the heap verifier checks each slot after each collection).
#[test]
fn traced_fields_keep_their_targets_alive() {
    let config = HeapConfig {
        stress: true,
        verify: true,
        ..HeapConfig::default()
    };
    let mut heap = Heap::<MarkSweep>::new(config).expect("heap");
    heap.scope("main", |s| {
        let obj = s.alloc(Containers {
            list: vec![Gc::null(), Gc::null()],
            ..Containers::default()
        });
        s.scope("fill", |inner| {
            for label in 0..3 {
                let node = inner.alloc(Named {
                    label,
                    ..Named::default()
                });
                match label {
                    0 => inner.set(obj, |c| &c.list[1], node),
                    1 => inner.set(obj, |c| &*c.boxed, node),
                    _ => inner.set(obj, |c| &c.array[2], node),
                }
            }
        });
        for _ in 0..3 {
            s.alloc(0u64); // stress mode: a full collection each time
        }
        let list = s.load(obj, |c| &c.list[1]).expect("set");
        let boxed = s.load(obj, |c| &*c.boxed).expect("set");
        let array = s.load(obj, |c| &c.array[2]).expect("set");
        assert_eq!(
            [s.get(list).label, s.get(boxed).label, s.get(array).label],
            [0, 1, 2]
        );
    });
}

/// `#[trace(bound = "...")]` replaces the generated bounds: here the
/// parameter is only ever used behind a `Gc`, so it needs no `Trace` bound,
/// and the type is usable with a parameter that implements nothing.
#[derive(Trace)]
#[trace(bound = "")]
struct Tagged<T> {
    value: u64,
    tag: std::marker::PhantomData<T>,
}

#[test]
fn bound_attribute_replaces_the_generated_bounds() {
    struct NotTrace;
    const { assert!(!<Tagged<NotTrace> as Trace>::NEEDS_TRACE) };
    let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let tagged = s.alloc(Tagged::<NotTrace> {
            value: 3,
            tag: std::marker::PhantomData,
        });
        s.collect();
        assert_eq!(s.get(tagged).value, 3);
    });
}

/// A type with a const parameter derives `Trace` (the field checks are
/// left to its uses).
#[derive(Trace)]
struct Cells<const N: usize> {
    cells: [u64; N],
}

#[test]
fn const_parameters_derive() {
    let mut heap = Heap::<MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let cells = s.alloc(Cells::<4> {
            cells: [1, 2, 3, 4],
        });
        s.collect();
        assert_eq!(s.get(cells).cells.iter().sum::<u64>(), 10);
    });
}
