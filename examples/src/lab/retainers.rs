//! Experiment 9: reference counting's leak as a heap snapshot shows it:
//! the objects no root reaches that the backend still holds, a retaining
//! path to one of them, and the dominators that hold the most.

use super::figure::{Axis, Figure, Kind, Panel, Series, Table};
use super::run::{config, measure};
use super::Lab;
use crate::{Backend, Program};
use gc_core::graph::{short_type_name, HeapGraph, RootKind};
use gc_core::{Collector, Gc, GcError, Heap, HeapConfig, Scope, Trace};
use gc_snapshot::{Dominator, Dominators};

const CAPTION: &str = "An editor keeps a session of open documents; each document is a chain \
of paragraphs, and every paragraph points back to its document, so a document and its \
paragraphs form cycles. Each round the editor opens documents of varied lengths, keeps one in \
four open and closes the rest, then collects. The left chart is what a heap snapshot finds \
unreachable from every root yet still held after the collection (the snapshot lists every \
object the backend holds, under a root group named \"(unreachable, not freed)\"): plain \
reference counting (cycle collection off) keeps every closed document, for ever; with trial \
deletion on, and on the tracing collectors, nothing is left. The right chart is the snapshot's \
dominator tree after the last round with cycle collection off: the unreachable group retains \
more than the editor's frame does (the session and its open documents), and among single \
objects the largest retainers are documents, open and leaked alike, each retaining its \
paragraphs. Below: the retaining path to a leaked paragraph and the largest retainers as the \
library prints them; the snapshot file beside this page opens in Chrome DevTools (Memory, Load \
profile), whose Retainers and Dominators views show the same.";

/// A document: its number and its first paragraph.
#[derive(Trace, Default)]
struct Document {
    number: u64,
    first: Gc<Paragraph>,
}

/// A paragraph: its document (the back-pointer that makes the cycle), the
/// next paragraph and its text.
#[derive(Trace, Default)]
struct Paragraph {
    document: Gc<Document>,
    next: Gc<Paragraph>,
    text: Vec<u8>,
}

/// The session: the open documents, and how many there are.
#[derive(Trace)]
struct Session {
    open: Box<[Gc<Document>]>,
    count: std::cell::Cell<usize>,
}

/// The program's result: per round the bytes held unreachable, and the
/// last round's snapshot graph.
struct Leaked {
    unreachable: Vec<(f64, f64)>,
    graph: HeapGraph,
}

/// The program: `rounds` rounds of `documents` documents each.
struct Editor {
    rounds: u64,
    documents: u64,
}

impl Program for Editor {
    type Output = Result<Leaked, GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        heap.scope("editor", |s| {
            let session = s.try_alloc(Session {
                open: (0..self.rounds * self.documents / 4 + 1)
                    .map(|_| Gc::null())
                    .collect(),
                count: std::cell::Cell::new(0),
            })?;
            let mut unreachable = vec![(0.0, 0.0)];
            let mut graph = HeapGraph::default();
            for round in 0..self.rounds {
                for k in 0..self.documents {
                    let number = round * self.documents + k;
                    s.scope("open", |s| open(s, session, number))?;
                }
                s.collect();
                graph = s.heap_graph_with_unreachable();
                let bytes = unreachable_bytes(&graph, &Dominators::of(&graph));
                unreachable.push(((round + 1) as f64, bytes as f64 / 1024.0));
            }
            Ok(Leaked { unreachable, graph })
        })
    }
}

/// Opens document `number` (of 1 to 40 paragraphs) and keeps it in the
/// session if `number` is a multiple of four; otherwise it is closed when
/// the scope ends.
fn open<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    session: gc_core::Root<'_, Session>,
    number: u64,
) -> Result<(), GcError> {
    let document = s.try_alloc(Document {
        number,
        ..Document::default()
    })?;
    let paragraphs = 1 + (number * 7919) % 40;
    let mut last = None;
    for p in 0..paragraphs {
        let paragraph = s.try_alloc(Paragraph {
            text: vec![b' '; 64 + ((number + p) % 4) as usize * 64],
            ..Paragraph::default()
        })?;
        s.set(paragraph, |p| &p.document, document);
        match last {
            None => s.set(document, |d| &d.first, paragraph),
            Some(previous) => s.set(previous, |p: &Paragraph| &p.next, paragraph),
        }
        last = Some(paragraph);
    }
    if number.is_multiple_of(4) {
        let count = &s.get(session).count;
        let at = count.get();
        count.set(at + 1);
        s.set_at(session, |s| &s.open, at, document);
    }
    Ok(())
}

/// The index of the unreachable group in `graph`, if it has one.
fn unreachable_group(graph: &HeapGraph) -> Option<usize> {
    graph
        .roots
        .iter()
        .position(|g| g.kind == RootKind::Unreachable)
}

/// Bytes the snapshot finds held but unreachable.
fn unreachable_bytes(graph: &HeapGraph, doms: &Dominators) -> u64 {
    unreachable_group(graph).map_or(0, |g| doms.group_retained_size(g))
}

/// Whether object `index` is dominated by the unreachable group.
fn leaked(graph: &HeapGraph, doms: &Dominators, mut index: u32) -> bool {
    loop {
        match doms.immediate_dominator(index) {
            Dominator::Object(up) => index = up,
            Dominator::Group(g) => return graph.roots[g].kind == RootKind::Unreachable,
            Dominator::Root => return false,
        }
    }
}

/// The `n`th paragraph of document `index` (or its last, if it is
/// shorter): its `first`, then `next`s.
fn paragraph(graph: &HeapGraph, index: u32, n: usize) -> u32 {
    let follow = |at: u32, name: &str| {
        graph
            .edges_of(at)
            .iter()
            .find(|e| graph.edge_name(e).to_string() == name)
            .map(|e| e.to)
    };
    let mut at = follow(index, "first").unwrap_or(index);
    for _ in 1..n {
        match follow(at, "next") {
            Some(next) => at = next,
            None => break,
        }
    }
    at
}

/// The snapshot's story in text: a retaining path and the top retainers.
fn explain(graph: &HeapGraph, doms: &Dominators, shown: &str, file: &str) -> String {
    let mut text = format!(
        "Heap snapshot of {shown} after the last round: {file} ({} objects; open it in \
         Chrome DevTools, Memory, Load profile).\n",
        graph.objects.len()
    );
    let top = doms.largest(6);
    let leaked_document = (0..graph.objects.len() as u32)
        .filter(|&i| short_type_name(graph.type_name(i)) == "Document" && leaked(graph, doms, i))
        .max_by_key(|&i| doms.retained_size(i));
    if let Some(document) = leaked_document {
        if let Some(path) = graph.why_alive(paragraph(graph, document, 3), None) {
            text += &format!("\nWhy is this paragraph still in memory?\n  {path}\n");
        }
        let referrers = graph.edges.iter().filter(|e| e.to == document).count();
        text += &format!(
            "and its document (id {}) is referred to by {referrers} heap fields, its \
             paragraphs' back-pointers: its count never falls to zero.\n",
            graph.objects[document as usize].id
        );
    }
    if let Some(g) = unreachable_group(graph) {
        text += &format!(
            "\n{} retains {} bytes in objects no root reaches.\n",
            graph.roots[g].name,
            doms.group_retained_size(g)
        );
    }
    text += "\nThe objects that retain the most (dominator tree):\n";
    for (index, bytes) in top {
        let status = if leaked(graph, doms, index) {
            "leaked"
        } else {
            "reachable"
        };
        text += &format!(
            "  {:<10} id {:>6}  retains {bytes:>8} bytes  ({status})\n",
            short_type_name(graph.type_name(index)),
            graph.objects[index as usize].id
        );
    }
    text
}

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let (rounds, documents) = (lab.size(6, 20), lab.size(24, 100));
    let mut variants: Vec<(String, Backend, HeapConfig)> = Vec::new();
    if lab.backends().contains(&Backend::RefCount) {
        let off = HeapConfig {
            collect_cycles: false,
            ..config()
        };
        variants.push(("refcount (cycles off)".into(), Backend::RefCount, off));
    }
    variants.extend(
        lab.backends()
            .iter()
            .map(|&b| (b.name().to_string(), b, config())),
    );
    let mut table = Table::new(&[
        "collector",
        "documents closed",
        "unreachable, not freed",
        "largest retainer",
    ]);
    let (mut series, mut snapshot) = (Vec::new(), None);
    for (name, backend, config) in variants {
        let run = measure(backend, config, Editor { rounds, documents }).expect("valid config");
        let leaked = run.output.expect("the documents fit in the default heap");
        let doms = Dominators::of(&leaked.graph);
        let largest = doms
            .largest(1)
            .first()
            .map_or(String::new(), |&(i, bytes)| {
                format!(
                    "{} ({bytes} bytes)",
                    short_type_name(leaked.graph.type_name(i))
                )
            });
        table.row(vec![
            name.clone(),
            (rounds * documents * 3 / 4).to_string(),
            format!("{} bytes", unreachable_bytes(&leaked.graph, &doms)),
            largest,
        ]);
        series.push(Series::new(name.clone(), leaked.unreachable));
        if snapshot.is_none() {
            snapshot = Some((name, leaked.graph, doms));
        }
    }
    let (shown, graph, doms) = snapshot.expect("at least one backend");
    let file = "retainers.heapsnapshot".to_string();
    let mut contents = Vec::new();
    gc_snapshot::write_heap_snapshot(&graph, &mut contents).expect("writes to memory");
    // The root groups and the objects that retain the most, largest first.
    let mut retainers: Vec<(String, u64)> = graph
        .roots
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let name = match group.kind {
                RootKind::Unreachable => "unreachable",
                _ => group.name,
            };
            (name.to_string(), doms.group_retained_size(g))
        })
        .filter(|&(_, bytes)| bytes > 0)
        .collect();
    retainers.extend(doms.largest(10).into_iter().map(|(i, bytes)| {
        let status = if leaked(&graph, &doms, i) { "*" } else { "" };
        let name = short_type_name(graph.type_name(i));
        let name = name.get(..3).unwrap_or(&name).to_string();
        (
            format!("{name} {}{status}", graph.objects[i as usize].id),
            bytes,
        )
    }));
    retainers.sort_by_key(|r| std::cmp::Reverse(r.1));
    retainers.truncate(7);
    let bars = (0..retainers.len())
        .map(|k| (k as f64, retainers[k].1 as f64 / 1024.0))
        .collect();
    let labels = retainers.into_iter().map(|(name, _)| name).collect();
    Figure {
        name: "retainers",
        title: format!(
            "9. Retainers: a leak in a heap snapshot ({rounds} rounds of {documents} documents)"
        ),
        caption: CAPTION,
        panels: vec![
            Panel {
                title: "held but unreachable after each round's collection".into(),
                kind: Kind::Line,
                x: Axis::linear("round"),
                y: Axis::linear("KiB"),
                series,
            },
            Panel {
                title: format!("largest retainers (* leaked), {shown}"),
                kind: Kind::Bars,
                x: Axis::categories("", labels),
                y: Axis::linear("retained KiB"),
                series: vec![Series::new("retained size", bars)],
            },
        ],
        table,
        text: Some(explain(&graph, &doms, &shown, &file)),
        files: vec![(file, contents)],
    }
}
