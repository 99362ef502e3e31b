//! Heaps and threads: a [`Heap`](crate::Heap) is [`Local`] (the default,
//! `!Send`) or [`Sendable`]: movable to another thread between scopes, and
//! in exchange it holds only [`HeapSend`] values.
//!
//! ```
//! use gc_core::model::{Gc, Lock};
//! use gc_core::{Heap, HeapConfig, Sendable, Trace};
//!
//! #[derive(Trace)]
//! struct Counter<'gc> { hits: Lock<u64>, next: Option<Gc<'gc, Counter<'gc>>> }
//!
//! let mut heap = Heap::<gc_copying::Copying, Sendable>::new(HeapConfig::default()).unwrap();
//! let root = heap.scope("init", |s| {
//!     s.mutate(|m| m.persist(m.alloc(Counter { hits: Lock::new(0), next: None })))
//! });
//! // The heap and its persistent root go to a worker thread together ...
//! let (heap, root) = std::thread::spawn(move || {
//!     heap.scope("work", |s| {
//!         s.mutate(|m| {
//!             let c = m.persistent(&root);
//!             m.write(c).project(|c| &c.hits).set(41);
//!         });
//!         s.collect();
//!     });
//!     (heap, root)
//! })
//! .join()
//! .unwrap();
//! // ... and come back.
//! let mut heap = heap;
//! heap.scope("read", |s| assert_eq!(s.mutate(|m| m.persistent(&root).hits.get()), 41));
//! ```
//!
//! Why this is sound is in `docs/ARCHITECTURE.md` ("Heaps and threads").

use crate::stats::CollectionEvent;

pub use crate::collector::SendCollector;
pub use crate::heap_send::{Field, HeapSend};

/// Whether a [`Heap`](crate::Heap) may move between threads: [`Local`] or
/// [`Sendable`]. Sealed.
///
/// Code written for both names the parameter and the [`Admits`] bound of
/// what it allocates:
///
/// ```
/// use gc_core::{Admits, Collector, Heap, HeapConfig, Local, Sendable, Threads};
///
/// fn fill<C: Collector, Th: Threads + Admits<u64>>(heap: &mut Heap<C, Th>) -> usize {
///     heap.scope("fill", |s| {
///         for i in 0..10u64 {
///             s.alloc(i);
///         }
///         s.usage().objects
///     })
/// }
/// let mut local = Heap::<gc_mark_sweep::MarkSweep, Local>::new(HeapConfig::default()).unwrap();
/// let mut sendable = Heap::<gc_mark_sweep::MarkSweep, Sendable>::new(HeapConfig::default()).unwrap();
/// assert_eq!(fill(&mut local), fill(&mut sendable));
/// ```
pub trait Threads: sealed::Sealed + Sized + 'static {
    /// The collection callback's type ([`Heap::on_collection`](crate::Heap::on_collection)).
    #[doc(hidden)]
    type Callback: ?Sized + FnMut(&CollectionEvent);
    /// A field type that makes handles of a local heap `!Send`.
    #[doc(hidden)]
    type Marker;
}

/// A heap that stays on the thread that made it (the default): it may hold
/// any `Trace` type, `Rc` drop counters included.
///
/// ```
/// use gc_core::{Heap, HeapConfig, Local};
/// use std::rc::Rc;
///
/// let mut heap: Heap<gc_refcount::RefCount, Local> = Heap::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let shared = s.alloc(Rc::new(7u32));
///     assert_eq!(**s.get(shared), 7);
/// });
/// ```
#[derive(Debug)]
pub enum Local {}

/// A heap that can move to another thread while no scope is open on it
/// (one interpreter per worker thread): `Heap<C, Sendable>` is `Send` (never
/// `Sync`) for every backend `C`, holds only [`HeapSend`] types, and its
/// collection callback and [`Persistent`](crate::model::Persistent) roots are
/// `Send` too.
///
/// ```
/// use gc_core::{Gc, Heap, HeapConfig, Sendable, Trace};
///
/// #[derive(Trace, Default)]
/// struct Node { value: u64, next: Gc<Node> }
///
/// // One interpreter per worker: each thread gets a heap of its own.
/// let workers: Vec<_> = (0..2u64)
///     .map(|w| {
///         let mut heap = Heap::<gc_mark_sweep::MarkSweep, Sendable>::new(HeapConfig::default()).unwrap();
///         std::thread::spawn(move || {
///             heap.scope("job", |s| {
///                 let head = s.alloc(Node { value: w, ..Node::default() });
///                 let tail = s.alloc(Node { value: 10, ..Node::default() });
///                 s.set(head, |n| &n.next, tail);
///                 s.collect();
///                 let next = s.load(head, |n| &n.next).unwrap();
///                 s.get(head).value + s.get(next).value
///             })
///         })
///     })
///     .collect();
/// let sums: Vec<u64> = workers.into_iter().map(|w| w.join().unwrap()).collect();
/// assert_eq!(sums, [10, 11]);
/// ```
#[derive(Debug)]
pub enum Sendable {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Local {}
    impl Sealed for super::Sendable {}
}

impl Threads for Local {
    type Callback = dyn FnMut(&CollectionEvent);
    type Marker = *const ();
}

impl Threads for Sendable {
    type Callback = dyn FnMut(&CollectionEvent) + Send;
    type Marker = ();
}

/// `Th: Admits<T>`: a heap of kind `Th` may hold values of `T`. A [`Local`]
/// heap admits every type, a [`Sendable`] one the [`HeapSend`] ones. Every
/// allocation states it, so generic code over `Th` does too (see
/// [`Threads`]).
///
/// ```
/// use gc_core::{Admits, Local, Sendable};
///
/// fn admits<Th: Admits<T>, T>() {}
/// admits::<Local, std::rc::Rc<u32>>();
/// admits::<Sendable, std::sync::Arc<u32>>();
/// ```
///
/// # Safety
/// A `Sendable` heap must admit only `HeapSend` types.
pub unsafe trait Admits<T: ?Sized>: Threads {}

// SAFETY: a local heap never leaves its thread; it may hold anything.
unsafe impl<T: ?Sized> Admits<T> for Local {}
// SAFETY: exactly the `HeapSend` types.
unsafe impl<T: ?Sized + HeapSend> Admits<T> for Sendable {}

/// A collection callback a heap of kind `Th` accepts
/// ([`Heap::on_collection`](crate::Heap::on_collection)): any
/// `FnMut(&CollectionEvent) + 'static` for a [`Local`] heap, a `Send` one
/// for a [`Sendable`] heap (it travels with the heap).
///
/// ```
/// use gc_core::{Heap, HeapConfig, Sendable};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let collections = Arc::new(AtomicUsize::new(0));
/// let mut heap = Heap::<gc_copying::Copying, Sendable>::new(HeapConfig::default()).unwrap();
/// let seen = Arc::clone(&collections);
/// heap.on_collection(move |_| {
///     seen.fetch_add(1, Ordering::Relaxed);
/// });
/// std::thread::spawn(move || heap.scope("worker", |s| s.collect())).join().unwrap();
/// assert_eq!(collections.load(Ordering::Relaxed), 1);
/// ```
pub trait OnCollection<Th: Threads>: FnMut(&CollectionEvent) + 'static {
    /// The callback, boxed as the heap stores it.
    #[doc(hidden)]
    fn boxed(self) -> Box<Th::Callback>;
}

impl<F: FnMut(&CollectionEvent) + 'static> OnCollection<Local> for F {
    fn boxed(self) -> Box<dyn FnMut(&CollectionEvent)> {
        Box::new(self)
    }
}

impl<F: FnMut(&CollectionEvent) + Send + 'static> OnCollection<Sendable> for F {
    fn boxed(self) -> Box<dyn FnMut(&CollectionEvent) + Send> {
        Box::new(self)
    }
}
