//! Experiment 8: deep structures and roots. A 10-million-cell list is
//! marked, copied and freed without recursion; the shadow stack is printed
//! as a backtrace inside nested named scopes.

use super::figure::{ms, Axis, Figure, Kind, Panel, Series, Table};
use super::run::{config, live_list, measure, millis};
use super::Lab;
use crate::workloads::Link;
use crate::{Backend, Program};
use gc_core::{CollectionEvent, Collector, GcError, Heap, Scope};

const CAPTION: &str = "A recursive marker would need one Rust stack frame per cell of this \
list and overflow a thread's stack long before the end; these collectors keep their work on an \
explicit list instead, and the left chart shows how long it ever got. Mark-sweep's mark stack \
holds one slot at a time for a list (one field per cell); copying needs no stack at all (the \
to-space between its scan and free pointers is its queue); reference counting frees the dropped \
list through a release stack of one entry, each freed cell handing over its successor (with the \
list live it traces nothing, so it has no list to show). Below, the shadow stack at a \
collection reads like a debugger's backtrace: frames named by their scopes, each with its roots.";

/// What happened to the list on one backend.
struct Deep {
    /// The collection with the whole list live.
    live: CollectionEvent,
    /// The collection after the list was dropped.
    dropped: CollectionEvent,
}

/// The program: builds the list, collects with it live, drops it, collects.
struct LongList {
    len: u64,
}

impl Program for LongList {
    type Output = Result<Deep, GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        heap.scope("deep", |s| {
            s.scope("list", |t| {
                live_list(t, self.len)?;
                t.collect();
                Ok::<(), GcError>(())
            })?;
            s.collect();
            let events = &s.stats().events;
            let last = |back: usize| events[events.len() - 1 - back].clone();
            Ok(Deep {
                live: last(1),
                dropped: last(0),
            })
        })
    }
}

/// The program of the backtrace: nested scopes, a collection in the
/// innermost, the backtrace printed before and after it.
struct Backtrace;

/// Frame names of the nested scopes, outermost first.
const FRAMES: [&str; 3] = ["eval: (main)", "eval: (sum-list xs)", "apply: sum-list"];

impl Program for Backtrace {
    type Output = (String, String);

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> (String, String) {
        heap.scope("interpreter", |s| {
            s.alloc(Link::default());
            nested(s, 0)
        })
    }
}

fn nested<C: Collector>(s: &mut Scope<'_, C>, depth: usize) -> (String, String) {
    match FRAMES.get(depth) {
        Some(name) => s.scope(name, |t| {
            t.alloc(Link {
                value: depth as u64,
                next: gc_core::Gc::null(),
            });
            nested(t, depth + 1)
        }),
        None => {
            let before = s.backtrace();
            s.collect();
            (before, s.backtrace())
        }
    }
}

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let len = lab.size(1_000_000, 10_000_000);
    let names: Vec<String> = lab.backends().iter().map(|b| b.to_string()).collect();
    let (mut peak_live, mut peak_dropped, mut pause_live, mut pause_dropped) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut table = Table::new(&[
        "backend",
        "pause, list live",
        "work list, live",
        "pause, list dropped",
        "work list, dropped",
    ]);
    for (i, &backend) in lab.backends().iter().enumerate() {
        let run = measure(backend, config(), LongList { len }).expect("valid config");
        let deep = run.output.expect("the list fits in the default heap");
        let (l, r) = (i as f64 - 0.2, i as f64 + 0.2);
        peak_live.push((l, deep.live.peak_work_list as f64));
        peak_dropped.push((r, deep.dropped.peak_work_list as f64));
        pause_live.push((l, millis(deep.live.pause)));
        pause_dropped.push((r, millis(deep.dropped.pause)));
        table.row(vec![
            backend.to_string(),
            ms(deep.live.pause),
            deep.live.peak_work_list.to_string(),
            ms(deep.dropped.pause),
            deep.dropped.peak_work_list.to_string(),
        ]);
    }
    let panel = |title: &str, y, live, dropped| Panel {
        title: title.into(),
        kind: Kind::Bars,
        x: Axis::categories("", names.clone()),
        y: Axis::linear(y),
        series: vec![
            Series::new("list live", live),
            Series::new("list dropped", dropped),
        ],
    };
    let shown = if lab.backends().contains(&Backend::Copying) {
        Backend::Copying
    } else {
        lab.backends()[0]
    };
    let (before, after) = measure(shown, config(), Backtrace)
        .expect("valid config")
        .output;
    Figure {
        name: "deep",
        title: format!("8. Deep structures and roots (a list of {len} cells)"),
        caption: CAPTION,
        panels: vec![
            panel(
                "longest work list in the collection",
                "entries",
                peak_live,
                peak_dropped,
            ),
            panel("pause", "ms", pause_live, pause_dropped),
        ],
        table,
        text: Some(format!(
            "Shadow stack on {shown}, before a collection in the innermost scope:\n{before}\n\
             and after it (a moving collector rewrote the roots):\n{after}"
        )),
        files: Vec::new(),
    }
}
