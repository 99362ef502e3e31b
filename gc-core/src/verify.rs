//! The part of heap verification every backend shares: walking the graph
//! reachable from the roots and checking each reference lands on an object;
//! and [`path_to`], the chain of fields from a root to an object or to a bad
//! pointer ([`FieldPath`]), which every verifier prints instead of an
//! address: `root slot 3 → Table.items[2] → Leaf`.
//!
//! A checker of the heap (a backend's verifier, a second marker checking
//! the first) finds a bad object or pointer, calls [`path_to`] with the
//! roots of the collection and its own test of what is an object, and puts
//! the path in its message ([`FieldPath::describe`] adds the object's type
//! and address).

use crate::edges::{write_chain, EdgeName, Edges};
use crate::ephemeron::EphemeronTable;
use crate::object::ObjectRef;
use crate::trace::{Slot, Tracer};
use hashbrown::{HashMap, HashSet};
use std::collections::VecDeque;
use std::fmt;

/// Walks everything reachable from `roots`, checking with `is_object` that
/// every root and field refers to the start of an allocated object, and
/// returns the reachable objects (each once). Backends run their own checks
/// (mark bits, forwarding pointers, counts) on the result.
///
/// # Safety
/// - Every object `is_object` accepts is live with an initialised payload.
pub unsafe fn reachable(
    roots: &[Slot],
    is_object: impl Fn(ObjectRef) -> bool,
) -> Result<Vec<ObjectRef>, String> {
    // SAFETY: forwarded to the caller; an empty table adds nothing.
    unsafe { reachable_with(roots, &EphemeronTable::new(), is_object) }
}

/// [`reachable`], following the weak maps' ephemerons too: the value of
/// every entry whose map object and key are reachable is reachable (to the
/// closure; a verifier's walk, so a plain fix-point).
///
/// # Safety
/// - As [`reachable`]; every entry of `ephemerons` refers to objects
///   `is_object` accepts while its map object and key are reachable.
pub unsafe fn reachable_with(
    roots: &[Slot],
    ephemerons: &EphemeronTable,
    is_object: impl Fn(ObjectRef) -> bool,
) -> Result<Vec<ObjectRef>, String> {
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut stack = Vec::new();
    // SAFETY: verification runs between collections and regions (this
    // function's contract): no lock guard can be in use.
    let mut tracer = unsafe { Tracer::for_collection() };
    for (i, slot) in roots.iter().enumerate() {
        let obj = slot
            .get()
            .ok_or_else(|| format!("root slot {i} is empty"))?;
        if !is_object(obj) {
            return Err(format!(
                "root slot {i} refers to {obj:?}, which is not an object"
            ));
        }
        stack.push(obj);
    }
    // A bad pointer's message: the fields that lead to it, else its holder.
    let bad = |obj: ObjectRef, child: ObjectRef| {
        // SAFETY: every object `is_object` accepts is live (the caller's).
        match unsafe { path_to(roots, child, &is_object) } {
            Some(path) => format!("{path} refers to {child:?}, which is not an object"),
            None => {
                // SAFETY: `obj` passed `is_object`.
                let name = unsafe { obj.info() }.name();
                format!("a field of {obj:?} ({name}) refers to {child:?}, which is not an object")
            }
        }
    };
    loop {
        let Some(obj) = stack.pop() else {
            ephemerons.for_each(|map, key, value| {
                if seen.contains(&map) && seen.contains(&key) && !seen.contains(&value) {
                    stack.push(value);
                }
            });
            if let Some(value) = stack.iter().find(|&&v| !is_object(v)) {
                return Err(format!(
                    "a weak-map value {value:?} of a live key is not an object"
                ));
            }
            if stack.is_empty() {
                return Ok(order);
            }
            continue;
        };
        if !seen.insert(obj) {
            continue;
        }
        order.push(obj);
        // SAFETY: `obj` passed `is_object`, so it is live (caller's contract).
        unsafe { obj.trace(&mut tracer) };
        for slot in tracer.drain() {
            // SAFETY: reported by a live object's trace just now.
            let Some(child) = unsafe { slot.as_ref() }.get() else {
                continue;
            };
            if !is_object(child) {
                return Err(bad(obj, child));
            }
            stack.push(child);
        }
    }
}

/// A chain of fields from a root slot to an object, or to the field that
/// holds a pointer to no object: what a verifier prints instead of an
/// address. Displays as `root slot 3 → Table.items[2] → Leaf` (or, ending
/// at a bad pointer, `root slot 3 → Table.items[2]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// The root's index in the roots given to [`path_to`] (the shadow
    /// stack's slot; the persistent roots follow the frames' slots).
    pub root: usize,
    /// Each object on the way (its type) and the field taken out of it.
    pub steps: Vec<(&'static str, EdgeName)>,
    /// The type of the object the path ends at; `None` if it ends at a
    /// field whose pointer is no object.
    pub target: Option<&'static str>,
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "root slot {}", self.root)?;
        write_chain(f, &self.steps, self.target)
    }
}

impl FieldPath {
    /// How a checker names `obj`: its path if `path` found one, else its
    /// type and address.
    ///
    /// # Safety
    /// - `obj` is live with an initialised payload (its type is read).
    pub unsafe fn describe(path: Option<FieldPath>, obj: ObjectRef) -> String {
        match path {
            Some(path) => format!("{path} ({obj:?})"),
            // SAFETY: the caller's bullet.
            None => format!("{obj:?} ({})", unsafe { obj.info() }.name()),
        }
    }
}

/// The shortest chain of fields from `roots` to `target` (breadth first,
/// fields named as in heap graphs), following only pointers `is_object`
/// accepts; `target` itself may be any address (a pointer to no object is
/// reported by the field that holds it). `None` if no root reaches it.
///
/// ```
/// use gc_core::object::ObjectRef;
/// use gc_core::verify::path_to;
/// use gc_core::{Gc, Heap, HeapConfig, Trace};
/// use std::cell::Cell;
///
/// #[derive(Trace, Default)]
/// struct Node { next: Gc<Node>, kids: Vec<Gc<Node>> }
///
/// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let a = s.alloc(Node::default());
///     let b = s.alloc(Node { kids: (0..3).map(|_| Gc::null()).collect(), ..Node::default() });
///     let c = s.alloc(Node::default());
///     s.set(a, |n| &n.next, b);
///     s.set_at(b, |n| &n.kids, 2, c);
///     // SAFETY: addresses of live objects of this heap.
///     let [a, c] = [a, c].map(|r| unsafe { ObjectRef::from_addr(s.address(r)) });
///     let roots = [Cell::new(Some(a))];
///     // SAFETY: the walk meets only live objects (all three are); no
///     // region is open and nothing collects during the call.
///     let path = unsafe { path_to(&roots, c, |_| true) }.unwrap();
///     assert_eq!(path.to_string(), "root slot 0 → Node.next → Node.kids[2] → Node");
/// });
/// ```
///
/// # Safety
/// - Every object `is_object` accepts is live with an initialised payload.
/// - No mutation region is open, and nothing collects during the call.
pub unsafe fn path_to(
    roots: &[Slot],
    target: ObjectRef,
    is_object: impl Fn(ObjectRef) -> bool,
) -> Option<FieldPath> {
    // SAFETY: outside every region (the caller's bullet).
    let mut edges = unsafe { Edges::for_heap_walk() };
    // How each object was first reached: a root, or a field of another.
    let mut from: HashMap<ObjectRef, Result<(ObjectRef, EdgeName), usize>> = HashMap::new();
    let mut queue = VecDeque::new();
    // SAFETY: `is_object` accepts only live objects (the caller's bullet).
    let name = |obj: ObjectRef| is_object(obj).then(|| unsafe { obj.info() }.name());
    for (i, slot) in roots.iter().enumerate() {
        let Some(obj) = slot.get() else { continue };
        if obj == target {
            return Some(FieldPath {
                root: i,
                steps: Vec::new(),
                target: name(obj),
            });
        }
        if is_object(obj) && !from.contains_key(&obj) {
            from.insert(obj, Err(i));
            queue.push_back(obj);
        }
    }
    while let Some(obj) = queue.pop_front() {
        // SAFETY: `obj` passed `is_object`: live and initialised; outside
        // every region.
        unsafe { obj.describe(&mut edges) };
        let (found, _) = edges.take();
        for (edge, child) in found {
            if child == target {
                // Walk back to the root.
                let mut steps = Vec::new();
                let (mut at, mut edge) = (obj, edge);
                loop {
                    // SAFETY: every object in `from` passed `is_object`.
                    steps.push((unsafe { at.info() }.name(), edge));
                    match from[&at] {
                        Ok((parent, parent_edge)) => (at, edge) = (parent, parent_edge),
                        Err(root) => {
                            steps.reverse();
                            return Some(FieldPath {
                                root,
                                steps,
                                target: name(child),
                            });
                        }
                    }
                }
            }
            if is_object(child) && !from.contains_key(&child) {
                from.insert(child, Ok((obj, edge)));
                queue.push_back(child);
            }
        }
    }
    None
}
