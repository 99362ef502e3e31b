//! [`HeapGraph`]: every object reachable from a root, with its type, size,
//! a stable id and named edges; and [`RetainingPath`], the answer to "why
//! is this object alive?".
//!
//! [`Scope::heap_graph`](crate::Scope::heap_graph) walks the heap as it
//! stands (no collection first: objects no root reaches are garbage
//! waiting for the next collection, and are left out;
//! [`Scope::heap_graph_with_unreachable`](crate::Scope::heap_graph_with_unreachable)
//! adds those a backend still holds, such as reference counting's leaked
//! cycles, under [`UNREACHABLE`]). The roots are grouped as a person reads
//! them: each shadow-stack frame by its label, then the persistent roots.
//! Nothing here runs unless a graph is asked
//! for: objects carry no extra word, and allocation and collection do no
//! extra work. The `gc-snapshot` crate writes a graph as a DevTools
//! `.heapsnapshot` and computes dominators and retained sizes.

use crate::collector::Collector;
pub use crate::edges::short_type_name;
use crate::edges::{write_chain, EdgeName, Edges};
use crate::object::ObjectRef;
use std::collections::VecDeque;
use std::fmt;

/// A group of roots: a shadow-stack frame, the persistent roots, or the
/// objects no root reaches that the backend has not freed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootGroup {
    /// The frame's label (`heap.scope("main", ..)`), `"(persistent)"` or
    /// [`UNREACHABLE`].
    pub name: &'static str,
    /// What the group is.
    pub kind: RootKind,
    /// Each root: its slot (its shadow-stack index, or its position among
    /// the group's roots) and the index of its object in
    /// [`HeapGraph::objects`].
    pub roots: Vec<(u32, u32)>,
}

/// What a [`RootGroup`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    /// A shadow-stack frame.
    Frame,
    /// The persistent roots.
    PersistentRoots,
    /// Not roots at all: objects no root reaches that the backend still
    /// holds (reference counting's leaked cycles, garbage awaiting the next
    /// collection), in [`Scope::heap_graph_with_unreachable`](crate::Scope::heap_graph_with_unreachable).
    /// Its roots are the entry points of that garbage: first each object no
    /// other unreachable object refers to, then, for what only cycles hold,
    /// the first object of each cycle in the backend's heap order; so a
    /// leaked structure's dominator is its first object.
    Unreachable,
}

/// The name of the [`RootKind::Unreachable`] group.
pub const UNREACHABLE: &str = "(unreachable, not freed)";

/// One object of a [`HeapGraph`] (24 bytes: a million-object heap's
/// graph takes 24 MB for its objects and 8 MB per million edges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphObject {
    /// Its Rust type: an index into [`HeapGraph::type_names`].
    pub type_index: u32,
    /// Its snapshot id: a small number given the first time a graph of
    /// this heap meets the object, and the same in every later graph while
    /// it lives, also when a moving collector moves it (it follows
    /// `Collector::identity`). On a non-moving backend an object allocated
    /// where one that died since the last graph was may inherit its id.
    pub id: u32,
    /// Bytes: its cell (header and payload) plus the buffers it owns.
    pub size: u64,
    /// Its edges are `edges[first_edge..first_edge + edge_count]`.
    pub first_edge: u32,
    /// The number of its edges.
    pub edge_count: u32,
}

/// One edge of a [`HeapGraph`]: a pointer held by an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphEdge {
    /// Which field (and element or entry) holds it: an index into
    /// [`HeapGraph::edge_names`].
    pub name_index: u32,
    /// The target's index in [`HeapGraph::objects`].
    pub to: u32,
}

/// Every object reachable from a root, in the order a breadth-first walk
/// from the roots first reached it.
///
/// ```
/// use gc_core::{Gc, Heap, HeapConfig, Trace};
///
/// #[derive(Trace, Default)]
/// struct Node { next: Gc<Node>, value: u64 }
///
/// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let a = s.alloc(Node::default());
///     let b = s.alloc(Node { value: 2, ..Node::default() });
///     s.set(a, |n| &n.next, b);
///     let graph = s.heap_graph();
///     assert_eq!(graph.objects.len(), 2);
///     // Why is `b` alive, apart from its own root? `a.next` holds it.
///     let path = s.why_alive(b).expect("reachable through a");
///     assert_eq!(path.to_string(), "main[0] → Node.next → Node");
/// });
/// ```
#[derive(Debug, Clone, Default)]
pub struct HeapGraph {
    /// The root groups, outermost frame first, then the persistent roots,
    /// then (if asked for and the backend holds any) the unreachable group.
    pub roots: Vec<RootGroup>,
    /// The objects.
    pub objects: Vec<GraphObject>,
    /// Every object's edges, object by object.
    pub edges: Vec<GraphEdge>,
    /// The types of the objects, each once ([`GraphObject::type_index`]).
    pub type_names: Vec<&'static str>,
    /// The names of the edges, each once ([`GraphEdge::name_index`]).
    pub edge_names: Vec<EdgeName>,
    /// Each object's address when the graph was taken (to find an object
    /// by a root's current address), parallel to `objects`.
    pub(crate) addresses: Vec<usize>,
}

impl HeapGraph {
    /// The Rust type of object `index`.
    pub fn type_name(&self, index: u32) -> &'static str {
        self.type_names[self.objects[index as usize].type_index as usize]
    }

    /// The name of `edge`.
    pub fn edge_name(&self, edge: &GraphEdge) -> EdgeName {
        self.edge_names[edge.name_index as usize]
    }

    /// The edges of object `index`.
    pub fn edges_of(&self, index: u32) -> &[GraphEdge] {
        let object = &self.objects[index as usize];
        let start = object.first_edge as usize;
        &self.edges[start..start + object.edge_count as usize]
    }

    /// The index of the object at `obj`, if the graph holds it.
    pub(crate) fn index_of(&self, obj: ObjectRef) -> Option<u32> {
        self.addresses
            .iter()
            .position(|&addr| addr == obj.addr())
            .map(|i| i as u32)
    }

    /// The shortest path from a root to object `target` (breadth first, so
    /// fewest edges), or `None` if no root reaches it. A root in
    /// `excluded` (a group and slot, as in [`RootGroup::roots`]) does not
    /// count: "why is it alive, apart from this handle?".
    pub fn why_alive(&self, target: u32, excluded: Option<(usize, u32)>) -> Option<RetainingPath> {
        let n = self.objects.len();
        // The step that first reached each object: the object it came
        // from and the edge's index, or the root (group, slot).
        let mut from: Vec<Option<Step>> = vec![None; n];
        let mut queue = VecDeque::new();
        for (g, group) in self.roots.iter().enumerate() {
            for &(slot, object) in &group.roots {
                if excluded == Some((g, slot)) || from[object as usize].is_some() {
                    continue;
                }
                from[object as usize] = Some(Step::Root(g, slot));
                queue.push_back(object);
            }
        }
        while let Some(object) = queue.pop_front() {
            if object == target {
                break;
            }
            let object_edges = self.edges_of(object);
            let first = self.objects[object as usize].first_edge;
            for (k, edge) in object_edges.iter().enumerate() {
                if from[edge.to as usize].is_none() {
                    from[edge.to as usize] = Some(Step::Edge(object, first + k as u32));
                    queue.push_back(edge.to);
                }
            }
        }
        let mut edges = Vec::new();
        let mut at = target;
        loop {
            match from[at as usize]? {
                Step::Root(group, slot) => {
                    edges.reverse();
                    return Some(RetainingPath {
                        root_group: self.roots[group].name,
                        root_slot: slot,
                        steps: edges,
                        target: self.type_name(target),
                    });
                }
                Step::Edge(object, edge) => {
                    let name = self.edge_name(&self.edges[edge as usize]);
                    edges.push((self.type_name(object), name));
                    at = object;
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Step {
    Root(usize, u32),
    Edge(u32, u32),
}

/// A chain from a root to an object: which frame's slot holds the first
/// object, and through which field of each object the next is reached.
/// Displays as `main[3] → Table.entries<value 2> → Closure.env → Frame`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetainingPath {
    /// The root group (frame label, `(persistent)` or [`UNREACHABLE`]).
    pub root_group: &'static str,
    /// The root's slot.
    pub root_slot: u32,
    /// Each object on the way (its type) and the edge taken out of it.
    pub steps: Vec<(&'static str, EdgeName)>,
    /// The type of the object the path ends at.
    pub target: &'static str,
}

impl fmt::Display for RetainingPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.root_group, self.root_slot)?;
        write_chain(f, &self.steps, Some(self.target))
    }
}

/// The ids given to objects by earlier graphs of a heap, by identity
/// (`Collector::identity`), and during a walk each object's index in the
/// graph: one table for both, since a million-object heap's table takes
/// 34 MB. Made on the first graph: a heap that never takes one holds only
/// an empty map.
#[derive(Debug, Default)]
pub(crate) struct SnapshotIds {
    /// Each object's id, and its index in the graph being built (`NONE`
    /// if the walk has not met it yet).
    ids: hashbrown::HashMap<u64, (u32, u32)>,
    next: u32,
}

const NONE: u32 = u32::MAX;

impl SnapshotIds {
    /// Starts a walk of a heap of `objects` objects: makes room for them at
    /// once (growing by doubling would hold two tables at the peak), and
    /// forgets the last walk's indices.
    fn start_walk(&mut self, objects: usize) {
        self.ids.reserve(objects.saturating_sub(self.ids.len()));
        for entry in self.ids.values_mut() {
            entry.1 = NONE;
        }
    }

    /// The index of the object of identity `key` in this walk, if met.
    fn index(&self, key: u64) -> Option<u32> {
        self.ids.get(&key).map(|e| e.1).filter(|&i| i != NONE)
    }

    /// The object of identity `key`'s index and id, giving it index `next`
    /// (and an id, if it never had one) if the walk meets it first; `true`
    /// if it does.
    fn meet(&mut self, key: u64, next: u32) -> (u32, u32, bool) {
        let ids = &mut self.next;
        let entry = self.ids.entry(key).or_insert_with(|| {
            *ids += 1;
            (*ids, NONE)
        });
        let first = entry.1 == NONE;
        if first {
            entry.1 = next;
        }
        (entry.1, entry.0, first)
    }

    /// Forgets the ids of the objects the walk that ends did not meet (they
    /// died). One table, updated in place.
    fn end_walk(&mut self) {
        self.ids.retain(|_, &mut (_, index)| index != NONE);
    }
}

/// Builds a [`HeapGraph`] breadth first from root groups.
pub(crate) struct GraphBuilder<'a, C: Collector> {
    graph: HeapGraph,
    collector: &'a mut C,
    ids: &'a mut SnapshotIds,
    types: hashbrown::HashMap<usize, u32>,
    edge_names: hashbrown::HashMap<EdgeName, u32>,
    edges: Edges,
    /// The next object to describe.
    next: usize,
}

impl<'a, C: Collector> GraphBuilder<'a, C> {
    /// A builder for a walk outside every region of the heap whose
    /// collector and ids these are.
    ///
    /// # Safety
    /// - No mutation region of the heap is open, and nothing collects
    ///   while the builder is used.
    pub(crate) unsafe fn new(collector: &'a mut C, ids: &'a mut SnapshotIds) -> Self {
        let objects = collector.usage().objects;
        ids.start_walk(objects);
        GraphBuilder {
            graph: HeapGraph {
                objects: Vec::with_capacity(objects),
                addresses: Vec::with_capacity(objects),
                ..HeapGraph::default()
            },
            collector,
            ids,
            types: hashbrown::HashMap::new(),
            edge_names: hashbrown::HashMap::new(),
            // SAFETY: outside every region (the caller).
            edges: unsafe { Edges::for_heap_walk() },
            next: 0,
        }
    }

    /// Adds a root group whose roots are `(slot, object)`.
    ///
    /// # Safety
    /// - Every object is live, with an initialised payload.
    pub(crate) unsafe fn root_group(
        &mut self,
        name: &'static str,
        kind: RootKind,
        roots: impl Iterator<Item = (u32, ObjectRef)>,
    ) {
        // SAFETY: live objects of this collector (the caller's bullet).
        let roots = roots
            .map(|(slot, obj)| (slot, unsafe { self.intern(obj) }))
            .collect();
        self.graph.roots.push(RootGroup { name, kind, roots });
    }

    /// The index of `obj` in the graph, adding it if the walk meets it
    /// first.
    ///
    /// # Safety
    /// - `obj` is a live object of this collector.
    unsafe fn intern(&mut self, obj: ObjectRef) -> u32 {
        let next = self.graph.objects.len() as u32;
        // SAFETY: the caller's bullet.
        let key = unsafe { self.collector.identity(obj) };
        let (index, id, first) = self.ids.meet(key, next);
        if first {
            self.graph.addresses.push(obj.addr());
            self.graph.objects.push(GraphObject {
                type_index: 0,
                size: 0,
                id,
                first_edge: 0,
                edge_count: 0,
            });
        }
        index
    }

    /// Walks every object reachable from the root groups, and then, if
    /// `unreachable` and the backend can list its objects
    /// ([`Collector::for_each_object`]), every object it holds that they do
    /// not reach, as a [`RootKind::Unreachable`] group.
    ///
    /// # Safety
    /// - Every object the root groups name is live and initialised, and so
    ///   (by tracing) is every object they reach.
    pub(crate) unsafe fn finish(mut self, unreachable: bool) -> HeapGraph {
        // SAFETY: the caller's bullet.
        unsafe { self.walk() };
        let mut held = Vec::new();
        let listed = unreachable && self.collector.for_each_object(&mut |obj| held.push(obj));
        held.retain(|&obj| {
            // SAFETY: held by the backend, so (rule 6 of `Collector`) live.
            let key = unsafe { self.collector.identity(obj) };
            self.ids.index(key).is_none()
        });
        if listed && !held.is_empty() {
            // Which of them another of them refers to.
            let mut referred = hashbrown::HashSet::new();
            for &obj in &held {
                // SAFETY: held by the backend, so (rule 6 of `Collector`)
                // allocated and initialised; the walk runs outside regions.
                unsafe { obj.describe(&mut self.edges) };
                let (mut found, _) = self.edges.take();
                referred.extend(found.iter().map(|&(_, target)| target.addr()));
                found.clear();
                self.edges.give_back(found);
            }
            let group = self.graph.roots.len();
            self.graph.roots.push(RootGroup {
                name: UNREACHABLE,
                kind: RootKind::Unreachable,
                roots: Vec::new(),
            });
            for entry_points_only in [true, false] {
                for &obj in &held {
                    let before = self.graph.objects.len();
                    if entry_points_only && referred.contains(&obj.addr()) {
                        continue;
                    }
                    // SAFETY: held by the backend (rule 6): live.
                    let index = unsafe { self.intern(obj) };
                    if self.graph.objects.len() == before {
                        continue; // met already, from an earlier root
                    }
                    let roots = &mut self.graph.roots[group].roots;
                    roots.push((roots.len() as u32, index));
                    // SAFETY: `obj` and everything it reaches are held by
                    // the backend (rule 6): allocated and initialised.
                    unsafe { self.walk() };
                }
            }
        }
        self.ids.end_walk();
        self.graph
    }

    /// Describes the objects not yet described, interning what they refer
    /// to, until none is left.
    ///
    /// # Safety
    /// - Every object interned so far, and every object they reach, is
    ///   live and initialised.
    unsafe fn walk(&mut self) {
        while self.next < self.graph.objects.len() {
            let next = self.next;
            // SAFETY: an address interned from a root, a traced field of a
            // live object or the backend's list: a live object (the caller).
            let obj = unsafe { ObjectRef::from_addr(self.graph.addresses[next]) };
            // SAFETY: live and initialised.
            let info = unsafe { obj.info() };
            // SAFETY: live and initialised; the walk runs outside regions.
            unsafe { obj.describe(&mut self.edges) };
            let first_edge = self.graph.edges.len() as u32;
            let (mut found, owned) = self.edges.take();
            for &(name, target) in &found {
                // SAFETY: a field of a live object: live (the caller).
                let to = unsafe { self.intern(target) };
                let names = &mut self.graph.edge_names;
                let name_index = *self.edge_names.entry(name).or_insert_with(|| {
                    names.push(name);
                    names.len() as u32 - 1
                });
                self.graph.edges.push(GraphEdge { name_index, to });
            }
            found.clear();
            self.edges.give_back(found);
            let types = &mut self.graph.type_names;
            let type_index = *self
                .types
                .entry(std::ptr::from_ref(info).addr())
                .or_insert_with(|| {
                    types.push(info.name());
                    types.len() as u32 - 1
                });
            let object = &mut self.graph.objects[next];
            object.type_index = type_index;
            // SAFETY: live and initialised.
            object.size = (unsafe { obj.size() } + owned) as u64;
            object.first_edge = first_edge;
            object.edge_count = self.graph.edges.len() as u32 - first_edge;
            self.next += 1;
        }
    }
}
