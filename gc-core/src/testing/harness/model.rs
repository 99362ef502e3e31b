//! The reference model: a graph of payload ids, a mirror of the shadow stack,
//! and reachability. It knows nothing about addresses or collectors.

use super::Op;
use std::fmt;

/// Which of the harness's two object types an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A small object.
    Small,
    /// An object above the 8 KiB large-object threshold.
    Large,
}

/// One of an object's four edges: `small[0..3]` (to small objects) or
/// `large` (to a large object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edge {
    /// `small[k]`.
    Small(usize),
    /// `large`.
    Large,
}

impl Edge {
    /// Every edge, in the order the checker follows them.
    pub(super) const ALL: [Edge; 4] = [Edge::Small(0), Edge::Small(1), Edge::Small(2), Edge::Large];

    /// Field `f` of an op, taken modulo 4 (3 is `large`).
    fn from_field(f: u8) -> Edge {
        match f % 4 {
            3 => Edge::Large,
            k => Edge::Small(usize::from(k)),
        }
    }

    /// `small[k]` is `k`, `large` is 3.
    pub(super) fn index(self) -> usize {
        match self {
            Edge::Small(k) => k,
            Edge::Large => 3,
        }
    }
}

impl fmt::Display for Edge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edge::Small(k) => write!(f, "small[{k}]"),
            Edge::Large => f.write_str("large"),
        }
    }
}

/// An [`Op`] resolved against the model: root indices taken modulo the
/// number of roots, the edge chosen, the expected result attached. Both the
/// model and the real heap execute steps, so they cannot disagree on what an
/// op means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Alloc {
        id: u64,
        kind: Kind,
        len: usize,
    },
    Set {
        obj: usize,
        edge: Edge,
        target: usize,
    },
    Clear {
        obj: usize,
        edge: Edge,
    },
    Load {
        obj: usize,
        edge: Edge,
        target: Option<u64>,
    },
    Root {
        obj: usize,
    },
    Assign {
        root: usize,
        from: usize,
    },
    Enter,
    Leave,
    Read {
        obj: usize,
        id: u64,
    },
    Collect,
    /// The op means nothing here (no roots yet, kinds differ, or leaving
    /// the outermost scope).
    Skip,
}

/// A model object: its kind, payload length and edges (by payload id).
#[derive(Debug, Clone)]
pub(super) struct ModelObject {
    pub(super) kind: Kind,
    pub(super) len: usize,
    edges: [Option<u64>; 4],
}

impl ModelObject {
    /// The payload id `edge` refers to, if any.
    pub(super) fn edge(&self, edge: Edge) -> Option<u64> {
        self.edges[edge.index()]
    }
}

/// The model heap. Object ids are indices into `objects`, in allocation order.
#[derive(Debug, Default)]
pub(super) struct Model {
    pub(super) objects: Vec<ModelObject>,
    /// The shadow stack: the id each root slot refers to, outermost first.
    pub(super) roots: Vec<u64>,
    /// `roots.len()` when each open nested scope was entered.
    frames: Vec<usize>,
}

impl Model {
    /// What `op` means in the current state.
    pub(super) fn resolve(&self, op: &Op) -> Step {
        let n = self.roots.len();
        let kind = |root: usize| self.objects[self.roots[root] as usize].kind;
        match *op {
            Op::Alloc { len } => self.alloc(Kind::Small, len),
            Op::AllocLarge { len } => self.alloc(Kind::Large, len),
            _ if n == 0 && !matches!(op, Op::Enter | Op::Leave | Op::Collect) => Step::Skip,
            Op::Set { obj, field, target } => {
                let (obj, target) = (obj % n, target % n);
                let edge = match kind(target) {
                    Kind::Small => Edge::Small(usize::from(field % 3)),
                    Kind::Large => Edge::Large,
                };
                Step::Set { obj, edge, target }
            }
            Op::Clear { obj, field } => Step::Clear {
                obj: obj % n,
                edge: Edge::from_field(field),
            },
            Op::Load { obj, field } => {
                let (obj, edge) = (obj % n, Edge::from_field(field));
                let target = self.object(self.roots[obj]).edge(edge);
                Step::Load { obj, edge, target }
            }
            Op::Root { obj } => Step::Root { obj: obj % n },
            Op::Assign { root, from } if kind(root % n) == kind(from % n) => Step::Assign {
                root: root % n,
                from: from % n,
            },
            Op::Assign { .. } => Step::Skip,
            Op::Enter => Step::Enter,
            Op::Leave if self.frames.is_empty() => Step::Skip,
            Op::Leave => Step::Leave,
            Op::Read { obj } => Step::Read {
                obj: obj % n,
                id: self.roots[obj % n],
            },
            Op::Collect => Step::Collect,
        }
    }

    fn alloc(&self, kind: Kind, len: u8) -> Step {
        let id = self.objects.len() as u64;
        Step::Alloc {
            id,
            kind,
            len: usize::from(len),
        }
    }

    /// Applies a step resolved by [`Model::resolve`] in this state.
    pub(super) fn apply(&mut self, step: Step) {
        match step {
            Step::Alloc { id, kind, len } => {
                self.objects.push(ModelObject {
                    kind,
                    len,
                    edges: [None; 4],
                });
                self.roots.push(id);
            }
            Step::Set { obj, edge, target } => {
                let target = self.roots[target];
                self.object_mut(obj).edges[edge.index()] = Some(target);
            }
            Step::Clear { obj, edge } => self.object_mut(obj).edges[edge.index()] = None,
            Step::Load { target, .. } => self.roots.extend(target),
            Step::Root { obj } => self.roots.push(self.roots[obj]),
            Step::Assign { root, from } => self.roots[root] = self.roots[from],
            Step::Enter => self.frames.push(self.roots.len()),
            Step::Leave => {
                let start = self.frames.pop().expect("resolve checked the depth");
                self.roots.truncate(start);
            }
            Step::Read { .. } | Step::Collect | Step::Skip => {}
        }
    }

    /// The object with payload id `id`.
    pub(super) fn object(&self, id: u64) -> &ModelObject {
        &self.objects[id as usize]
    }

    fn object_mut(&mut self, root: usize) -> &mut ModelObject {
        let id = self.roots[root] as usize;
        &mut self.objects[id]
    }

    /// `reachable[id]`: whether object `id` is reachable from a root.
    pub(super) fn reachable(&self) -> Vec<bool> {
        let mut reachable = vec![false; self.objects.len()];
        let mut stack = self.roots.clone();
        while let Some(id) = stack.pop() {
            if !std::mem::replace(&mut reachable[id as usize], true) {
                stack.extend(self.object(id).edges.iter().flatten());
            }
        }
        reachable
    }

    /// A one-line explanation of `step` in this state (before applying it),
    /// for the listing of a failing program.
    pub(super) fn explain(&self, step: Step) -> String {
        let root = |r: usize| format!("root {r} (#{})", self.roots[r]);
        match step {
            Step::Alloc { id, kind, len } => {
                let kind = if kind == Kind::Small {
                    "small"
                } else {
                    "large"
                };
                format!("root {} = new {kind} #{id} ({len} words)", self.roots.len())
            }
            Step::Set { obj, edge, target } => format!("{}.{edge} = {}", root(obj), root(target)),
            Step::Clear { obj, edge } => format!("{}.{edge} = null", root(obj)),
            Step::Load {
                obj,
                edge,
                target: Some(t),
            } => {
                format!("root {} = {}.{edge} (#{t})", self.roots.len(), root(obj))
            }
            Step::Load {
                obj,
                edge,
                target: None,
            } => format!("{}.{edge} is null", root(obj)),
            Step::Root { obj } => format!("root {} = {}", self.roots.len(), root(obj)),
            Step::Assign { root: r, from } => format!("{} = {}", root(r), root(from)),
            Step::Enter => format!("enter scope (depth {})", self.frames.len() + 1),
            Step::Leave => {
                let start = self.frames.last().copied().unwrap_or(0);
                format!("leave scope: roots {start}.. dropped")
            }
            Step::Read { obj, .. } => format!("read {}", root(obj)),
            Step::Collect => {
                let live = self.reachable().iter().filter(|&&r| r).count();
                format!(
                    "collect ({live} of {} objects reachable)",
                    self.objects.len()
                )
            }
            Step::Skip => "no-op here".to_string(),
        }
    }
}
