//! Which types a sendable heap admits (`HeapSend`): the derive's impl for
//! plain, generic, recursive and object-model types, skipped fields, and
//! gc-core's containers and std leaves. The types that must be refused
//! (`Rc`, an object holding one, even behind the type's own recursion) are
//! compile-fail tests (`tests/compile_fail/send_heap_refuses_*.rs`).

use gc_core::model::{Charge, Gc as ModelGc, GcMap, GcVec, Lock, RefLock};
use gc_core::{Gc, Heap, HeapConfig, HeapSend, Sendable, Trace};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

fn heap_send<T: HeapSend + ?Sized>() {}

#[derive(Trace, Default)]
struct Node {
    value: u64,
    next: Gc<Node>,
}

/// Recursive through `Box` and `Self`: the derive assumes the type itself.
#[derive(Trace, Debug, PartialEq)]
enum Expr {
    Num(i64),
    Add(Box<Expr>, Box<Self>),
    Seq(Vec<Expr>),
}

#[derive(Trace)]
struct Wrapper<T> {
    inner: T,
    _marker: PhantomData<fn() -> Rc<T>>,
}

#[derive(Trace)]
struct Table<'gc> {
    items: RefLock<GcVec<'gc, ModelGc<'gc, Table<'gc>>>>,
    fields: RefLock<GcMap<'gc, String, i32>>,
    parent: Lock<Option<ModelGc<'gc, Table<'gc>>>>,
    memory: Option<Charge<'gc>>,
}

#[derive(Trace)]
struct Host {
    #[trace(skip)]
    _file: Option<std::fs::File>,
    log: Arc<Mutex<Vec<String>>>,
    names: HashMap<String, i32>,
}

#[test]
fn derived_and_std_types_are_heap_send() {
    heap_send::<Node>();
    heap_send::<Expr>();
    heap_send::<Wrapper<u32>>();
    heap_send::<Wrapper<Gc<Node>>>();
    heap_send::<Table<'static>>();
    heap_send::<Host>();
    heap_send::<(String, Box<str>, std::path::PathBuf, [u8; 4])>();
    heap_send::<Arc<str>>();
    heap_send::<[u64]>();
    heap_send::<str>();
}

/// A recursive `Box` type and a generic one live in a sendable heap that
/// moves to another thread and back, with their values intact.
#[test]
fn recursive_and_generic_objects_move_with_their_heap() {
    let mut heap = Heap::<gc_copying::Copying, Sendable>::new(HeapConfig::default()).unwrap();
    let expr = || {
        Expr::Add(
            Box::new(Expr::Num(1)),
            Box::new(Expr::Seq(vec![Expr::Num(2)])),
        )
    };
    let mut heap = std::thread::spawn(move || {
        heap.scope("worker", |s| {
            let e = s.alloc(expr());
            let w = s.alloc(Wrapper {
                inner: 7u32,
                _marker: PhantomData,
            });
            s.collect(); // moves both
            assert_eq!(*s.get(e), expr());
            assert_eq!(s.get(w).inner, 7);
        });
        heap
    })
    .join()
    .unwrap();
    heap.scope("back", |s| {
        assert_eq!(s.usage().objects, 2, "garbage until the next collection");
        s.collect();
        assert_eq!(
            s.usage().objects,
            0,
            "the worker's scope held the only roots"
        );
        let e = s.alloc(expr());
        s.collect();
        assert_eq!(*s.get(e), expr());
    });
}
