//! The `.heapsnapshot` format Chrome DevTools and memlab read: one JSON
//! object with the sections in the loader's order (`snapshot` with its
//! `meta`, `nodes`, `edges`, the empty trace and sample sections,
//! `locations`, and `strings` last), nodes and edges as flat arrays of
//! unsigned integers, and `to_node` as the index of the target's first
//! field in `nodes`.
//!
//! The nodes, in order: the synthetic root, `(GC roots)`, `(Shadow stack)`
//! with one synthetic node per frame (named by its label), `(Persistent
//! roots)`, the group of objects no root reaches (`(unreachable, not
//! freed)`, a child of the synthetic root, if the graph has it), then one
//! `object` node per object (named by its Rust type,
//! sized by its cell and the buffers it owns), with `property` edges named
//! by field (`next`, `Pair.0`), `element` edges for vector and slice
//! entries, and map entries as `property` edges `table<key i>` and
//! `table<value i>`. Ids are odd: 1, 3, 5, ...
//! for the synthetic nodes, and for an object twice its identity plus an
//! offset (graph ids are small numbers a heap keeps per object), so an
//! object keeps its id across snapshots, also when it moves.

use gc_core::edges::EdgeKind;
use gc_core::graph::{short_type_name, HeapGraph, RootKind};
use std::collections::HashMap;
use std::io::{self, Write};

const NODE_FIELDS: usize = 7;
const NODE_TYPES: &[&str] = &[
    "hidden",
    "array",
    "string",
    "object",
    "code",
    "closure",
    "regexp",
    "number",
    "native",
    "synthetic",
    "concatenated string",
    "sliced string",
    "symbol",
    "bigint",
    "object shape",
];
const OBJECT: u32 = 3;
const SYNTHETIC: u32 = 9;
const EDGE_TYPES: &[&str] = &[
    "context", "element", "property", "internal", "hidden", "shortcut", "weak",
];
const ELEMENT: u32 = 1;
const PROPERTY: u32 = 2;

/// Object ids start above every synthetic node's.
const OBJECT_ID_BASE: u64 = 1 << 21;

/// A node's id in the snapshot for the object with graph id `id`
/// ([`GraphObject::id`](gc_core::graph::GraphObject::id)): odd, and, as
/// DevTools keeps ids in 32 bits, below 2^32 for up to 2^31 - 2^21 objects.
pub fn object_node_id(id: u64) -> u64 {
    2 * (id + OBJECT_ID_BASE) + 1
}

/// The strings of the snapshot, each stored once.
#[derive(Default)]
struct Strings {
    list: Vec<String>,
    index: HashMap<String, u32>,
}

impl Strings {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.index.get(text) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(text.to_owned());
        self.index.insert(text.to_owned(), id);
        id
    }
}

/// A synthetic node: its name and its edges as (type, name or index, node).
struct Synthetic {
    name: u32,
    edges: Vec<(u32, u32, u32)>,
}

/// Writes `graph` as a `.heapsnapshot` file, streaming: besides the graph
/// it holds only the strings (one per type and per edge name) and the few
/// synthetic nodes.
///
/// ```
/// use gc_core::{Gc, Heap, HeapConfig, Trace};
///
/// #[derive(Trace, Default)]
/// struct Node { next: Gc<Node> }
///
/// let mut heap = Heap::<gc_refcount::RefCount>::new(HeapConfig::default()).unwrap();
/// let mut file = Vec::new();
/// heap.scope("main", |s| {
///     let a = s.alloc(Node::default());
///     let b = s.alloc(Node::default());
///     s.set(a, |n| &n.next, b);
///     gc_snapshot::write_heap_snapshot(&s.heap_graph(), &mut file).unwrap();
/// });
/// let text = String::from_utf8(file).unwrap();
/// assert!(text.starts_with("{\"snapshot\":{\"meta\":"));
/// assert!(text.contains("\"node_count\":7")); // root, (GC roots), (Shadow stack), main, (Persistent roots), a, b
/// ```
pub fn write_heap_snapshot(graph: &HeapGraph, out: impl Write) -> io::Result<()> {
    let mut strings = Strings::default();
    strings.id("");
    // The synthetic nodes: root, (GC roots), (Shadow stack), one per group.
    let mut synthetic = vec![
        Synthetic {
            name: 0,
            edges: vec![(ELEMENT, 1, 1)],
        },
        Synthetic {
            name: strings.id("(GC roots)"),
            edges: vec![(ELEMENT, 1, 2)],
        },
        Synthetic {
            name: strings.id("(Shadow stack)"),
            edges: Vec::new(),
        },
    ];
    let first_object = (synthetic.len() + graph.roots.len()) as u32;
    let mut frames = 0;
    for group in &graph.roots {
        let node = synthetic.len() as u32;
        let name = match group.kind {
            RootKind::Frame => {
                frames += 1;
                synthetic[2].edges.push((ELEMENT, frames, node));
                strings.id(group.name)
            }
            RootKind::PersistentRoots => {
                synthetic[1].edges.push((ELEMENT, 2, node));
                strings.id("(Persistent roots)")
            }
            // Not a root: hung off the synthetic root beside (GC roots), so
            // that DevTools reaches (and does not warn about) these objects.
            RootKind::Unreachable => {
                synthetic[0].edges.push((ELEMENT, 2, node));
                strings.id(group.name)
            }
        };
        let edges = group
            .roots
            .iter()
            .map(|&(slot, object)| (ELEMENT, slot, first_object + object))
            .collect();
        synthetic.push(Synthetic { name, edges });
    }
    let type_names: Vec<u32> = graph
        .type_names
        .iter()
        .map(|name| strings.id(&short_type_name(name)))
        .collect();
    // Each edge name as (type, name or index).
    let edge_names: Vec<(u32, u32)> = graph
        .edge_names
        .iter()
        .map(|name| match name.kind {
            EdgeKind::Element => (ELEMENT, name.index),
            _ => (PROPERTY, strings.id(&name.to_string())),
        })
        .collect();

    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let node_count = synthetic.len() + graph.objects.len();
    let edge_count = synthetic.iter().map(|n| n.edges.len()).sum::<usize>() + graph.edges.len();
    write_meta(&mut out, node_count, edge_count)?;
    out.write_all(b"\n\"nodes\":[")?;
    let mut numbers = Numbers::new(&mut out);
    for (i, node) in synthetic.iter().enumerate() {
        let id = 1 + 2 * i as u64;
        numbers.row(&[
            u64::from(SYNTHETIC),
            u64::from(node.name),
            id,
            0,
            node.edges.len() as u64,
            0,
            0,
        ])?;
    }
    for object in &graph.objects {
        numbers.row(&[
            u64::from(OBJECT),
            u64::from(type_names[object.type_index as usize]),
            object_node_id(u64::from(object.id)),
            object.size,
            u64::from(object.edge_count),
            0,
            0,
        ])?;
    }
    out.write_all(b"],\n\"edges\":[")?;
    let mut numbers = Numbers::new(&mut out);
    let field = |node: u32| u64::from(node) * NODE_FIELDS as u64;
    for node in &synthetic {
        for &(kind, name, to) in &node.edges {
            numbers.row(&[u64::from(kind), u64::from(name), field(to)])?;
        }
    }
    for edge in &graph.edges {
        let (kind, name) = edge_names[edge.name_index as usize];
        numbers.row(&[
            u64::from(kind),
            u64::from(name),
            field(first_object + edge.to),
        ])?;
    }
    out.write_all(
        b"],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n\"locations\":[],\n\"strings\":[",
    )?;
    for (i, text) in strings.list.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        write_json_string(&mut out, text)?;
    }
    out.write_all(b"]}\n")?;
    out.flush()
}

/// The `snapshot` section: the format's description and the counts.
fn write_meta(out: &mut impl Write, node_count: usize, edge_count: usize) -> io::Result<()> {
    write!(
        out,
        "{{\"snapshot\":{{\"meta\":{{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\
         \"edge_count\",\"trace_node_id\",\"detachedness\"],\"node_types\":[{},\"string\",\
         \"number\",\"number\",\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\",\
         \"name_or_index\",\"to_node\"],\"edge_types\":[{},\"string_or_number\",\"node\"],\
         \"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\",\"script_id\",\
         \"line\",\"column\"],\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\
         \"size\",\"children\"],\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],\
         \"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]}},\
         \"node_count\":{},\"edge_count\":{},\"trace_function_count\":0}},",
        json_list(NODE_TYPES),
        json_list(EDGE_TYPES),
        node_count,
        edge_count
    )
}

/// Comma-separated unsigned integers, one row per line.
struct Numbers<'a, W: Write> {
    out: &'a mut W,
    first: bool,
    buffer: itoa::Buffer,
}

impl<'a, W: Write> Numbers<'a, W> {
    fn new(out: &'a mut W) -> Self {
        Numbers {
            out,
            first: true,
            buffer: itoa::Buffer::new(),
        }
    }

    fn row(&mut self, values: &[u64]) -> io::Result<()> {
        for (i, &value) in values.iter().enumerate() {
            if !self.first {
                self.out.write_all(if i == 0 { b",\n" } else { b"," })?;
            }
            self.first = false;
            self.out.write_all(self.buffer.format(value).as_bytes())?;
        }
        Ok(())
    }
}

fn json_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", quoted.join(","))
}

fn write_json_string(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    for c in text.chars() {
        match c {
            '"' => out.write_all(b"\\\"")?,
            '\\' => out.write_all(b"\\\\")?,
            '\n' => out.write_all(b"\\n")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => write!(out, "{c}")?,
        }
    }
    out.write_all(b"\"")
}
