//! Writes a heap snapshot of a small known heap on each backend, with the
//! library's own answers beside it, for `scripts/check-snapshot.mjs` to
//! check against memlab (DevTools' format read by another tool):
//!
//! ```text
//! cargo run -p gc-snapshot --example snapshot_answers -- target/snapshots
//! node scripts/check-snapshot.mjs target/snapshots
//! ```
//!
//! For each backend, and for reference counting with cycle collection off
//! and a leaked ring of functions (`refcount-leak`, taken with the objects
//! no root reaches: `Scope::heap_graph_with_unreachable`):
//! `<backend>.heapsnapshot`, and `<backend>.answers.json`
//! with the node count, each object's node id, retained size and immediate
//! dominator (as a node id, or 0 when a root group dominates it), and the
//! retaining path of the deepest object as node ids from its root object.

use gc_core::model::{Gc, GcMap, GcVec, Lock, RefLock};
use gc_core::{Collector, Heap, HeapConfig, Trace};
use gc_snapshot::{object_node_id, write_heap_snapshot, Dominator, Dominators};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

#[derive(Trace)]
struct Module<'gc> {
    name: Gc<'gc, str>,
    exports: RefLock<GcMap<'gc, u64, Gc<'gc, Function<'gc>>>>,
    cache: RefLock<GcVec<'gc, Gc<'gc, [u64]>>>,
}

#[derive(Trace)]
struct Function<'gc> {
    code: Gc<'gc, [u8]>,
    next: Lock<Option<Gc<'gc, Function<'gc>>>>,
}

fn run<C: Collector>(name: &str, dir: &Path, config: HeapConfig) {
    let leak = !config.collect_cycles;
    let mut heap = Heap::<C>::new(config).expect("valid config");
    heap.scope("main", |s| {
        if leak {
            // A ring of three functions, dropped: with cycle collection off,
            // reference counting keeps it.
            s.mutate(|m| {
                let ring: Vec<_> = (0..3u8)
                    .map(|i| {
                        m.alloc(Function {
                            code: m.alloc_slice(&[i; 32]),
                            next: Lock::new(None),
                        })
                    })
                    .collect();
                for i in 0..3 {
                    m.write(ring[i])
                        .project(|f| &f.next)
                        .set(Some(ring[(i + 1) % 3]));
                }
            });
        }
        s.mutate(|m| {
            let module = m.alloc(Module {
                name: m.alloc_str("prelude"),
                exports: RefLock::new(GcMap::new(m)),
                cache: RefLock::new(GcVec::new(m)),
            });
            let open = m.write(module);
            let mut previous = None;
            for i in 0..20u64 {
                let f = m.alloc(Function {
                    code: m.alloc_slice(&[i as u8; 64]),
                    next: Lock::new(previous),
                });
                previous = Some(f);
                if i % 3 == 0 {
                    open.project(|x| &x.exports).borrow_mut().insert(m, i, f);
                }
            }
            for i in 0..5u64 {
                let block = m.alloc_slice(&[i; 100]);
                open.project(|x| &x.cache).borrow_mut().push(block);
            }
            m.root(module)
        });
        s.collect(); // moves everything on the copying backend
        let graph = s.heap_graph_with_unreachable();
        let doms = Dominators::of(&graph);
        let mut file = Vec::new();
        write_heap_snapshot(&graph, &mut file).expect("in memory");
        fs::write(dir.join(format!("{name}.heapsnapshot")), file).expect("write the snapshot");
        let node = |i: u32| object_node_id(u64::from(graph.objects[i as usize].id));
        let mut answers = String::new();
        let synthetic = 3 + graph.roots.len(); // root, (GC roots), (Shadow stack), groups
        let _ = write!(
            answers,
            "{{\"node_count\":{},\"objects\":[",
            synthetic + graph.objects.len()
        );
        for i in 0..graph.objects.len() as u32 {
            let dominator = match doms.immediate_dominator(i) {
                Dominator::Object(o) => node(o),
                Dominator::Group(_) | Dominator::Root => 0,
            };
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(
                answers,
                "{sep}{{\"id\":{},\"retained\":{},\"dominator\":{dominator}}}",
                node(i),
                doms.retained_size(i)
            );
        }
        // The deepest object the roots reach: the last one the
        // breadth-first walk from them reached.
        let last = (0..graph.objects.len() as u32)
            .rfind(|&i| {
                graph
                    .why_alive(i, None)
                    .is_some_and(|p| p.root_group == "main")
            })
            .expect("an object the roots reach");
        let path = graph.why_alive(last, None).expect("reachable");
        let mut ids = vec![graph.roots[0].roots[0].1];
        for (_, name) in &path.steps {
            let from = *ids.last().unwrap();
            let edge = graph
                .edges_of(from)
                .iter()
                .find(|e| graph.edge_name(e) == *name)
                .expect("an edge of the path");
            ids.push(edge.to);
        }
        let ids: Vec<String> = ids.iter().map(|&i| node(i).to_string()).collect();
        let _ = write!(
            answers,
            "],\"path\":[{}],\"path_text\":\"{path}\"}}",
            ids.join(",")
        );
        fs::write(dir.join(format!("{name}.answers.json")), answers).expect("write the answers");
        println!("{name}: {} objects; {path}", graph.objects.len());
    });
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/snapshots".into());
    let dir = Path::new(&dir);
    fs::create_dir_all(dir).expect("create the output directory");
    run::<gc_mark_sweep::MarkSweep>("mark-sweep", dir, HeapConfig::default());
    run::<gc_copying::Copying>("copying", dir, HeapConfig::default());
    run::<gc_refcount::RefCount>("refcount", dir, HeapConfig::default());
    let leak = HeapConfig {
        collect_cycles: false,
        ..HeapConfig::default()
    };
    run::<gc_refcount::RefCount>("refcount-leak", dir, leak);
}
