//! Conformance checks for the types users already have (issue 14's ported
//! scenarios): std leaves in heap objects, `#[trace(skip)]` fields, derive
//! bounds for `PhantomData` parameters. Each runs on every backend, normal
//! and stress, through both APIs where both apply.

use super::conformance::Mode;
use gc_core::model::{Gc, Lock, RefLock};
use gc_core::{Collector, Heap, Trace};
use std::cell::Cell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;

fn heap<C: Collector>(mode: Mode) -> Heap<C> {
    Heap::new(mode.config()).expect("valid config")
}

/// A drop counter as the peer crates' tests write it: an `Rc<Cell<usize>>`
/// shared between the test and the objects.
#[derive(Trace)]
struct Tracked<'gc> {
    drops: DropOnce,
    next: Lock<Option<Gc<'gc, Tracked<'gc>>>>,
}

/// Bumps its shared counter when dropped.
#[derive(Trace)]
struct DropOnce(Rc<Cell<usize>>);

impl Drop for DropOnce {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// rust-gc's and bacon_rajan_cc's drop-counter test: a cycle and a chain
/// of objects counting their drops through an `Rc<Cell<usize>>`; every
/// object is dropped exactly once, by collection or at teardown.
pub fn types_rc_cell_drop_counters<C: Collector>(mode: Mode) {
    let drops = Rc::new(Cell::new(0));
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let kept = s.mutate(|m| {
            let new = || {
                m.alloc(Tracked {
                    drops: DropOnce(Rc::clone(&drops)),
                    next: Lock::new(None),
                })
            };
            let (a, b, c) = (new(), new(), new());
            m.write(a).project(|t| &t.next).set(Some(b)); // a -> b -> a: a garbage cycle
            m.write(b).project(|t| &t.next).set(Some(a));
            m.root(c)
        });
        s.collect();
        assert_eq!(
            drops.get(),
            2,
            "the garbage cycle is dropped, the rooted object is not"
        );
        s.mutate(|m| assert!(m.get(kept).next.get().is_none()));
    });
    drop(heap);
    assert_eq!(drops.get(), 3, "teardown drops the rest");
    assert_eq!(
        Rc::strong_count(&drops),
        1,
        "every clone of the counter is gone"
    );
}

/// An object owning a `HashMap<String, i32>` (a leaf) survives collections
/// with its contents, on both APIs.
pub fn types_std_maps_are_leaves<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Config {
        settings: HashMap<String, i32>,
        path: std::path::PathBuf,
        name: Box<str>,
        shared: Rc<str>,
        id: Option<std::num::NonZeroU16>,
    }
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let settings: HashMap<String, i32> = (0..50).map(|i| (format!("key{i}"), i)).collect();
        let config = s.alloc(Config {
            settings,
            path: "/tmp/gc".into(),
            name: "config".into(),
            shared: Rc::from("shared"),
            id: std::num::NonZeroU16::new(7),
        });
        let model = s.mutate(|m| m.root(m.alloc(RefLock::new(HashMap::from([(1u8, 2u8)])))));
        for i in 0..mode.size(2000, 50) {
            s.alloc(i as u64);
        }
        s.collect();
        let config = s.get(config);
        assert_eq!(config.settings.len(), 50);
        assert_eq!(config.settings["key42"], 42);
        assert_eq!((&*config.name, &*config.shared), ("config", "shared"));
        assert_eq!(config.path, std::path::Path::new("/tmp/gc"));
        assert_eq!(config.id.map(|n| n.get()), Some(7));
        s.mutate(|m| assert_eq!(m.get(model).borrow()[&1], 2));
    });
}

/// A `PhantomData` marker type needs no `Trace` bound on its parameter,
/// and a `#[trace(skip)]` field keeps a foreign `Send + 'static` value
/// (here a channel) that is not `Trace`.
pub fn types_phantom_markers_and_skipped_fields<C: Collector>(mode: Mode) {
    struct Meters; // implements nothing
    #[derive(Trace)]
    struct Length<U> {
        value: f64,
        unit: PhantomData<U>,
        convert: PhantomData<fn() -> U>,
    }
    #[derive(Trace)]
    struct Port<'gc> {
        #[trace(skip)]
        channel: std::sync::mpsc::Sender<u64>,
        peer: Option<Gc<'gc, Lock<u64>>>,
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let length = s.alloc(Length::<Meters> {
            value: 2.5,
            unit: PhantomData,
            convert: PhantomData,
        });
        let port = s.mutate(|m| {
            let peer = m.alloc(Lock::new(9u64));
            m.root(m.alloc(Port {
                channel: sender,
                peer: Some(peer),
            }))
        });
        s.collect();
        assert_eq!(s.get(length).value, 2.5);
        s.mutate(|m| {
            let port = m.get(port);
            port.channel.send(port.peer.unwrap().get()).unwrap();
        });
    });
    drop(heap);
    assert_eq!(receiver.recv().ok(), Some(9));
    assert!(
        receiver.recv().is_err(),
        "the sender was dropped with the heap"
    );
}
