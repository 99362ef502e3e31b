//! Dominators and retained sizes of a [`HeapGraph`], by Lengauer and
//! Tarjan's algorithm (1979, the "simple" version with path compression:
//! O(E log V)), as DevTools computes them for its Retainers and Dominators
//! views.
//!
//! The graph it runs on: a synthetic root, one vertex per root group (a
//! frame, or the persistent roots), then the objects. An object's
//! immediate dominator is the last vertex every path from the root to it
//! must pass; its retained size is its own size plus that of every object
//! it dominates: the memory a collection would free if nothing but it let
//! go of them.

use gc_core::graph::HeapGraph;

/// Who dominates an object immediately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dominator {
    /// Only the synthetic root: reached from several root groups.
    Root,
    /// A root group (its index in [`HeapGraph::roots`]).
    Group(usize),
    /// Another object (its index in [`HeapGraph::objects`]).
    Object(u32),
}

/// The dominator tree of a heap graph, with every object's retained size.
///
/// ```
/// use gc_core::{Gc, Heap, HeapConfig, Trace};
/// use gc_snapshot::{Dominator, Dominators};
///
/// #[derive(Trace, Default)]
/// struct Node { left: Gc<Node>, right: Gc<Node> }
///
/// let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let top = s.alloc(Node::default());
///     s.scope("build", |s| {
///         let a = s.alloc(Node::default());
///         let b = s.alloc(Node::default());
///         s.set(top, |n| &n.left, a);
///         s.set(a, |n| &n.left, b);
///         s.set(top, |n| &n.right, b); // b is reached two ways: top dominates it
///     });
///     let graph = s.heap_graph(); // only `top` is a root now
///     let doms = Dominators::of(&graph);
///     // objects are numbered as the walk reached them: top, a (left), b (right)
///     assert_eq!(doms.immediate_dominator(0), Dominator::Group(0));
///     assert_eq!(doms.immediate_dominator(1), Dominator::Object(0));
///     assert_eq!(doms.immediate_dominator(2), Dominator::Object(0));
///     assert_eq!(doms.retained_size(0), graph.objects.iter().map(|o| o.size).sum::<u64>());
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Dominators {
    /// Root groups in the graph (vertices `1..=groups`).
    groups: usize,
    /// Each vertex's immediate dominator (the root's is itself).
    idom: Vec<u32>,
    /// Each vertex's retained size.
    retained: Vec<u64>,
}

const ROOT: u32 = 0;
const NONE: u32 = u32::MAX;

impl Dominators {
    /// Computes the dominator tree and retained sizes of `graph`.
    pub fn of(graph: &HeapGraph) -> Dominators {
        let groups = graph.roots.len();
        let n = 1 + groups + graph.objects.len();
        let object = |i: u32| i + 1 + groups as u32;
        // Successors of each vertex, as a compressed adjacency list.
        let mut succ_start = vec![0u32; n + 1];
        let mut succ = Vec::with_capacity(groups + graph.edges.len() + graph.objects.len());
        succ_start[0] = 0;
        succ.extend(1..=groups as u32);
        for (g, group) in graph.roots.iter().enumerate() {
            succ_start[1 + g] = succ.len() as u32;
            succ.extend(group.roots.iter().map(|&(_, o)| object(o)));
        }
        for i in 0..graph.objects.len() {
            succ_start[1 + groups + i] = succ.len() as u32;
            succ.extend(graph.edges_of(i as u32).iter().map(|e| object(e.to)));
        }
        succ_start[n] = succ.len() as u32;
        let successors =
            |v: u32| &succ[succ_start[v as usize] as usize..succ_start[v as usize + 1] as usize];

        // Depth-first numbering (iterative): semi[v] starts as v's number.
        let mut dfnum = vec![NONE; n];
        let mut vertex = Vec::with_capacity(n); // by number
        let mut parent = vec![NONE; n];
        let mut stack: Vec<(u32, u32)> = vec![(ROOT, NONE)];
        while let Some((v, from)) = stack.pop() {
            if dfnum[v as usize] != NONE {
                continue;
            }
            dfnum[v as usize] = vertex.len() as u32;
            vertex.push(v);
            parent[v as usize] = from;
            for &w in successors(v).iter().rev() {
                if dfnum[w as usize] == NONE {
                    stack.push((w, v));
                }
            }
        }
        // Predecessors (only of reached vertices).
        let mut pred_count = vec![0u32; n + 1];
        for &v in &vertex {
            for &w in successors(v) {
                pred_count[w as usize + 1] += 1;
            }
        }
        for i in 0..n {
            pred_count[i + 1] += pred_count[i];
        }
        let mut preds = vec![0u32; pred_count[n] as usize];
        let mut fill = pred_count.clone();
        for &v in &vertex {
            for &w in successors(v) {
                preds[fill[w as usize] as usize] = v;
                fill[w as usize] += 1;
            }
        }

        let mut semi: Vec<u32> = dfnum.clone();
        let mut idom = vec![NONE; n];
        let mut ancestor = vec![NONE; n];
        let mut label: Vec<u32> = (0..n as u32).collect();
        let mut bucket_start = vec![NONE; n]; // linked lists through `bucket_next`
        let mut bucket_next = vec![NONE; n];
        let mut path = Vec::new();

        for i in (1..vertex.len()).rev() {
            let w = vertex[i];
            let p = parent[w as usize];
            for k in pred_count[w as usize]..pred_count[w as usize + 1] {
                let v = preds[k as usize];
                let u = eval(v, &mut ancestor, &mut label, &semi, &mut path);
                if semi[u as usize] < semi[w as usize] {
                    semi[w as usize] = semi[u as usize];
                }
            }
            let s = vertex[semi[w as usize] as usize];
            bucket_next[w as usize] = bucket_start[s as usize];
            bucket_start[s as usize] = w;
            ancestor[w as usize] = p; // link(p, w)
            let mut v = bucket_start[p as usize];
            bucket_start[p as usize] = NONE;
            while v != NONE {
                let next = bucket_next[v as usize];
                let u = eval(v, &mut ancestor, &mut label, &semi, &mut path);
                idom[v as usize] = if semi[u as usize] < semi[v as usize] {
                    u
                } else {
                    p
                };
                v = next;
            }
        }
        for &w in &vertex[1..] {
            if idom[w as usize] != vertex[semi[w as usize] as usize] {
                idom[w as usize] = idom[idom[w as usize] as usize];
            }
        }
        idom[ROOT as usize] = ROOT;

        // Retained sizes: children before parents (reverse DFS order).
        let mut retained = vec![0u64; n];
        for (i, o) in graph.objects.iter().enumerate() {
            retained[1 + groups + i] = o.size;
        }
        for &w in vertex[1..].iter().rev() {
            let d = idom[w as usize];
            retained[d as usize] += retained[w as usize];
        }
        Dominators {
            groups,
            idom,
            retained,
        }
    }

    /// The immediate dominator of object `index`.
    pub fn immediate_dominator(&self, index: u32) -> Dominator {
        let d = self.idom[index as usize + 1 + self.groups];
        match d as usize {
            0 => Dominator::Root,
            g if g <= self.groups => Dominator::Group(g - 1),
            o => Dominator::Object((o - 1 - self.groups) as u32),
        }
    }

    /// The bytes object `index` retains: its own and every object's it
    /// dominates.
    pub fn retained_size(&self, index: u32) -> u64 {
        self.retained[index as usize + 1 + self.groups]
    }

    /// The bytes root group `group` retains.
    pub fn group_retained_size(&self, group: usize) -> u64 {
        self.retained[1 + group]
    }

    /// The `count` objects that retain the most, largest first, with their
    /// retained sizes.
    pub fn largest(&self, count: usize) -> Vec<(u32, u64)> {
        let objects = self.retained.len() - 1 - self.groups;
        let mut all: Vec<(u32, u64)> = (0..objects as u32)
            .map(|i| (i, self.retained_size(i)))
            .collect();
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(count);
        all
    }
}

/// The vertex with the least semidominator on the path from `v` up to (not
/// including) the root of its tree in the forest, compressing the path.
fn eval(v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32], path: &mut Vec<u32>) -> u32 {
    if ancestor[v as usize] == NONE {
        return v;
    }
    // Collect the path whose ancestors' ancestors exist, then compress it
    // from the top down (iteratively: heaps have long chains).
    path.clear();
    let mut u = v;
    while ancestor[ancestor[u as usize] as usize] != NONE {
        path.push(u);
        u = ancestor[u as usize];
    }
    for &w in path.iter().rev() {
        let a = ancestor[w as usize];
        if semi[label[a as usize] as usize] < semi[label[w as usize] as usize] {
            label[w as usize] = label[a as usize];
        }
        ancestor[w as usize] = ancestor[a as usize];
    }
    label[v as usize]
}
