//! [`Edges`]: an object's outgoing pointers with names, for heap graphs and
//! snapshots ([`Trace::describe`](crate::Trace::describe)).
//!
//! A collector needs only the slots an object holds ([`Tracer`]); a person
//! asking "why is this alive?" needs to know which field holds them. The
//! derive names each field (`left`, `Pair.0` for a tuple variant), the
//! containers number their elements (`kids[3]`) and map entries
//! (`table<key 2>`, `table<value 2>`), and the model's containers report
//! the buffer bytes they own. Nothing of this runs during a collection.

use crate::object::ObjectRef;
use crate::trace::Tracer;
use std::fmt;

/// What kind of edge: a named field, a numbered element, or one side of a
/// map entry (the kinds of a DevTools heap snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// A field, by name.
    Property,
    /// An element of a vector or slice, by index.
    Element,
    /// The key of a map entry, by the entry's position.
    Key,
    /// The value of a map entry, by the entry's position.
    Value,
}

/// The name of one edge: the outermost field that holds it and, inside
/// that field, the innermost element or entry (`kids[3]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EdgeName {
    /// The field of the object that holds the pointer; `""` where none is
    /// known (a slice object's elements, a hand-written `Trace`).
    pub field: &'static str,
    /// Property, element or map entry.
    pub kind: EdgeKind,
    /// The element's index or the entry's position (0 for a property).
    pub index: u32,
}

impl fmt::Display for EdgeName {
    /// `left`, `kids[3]`, `[3]`, `table<key 2>`, `table<value 2>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            EdgeKind::Property if self.field.is_empty() => f.write_str("<unnamed>"),
            EdgeKind::Property => f.write_str(self.field),
            EdgeKind::Element => write!(f, "{}[{}]", self.field, self.index),
            EdgeKind::Key => write!(f, "{}<key {}>", self.field, self.index),
            EdgeKind::Value => write!(f, "{}<value {}>", self.field, self.index),
        }
    }
}

/// Collects one object's edges with their names, and the bytes of memory
/// it owns outside its cell (container buffers).
///
/// ```
/// use gc_core::edges::{EdgeKind, Edges};
/// use gc_core::Trace;
///
/// #[derive(Trace)]
/// struct Leaf { value: u64 }
///
/// let mut edges = Edges::new();
/// Leaf { value: 1 }.describe(&mut edges);
/// assert_eq!(edges.len(), 0); // a leaf holds no pointer
/// ```
pub struct Edges {
    tracer: Tracer,
    current: EdgeName,
    found: Vec<(EdgeName, ObjectRef)>,
    owned_bytes: usize,
}

impl Default for Edges {
    fn default() -> Edges {
        Edges {
            tracer: Tracer::new(),
            current: EdgeName {
                field: "",
                kind: EdgeKind::Property,
                index: 0,
            },
            found: Vec::new(),
            owned_bytes: 0,
        }
    }
}

impl Edges {
    /// An empty collection of edges.
    pub fn new() -> Edges {
        Edges::default()
    }

    /// An empty collection for a heap walk, which runs outside every region.
    ///
    /// # Safety
    /// As [`Tracer::for_collection`].
    pub(crate) unsafe fn for_heap_walk() -> Edges {
        Edges {
            // SAFETY: the caller's.
            tracer: unsafe { Tracer::for_collection() },
            ..Edges::default()
        }
    }

    /// `true` for a heap walk's edges ([`Tracer::for_collection`]).
    pub(crate) fn trusted(&self) -> bool {
        self.tracer.trusted()
    }

    /// Runs `f` for the field `name`: the edges it reports are named by
    /// it, unless an outer field already names them.
    #[inline]
    pub fn field(&mut self, name: &'static str, f: impl FnOnce(&mut Edges)) {
        let saved = self.current;
        if saved.field.is_empty() {
            self.current.field = name;
        }
        f(self);
        self.current = saved;
    }

    /// Runs `f` for element `index` of a vector, slice or array.
    #[inline]
    pub fn element(&mut self, index: usize, f: impl FnOnce(&mut Edges)) {
        self.numbered(EdgeKind::Element, index, f)
    }

    /// Runs `f` for the key of the map entry at position `index`.
    #[inline]
    pub fn key(&mut self, index: usize, f: impl FnOnce(&mut Edges)) {
        self.numbered(EdgeKind::Key, index, f)
    }

    /// Runs `f` for the value of the map entry at position `index`.
    #[inline]
    pub fn value(&mut self, index: usize, f: impl FnOnce(&mut Edges)) {
        self.numbered(EdgeKind::Value, index, f)
    }

    fn numbered(&mut self, kind: EdgeKind, index: usize, f: impl FnOnce(&mut Edges)) {
        let saved = self.current;
        self.current.kind = kind;
        self.current.index = u32::try_from(index).unwrap_or(u32::MAX);
        f(self);
        self.current = saved;
    }

    /// Records every pointer `trace` reports, under the current name, in
    /// the order reported. Crate-private: only [`Trace::describe`]'s
    /// default calls it, with the trace of a value it borrows, so every
    /// slot reported lies in that value (Trace's rule 2) and is alive when
    /// it is read here.
    ///
    /// [`Trace::describe`]: crate::Trace::describe
    pub(crate) fn slots(&mut self, trace: impl FnOnce(&mut Tracer)) {
        trace(&mut self.tracer);
        let start = self.found.len();
        for slot in self.tracer.drain() {
            // SAFETY: `trace` traced a value borrowed for this whole call
            // (see above), whose slots lie in it (Trace's rule 2): alive.
            if let Some(target) = unsafe { slot.as_ref() }.get() {
                self.found.push((self.current, target));
            }
        }
        self.found[start..].reverse(); // `drain` yields the last first
    }

    /// Counts `bytes` of memory the object owns outside its cell (a
    /// container's buffer), for its size in a snapshot.
    pub fn owned_bytes(&mut self, bytes: usize) {
        self.owned_bytes += bytes;
    }

    /// The number of edges recorded.
    pub fn len(&self) -> usize {
        self.found.len()
    }

    /// `true` if no edge was recorded.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The edges recorded, in order, and the owned bytes; clears both.
    /// Hand the vector back, emptied, with [`Edges::give_back`] to reuse
    /// its buffer.
    pub(crate) fn take(&mut self) -> (Vec<(EdgeName, ObjectRef)>, usize) {
        let bytes = std::mem::take(&mut self.owned_bytes);
        (std::mem::take(&mut self.found), bytes)
    }

    /// Returns the (empty) vector [`Edges::take`] handed out.
    pub(crate) fn give_back(&mut self, found: Vec<(EdgeName, ObjectRef)>) {
        debug_assert!(found.is_empty() && self.found.is_empty());
        self.found = found;
    }
}

/// `Node` for `my_crate::module::Node`, `Vec<Node>` for
/// `alloc::vec::Vec<my_crate::Node>`, `Table` for `my_crate::Table<'_>`:
/// the last segment of every path, without erased lifetimes.
///
/// ```
/// use gc_core::graph::short_type_name;
/// assert_eq!(short_type_name("alloc::vec::Vec<my_crate::Node>"), "Vec<Node>");
/// assert_eq!(short_type_name("my_crate::Table<'_>"), "Table");
/// assert_eq!(short_type_name("my_crate::Pair<'_, u64>"), "Pair<u64>");
/// ```
pub fn short_type_name(name: &str) -> String {
    let name = name.replace("<'_>", "").replace("'_, ", "");
    let mut out = String::with_capacity(name.len());
    let mut segment = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(""));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(""));
    out
}

/// Writes the rest of a chain from a root: ` → Type.field` per step (the
/// object's type, shortened, and the edge taken out of it), then
/// ` → Target` if the chain ends at an object. Retaining paths and the
/// verifiers' field paths print through it.
pub(crate) fn write_chain(
    f: &mut fmt::Formatter<'_>,
    steps: &[(&'static str, EdgeName)],
    target: Option<&'static str>,
) -> fmt::Result {
    for (type_name, edge) in steps {
        write!(f, " → {}.{}", short_type_name(type_name), edge)?;
    }
    match target {
        Some(target) => write!(f, " → {}", short_type_name(target)),
        None => Ok(()),
    }
}
