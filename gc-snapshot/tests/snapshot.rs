//! Heap graphs, retaining paths, dominators and `.heapsnapshot` files, the
//! same checks on every backend (normal and stress mode).

use gc_core::model::{Gc as ModelGc, GcMap, GcVec, RefLock};
use gc_core::{Collector, Gc, Heap, HeapConfig, Trace};
use gc_snapshot::{write_heap_snapshot, Dominator, Dominators};
use serde_json::Value;

#[derive(Trace, Default)]
struct Node {
    value: u64,
    left: Gc<Node>,
    right: Gc<Node>,
}

#[derive(Trace)]
struct Table<'gc> {
    items: RefLock<GcVec<'gc, ModelGc<'gc, Leaf>>>,
    by_name: RefLock<GcMap<'gc, u64, ModelGc<'gc, Leaf>>>,
}

#[derive(Trace)]
struct Leaf(u64);

fn heaps<C: Collector>() -> [Heap<C>; 2] {
    let stress = HeapConfig {
        stress: true,
        ..HeapConfig::default()
    };
    [
        Heap::new(HeapConfig::default()).unwrap(),
        Heap::new(stress).unwrap(),
    ]
}

/// A complete binary tree of handle-API nodes, `depth` levels, built in a
/// nested scope so that only its top stays rooted.
fn tree<C: Collector>(
    heap: &mut Heap<C>,
    depth: u32,
    check: impl FnOnce(&mut gc_core::Scope<'_, C>, gc_core::Root<'_, Node>),
) {
    heap.scope("main", |s| {
        let top = s.alloc(Node::default());
        s.scope("build", |s| {
            let (l, r) = (s.alloc(Node::default()), s.alloc(Node::default()));
            s.set(top, |n| &n.left, l);
            s.set(top, |n| &n.right, r);
            let mut level = vec![l, r];
            for _ in 2..depth {
                let mut next = Vec::new();
                for &parent in &level {
                    let l = s.alloc(Node::default());
                    let r = s.alloc(Node::default());
                    s.set(parent, |n| &n.left, l);
                    s.set(parent, |n| &n.right, r);
                    next.extend([l, r]);
                }
                level = next;
            }
        });
        check(s, top);
    });
}

fn graph_holds_exactly_the_reachable_objects<C: Collector>() {
    for mut heap in heaps::<C>() {
        tree(&mut heap, 6, |s, _top| {
            s.scope("garbage", |s| {
                for _ in 0..50 {
                    s.alloc(Node::default());
                }
            });
            let graph = s.heap_graph();
            assert_eq!(graph.objects.len(), 63, "a depth-6 tree, no garbage");
            assert_eq!(
                graph.edges.len(),
                62,
                "one edge into every node but the top"
            );
            let names: Vec<String> = graph
                .edges_of(0)
                .iter()
                .map(|e| graph.edge_name(e).to_string())
                .collect();
            assert_eq!(names, ["left", "right"]);
            assert_eq!(graph.roots[0].name, "main");
            assert_eq!(graph.roots[0].roots.len(), 1);
            assert!(graph.objects.iter().all(|o| o.size >= 32));
            assert!((0..63).all(|i| graph.type_name(i).ends_with("Node")));
        });
    }
}

fn ids_are_stable_across_collections_and_moves<C: Collector>() {
    for mut heap in heaps::<C>() {
        tree(&mut heap, 5, |s, _top| {
            let before = s.heap_graph();
            s.scope("churn", |s| {
                for _ in 0..1000 {
                    s.alloc(Node::default());
                }
            });
            s.collect();
            s.collect();
            let after = s.heap_graph();
            let ids =
                |g: &gc_core::graph::HeapGraph| g.objects.iter().map(|o| o.id).collect::<Vec<_>>();
            // The same walk order over the same structure: object i is the
            // same object in both, whether or not it moved.
            assert_eq!(ids(&before), ids(&after));
            let mut unique = ids(&after);
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), after.objects.len(), "ids are unique");
        });
    }
}

fn why_alive_names_the_path<C: Collector>() {
    for mut heap in heaps::<C>() {
        tree(&mut heap, 4, |s, top| {
            let leaf = s.scope_escaping("walk", |s| {
                let leaf = s.load(top, |n| &n.right).unwrap();
                let leaf = s.load(leaf, |n| &n.left).unwrap();
                s.load(leaf, |n| &n.right).unwrap()
            });
            let path = s.why_alive(leaf).expect("the tree holds it");
            assert_eq!(
                path.to_string(),
                "main[0] → Node.right → Node.left → Node.right → Node"
            );
            assert_eq!(s.why_alive(top), None, "only its own root holds the top");
        });
    }
}

fn model_containers_are_elements_and_entries<C: Collector>() {
    for mut heap in heaps::<C>() {
        heap.scope("model", |s| {
            s.mutate(|m| {
                let table = m.alloc(Table {
                    items: RefLock::new(GcVec::new(m)),
                    by_name: RefLock::new(GcMap::new(m)),
                });
                let open = m.write(table);
                let a = m.alloc(Leaf(1));
                open.project(|t| &t.items).borrow_mut().push(a);
                open.project(|t| &t.items)
                    .borrow_mut()
                    .push(m.alloc(Leaf(2)));
                open.project(|t| &t.by_name).borrow_mut().insert(m, 7, a);
                m.root(table)
            });
            s.collect();
            let graph = s.heap_graph();
            assert_eq!(graph.objects.len(), 3, "the table and two leaves");
            let names: Vec<String> = graph
                .edges_of(0)
                .iter()
                .map(|e| graph.edge_name(e).to_string())
                .collect();
            assert_eq!(names, ["items[0]", "items[1]", "by_name<value 0>"]);
            assert!(
                graph.objects[0].size > 32 + 16,
                "the table's size counts its buffers"
            );
        });
    }
}

/// Dominators checked against their definition on the same graph: `d`
/// dominates `v` exactly when removing `d` leaves `v` unreachable.
fn dominators_match_the_definition<C: Collector>() {
    for mut heap in heaps::<C>() {
        heap.scope("main", |s| {
            // A diamond, a chain and a shared leaf, from two roots.
            let a = s.alloc(Node {
                value: 1,
                ..Node::default()
            });
            let e = s.alloc(Node {
                value: 5,
                ..Node::default()
            });
            s.scope("build", |s| {
                let b = s.alloc(Node::default());
                let c = s.alloc(Node::default());
                let d = s.alloc(Node::default());
                let f = s.alloc(Node::default());
                s.set(a, |n| &n.left, b);
                s.set(a, |n| &n.right, c);
                s.set(b, |n| &n.left, d);
                s.set(c, |n| &n.left, d);
                s.set(d, |n| &n.left, f);
                s.set(e, |n| &n.left, f);
                s.set(f, |n| &n.right, a); // a cycle back to a root
            });
            let graph = s.heap_graph();
            let doms = Dominators::of(&graph);
            let n = graph.objects.len();
            let reachable_without = |removed: Option<usize>| {
                let mut seen = vec![false; n];
                let mut stack: Vec<usize> = graph
                    .roots
                    .iter()
                    .flat_map(|g| g.roots.iter().map(|&(_, o)| o as usize))
                    .filter(|&o| Some(o) != removed)
                    .collect();
                while let Some(o) = stack.pop() {
                    if seen[o] {
                        continue;
                    }
                    seen[o] = true;
                    for edge in graph.edges_of(o as u32) {
                        if Some(edge.to as usize) != removed {
                            stack.push(edge.to as usize);
                        }
                    }
                }
                seen
            };
            for v in 0..n {
                let dominated: Vec<usize> = (0..n)
                    .filter(|&w| w != v && !reachable_without(Some(v))[w])
                    .collect();
                // Retained size is v's size plus every object it dominates.
                let expected: u64 = graph.objects[v].size
                    + dominated
                        .iter()
                        .map(|&w| graph.objects[w].size)
                        .sum::<u64>();
                assert_eq!(doms.retained_size(v as u32), expected, "object {v}");
                for &w in &dominated {
                    let mut up = doms.immediate_dominator(w as u32);
                    while let Dominator::Object(o) = up {
                        if o as usize == v {
                            break;
                        }
                        up = doms.immediate_dominator(o);
                    }
                    assert_eq!(up, Dominator::Object(v as u32), "{v} dominates {w}");
                }
            }
        });
    }
}

fn snapshot_files_follow_the_devtools_format<C: Collector>() {
    for mut heap in heaps::<C>() {
        tree(&mut heap, 5, |s, _| {
            let graph = s.heap_graph();
            let mut file = Vec::new();
            write_heap_snapshot(&graph, &mut file).unwrap();
            let keys: Vec<String> = {
                let text = String::from_utf8(file.clone()).unwrap();
                [
                    "\"snapshot\"",
                    "\"nodes\"",
                    "\"edges\"",
                    "\"locations\"",
                    "\"strings\"",
                ]
                .iter()
                .map(|k| text.find(k).unwrap().to_string())
                .collect()
            };
            let positions: Vec<usize> = keys.iter().map(|k| k.parse().unwrap()).collect();
            assert!(
                positions.windows(2).all(|w| w[0] < w[1]),
                "sections in order, strings last"
            );
            // root, (GC roots), (Shadow stack), one frame, (Persistent roots), 31 objects
            assert_eq!(check_format(&file), 5 + 31);
        });
    }
}

/// With nothing left unreclaimed after a collection, the graph with
/// unreachable objects is the reachable graph (a tracing backend cannot
/// list its objects; reference counting's list holds only live ones).
fn unreachable_group_only_for_unreclaimed_objects<C: Collector>() {
    for mut heap in heaps::<C>() {
        tree(&mut heap, 4, |s, _| {
            s.collect();
            let (plain, all) = (s.heap_graph(), s.heap_graph_with_unreachable());
            assert_eq!(all.objects, plain.objects);
            assert_eq!(all.roots, plain.roots);
        });
    }
}

/// Unreclaimed garbage on reference counting: `holder` refers to a ring
/// `a → b → c → a`, and a second ring `d ⇄ e` nothing refers to; all
/// dropped, with cycle collection off. Before the collection the holder
/// (count zero, not yet freed) is an entry point of the unreachable group
/// and dominates its ring; after it, the holder is freed and the two rings
/// leak, each with one root (its first object in heap order) that
/// dominates the rest of its ring.
#[test]
fn leaked_cycles_are_shown_unreachable_on_refcount() {
    use gc_core::graph::{RootKind, UNREACHABLE};
    for stress in [false, true] {
        let config = HeapConfig {
            collect_cycles: false,
            stress,
            ..HeapConfig::default()
        };
        let mut heap = Heap::<gc_refcount::RefCount>::new(config).unwrap();
        heap.scope("main", |s| {
            s.alloc(Node::default());
            s.collect();
            s.scope("leak", |s| {
                fn node<'s, C: Collector>(
                    s: &mut gc_core::Scope<'s, C>,
                    value: u64,
                ) -> gc_core::Root<'s, Node> {
                    s.alloc(Node {
                        value,
                        ..Node::default()
                    })
                }
                let holder = node(s, 1);
                let ring: Vec<_> = (2..5).map(|v| node(s, v)).collect();
                s.set(holder, |n| &n.left, ring[0]);
                for i in 0..3 {
                    s.set(ring[i], |n| &n.left, ring[(i + 1) % 3]);
                }
                let (d, e) = (node(s, 5), node(s, 6));
                s.set(d, |n| &n.right, e);
                s.set(e, |n| &n.right, d);
            });
            for (collected, objects, entry) in [(false, 7, "holder"), (true, 6, "ring")] {
                if collected {
                    s.collect();
                }
                assert_eq!(s.usage().objects, objects);
                let graph = s.heap_graph_with_unreachable();
                assert_eq!(graph.objects.len(), objects);
                let g = graph.roots.len() - 1;
                let group = &graph.roots[g];
                assert_eq!(group.name, UNREACHABLE);
                assert_eq!(group.kind, RootKind::Unreachable);
                assert_eq!(
                    group.roots.len(),
                    2,
                    "{entry}, and one member of the bare ring"
                );
                let doms = Dominators::of(&graph);
                let size = graph.objects[1].size;
                let (_, first) = group.roots[0];
                assert_eq!(doms.immediate_dominator(first), Dominator::Group(g));
                let held = if collected { 3 } else { 4 };
                assert_eq!(
                    doms.retained_size(first),
                    held * size,
                    "{entry} retains its ring"
                );
                assert_eq!(doms.group_retained_size(g), (held + 2) * size);
                assert_eq!(doms.retained_size(group.roots[1].1), 2 * size);
                let path = graph.why_alive(first + 2, None).unwrap().to_string();
                assert_eq!(
                    path,
                    "(unreachable, not freed)[0] → Node.left → Node.left → Node"
                );
                let mut file = Vec::new();
                write_heap_snapshot(&graph, &mut file).unwrap();
                // root, (GC roots), (Shadow stack), main, (Persistent roots), the group
                assert_eq!(check_format(&file), 6 + objects);
            }
        });
    }
}

/// Checks `file` against the format's rules (counts, odd ids, `to_node`,
/// every node reachable from the root) and returns its node count.
fn check_format(file: &[u8]) -> usize {
    let json: Value = serde_json::from_slice(file).unwrap();
    let meta = &json["snapshot"];
    let node_fields = meta["meta"]["node_fields"].as_array().unwrap().len();
    let edge_fields = meta["meta"]["edge_fields"].as_array().unwrap().len();
    let nodes: Vec<u64> = json["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let edges: Vec<u64> = json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let node_count = meta["node_count"].as_u64().unwrap() as usize;
    let edge_count = meta["edge_count"].as_u64().unwrap() as usize;
    assert_eq!(nodes.len(), node_count * node_fields);
    assert_eq!(edges.len(), edge_count * edge_fields);
    let strings = json["strings"].as_array().unwrap();
    assert_eq!(
        strings[nodes[1] as usize], "",
        "the root node first, unnamed"
    );
    let mut edge_sum = 0;
    for node in nodes.chunks(node_fields) {
        assert_eq!(node[2] % 2, 1, "node ids are odd");
        edge_sum += node[4] as usize;
    }
    assert_eq!(edge_sum, edge_count, "every edge belongs to a node");
    for edge in edges.chunks(edge_fields) {
        let to = edge[2] as usize;
        assert!(
            to.is_multiple_of(node_fields) && to < nodes.len(),
            "to_node indexes `nodes`"
        );
    }
    // Every node is reachable from the root (DevTools warns otherwise).
    let mut first_edge = vec![0usize; node_count + 1];
    for (i, node) in nodes.chunks(node_fields).enumerate() {
        first_edge[i + 1] = first_edge[i] + node[4] as usize;
    }
    let mut seen = vec![false; node_count];
    let mut stack = vec![0usize];
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        for e in first_edge[i]..first_edge[i + 1] {
            stack.push(edges[e * edge_fields + 2] as usize / node_fields);
        }
    }
    assert!(seen.iter().all(|&s| s), "no unreachable node");
    node_count
}

macro_rules! on_every_backend {
    ($($check:ident),* $(,)?) => {
        mod mark_sweep { $(#[test] fn $check() { super::$check::<gc_mark_sweep::MarkSweep>(); })* }
        mod copying { $(#[test] fn $check() { super::$check::<gc_copying::Copying>(); })* }
        mod refcount { $(#[test] fn $check() { super::$check::<gc_refcount::RefCount>(); })* }
    };
}

on_every_backend!(
    graph_holds_exactly_the_reachable_objects,
    ids_are_stable_across_collections_and_moves,
    why_alive_names_the_path,
    model_containers_are_elements_and_entries,
    dominators_match_the_definition,
    snapshot_files_follow_the_devtools_format,
    unreachable_group_only_for_unreclaimed_objects,
);
