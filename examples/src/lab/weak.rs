//! Experiment 10: an interning cache with and without weak references
//! (`GcWeak`, `Mutation::on_death`; docs/WEAK.md, guide section 7).

use super::figure::{Axis, Figure, Kind, Panel, Series, Table};
use super::run::{config, measure};
use super::Lab;
use crate::Program;
use gc_core::model::{Gc, GcMap, Mutation, Persistent, RefLock};
use gc_core::{Collector, GcWeak, Heap, Trace};

const CAPTION: &str = "An interpreter interns symbols: one object per name, found through a \
table. Each round it interns a few names it keeps using and many fresh ones that it uses once \
and drops, then collects. A table that holds its symbols strongly (red) keeps every symbol ever \
interned: the heap grows by each round's names for ever. A table of weak references lets the \
dropped symbols die, but its entries stay, each a name and a dead weak reference, so the heap \
still grows, by the entries instead of the symbols. With a post-mortem cleanup per symbol (its \
death removes its entry, like JavaScript's FinalizationRegistry) the table holds only the live \
symbols and the heap stays flat. The heap counts objects and the buffers the heap's containers \
own (the table's).";

/// A symbol: one per name.
#[derive(Trace)]
struct Symbol {
    name: String,
}

/// How the table holds its symbols.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// `Gc` values: a symbol lives as long as the table.
    Strong,
    /// `GcWeak` values, dead entries left in place.
    Weak,
    /// `GcWeak` values, each symbol's death removes its entry.
    WeakWithCleanup,
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::Strong, Variant::Weak, Variant::WeakWithCleanup];

    fn name(self) -> &'static str {
        match self {
            Variant::Strong => "strong table",
            Variant::Weak => "weak table",
            Variant::WeakWithCleanup => "weak table + cleanups",
        }
    }
}

type StrongTable<'gc> = RefLock<GcMap<'gc, String, Gc<'gc, Symbol>>>;
type WeakTable<'gc> = RefLock<GcMap<'gc, String, GcWeak<Symbol>>>;

/// The symbol for `name` from a strong table.
fn intern_strong<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    table: &Persistent<StrongTable<'static>>,
    name: &str,
) -> Gc<'gc, Symbol> {
    let symbols = m.persistent(table);
    if let Some(&symbol) = symbols.borrow().get(m, &name.to_string()) {
        return symbol;
    }
    let symbol = m.alloc(Symbol {
        name: name.to_string(),
    });
    m.write(symbols)
        .borrow_mut()
        .insert(m, name.to_string(), symbol);
    symbol
}

/// The symbol for `name` from a weak table: the live one if there is one,
/// else a new one, whose death removes its entry if `cleanup`.
fn intern_weak<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    table: &Persistent<WeakTable<'static>>,
    name: &str,
    cleanup: bool,
) -> Gc<'gc, Symbol> {
    let symbols = m.persistent(table);
    let found = symbols.borrow().get(m, &name.to_string()).copied();
    if let Some(symbol) = found.and_then(|weak| m.upgrade(&weak)) {
        return symbol;
    }
    let symbol = m.alloc(Symbol {
        name: name.to_string(),
    });
    m.write(symbols)
        .borrow_mut()
        .insert(m, name.to_string(), m.downgrade(symbol));
    if cleanup {
        let (table, name) = (table.clone(), name.to_string());
        m.on_death(symbol, move |s| {
            s.mutate(|m| {
                let symbols = m.persistent(&table);
                // Only the dead symbol's entry: the name may be live again.
                let entry = symbols.borrow().get(m, &name).copied();
                if entry.is_some_and(|weak| m.upgrade(&weak).is_none()) {
                    m.write(symbols).borrow_mut().remove(m, &name);
                }
            })
        });
    }
    symbol
}

/// The program: per round, `kept` names used every round (their symbols
/// held throughout) and `fresh` new ones; returns per round the heap's KiB
/// and the table's entries.
struct Interner {
    variant: Variant,
    rounds: u64,
    kept: u64,
    fresh: u64,
}

/// The names of round `round`: the kept ones (`true`), then the fresh ones.
fn names(interner: &Interner, round: u64) -> impl Iterator<Item = (bool, String)> + '_ {
    let kept = (0..interner.kept).map(|i| (true, format!("kept-{i}")));
    kept.chain((0..interner.fresh).map(move |i| (false, format!("fresh-{round}-{i}"))))
}

impl Program for Interner {
    type Output = Vec<(f64, f64, usize)>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        heap.scope("interner", |s| {
            let mut points = Vec::new();
            // The symbols of the kept names, held from round to round.
            let mut held: Vec<Persistent<Symbol>> = Vec::new();
            let mut sample = |s: &mut gc_core::Scope<'_, C>, round: u64, entries: usize| {
                let stats = s.stats();
                let kib = (stats.heap_bytes + stats.external_bytes) as f64 / 1024.0;
                points.push((round as f64, kib, entries));
            };
            if self.variant == Variant::Strong {
                let table = s.mutate(|m| {
                    let table: Gc<'_, StrongTable<'_>> = m.alloc(RefLock::new(GcMap::new(m)));
                    m.persist(table)
                });
                for round in 0..self.rounds {
                    s.mutate(|m| {
                        for (kept, name) in names(&self, round) {
                            let symbol = intern_strong(m, &table, &name);
                            if kept && round == 0 {
                                held.push(m.persist(symbol));
                            }
                        }
                    });
                    s.collect();
                    let entries = s.mutate(|m| m.persistent(&table).borrow().len());
                    sample(s, round + 1, entries);
                }
            } else {
                let cleanup = self.variant == Variant::WeakWithCleanup;
                let table = s.mutate(|m| {
                    let table: Gc<'_, WeakTable<'_>> = m.alloc(RefLock::new(GcMap::new(m)));
                    m.persist(table)
                });
                for round in 0..self.rounds {
                    s.mutate(|m| {
                        for (kept, name) in names(&self, round) {
                            let symbol = intern_weak(m, &table, &name, cleanup);
                            if kept && round == 0 {
                                held.push(m.persist(symbol));
                            }
                        }
                    });
                    s.collect();
                    let entries = s.mutate(|m| m.persistent(&table).borrow().len());
                    sample(s, round + 1, entries);
                }
            }
            drop(held);
            points
        })
    }
}

/// The figure.
pub fn figure(lab: &mut Lab) -> Figure {
    let (rounds, fresh) = (lab.size(8, 30), lab.size(1_000, 10_000));
    let kept = 100;
    let mut table = Table::new(&[
        "backend",
        "table",
        "entries after the last round",
        "heap after the last round",
    ]);
    let mut panels = Vec::new();
    for &backend in lab.backends() {
        let mut series = Vec::new();
        for variant in Variant::ALL {
            let program = Interner {
                variant,
                rounds,
                kept,
                fresh,
            };
            let run = measure(backend, config(), program).expect("valid config");
            let last = run.output.last().copied().unwrap_or((0.0, 0.0, 0));
            table.row(vec![
                backend.to_string(),
                variant.name().to_string(),
                last.2.to_string(),
                format!("{:.0} KiB", last.1),
            ]);
            let points = run.output.iter().map(|&(x, y, _)| (x, y)).collect();
            series.push(Series::new(variant.name(), points));
        }
        panels.push(Panel {
            title: format!("{backend}: heap after each round's collection"),
            kind: Kind::Line,
            x: Axis::linear("round"),
            y: Axis::linear("KiB"),
            series,
        });
    }
    Figure {
        name: "weak",
        title: format!(
            "10. Weak references: an interning cache ({kept} names kept, {fresh} fresh per round)"
        ),
        caption: CAPTION,
        panels,
        table,
        text: None,
        files: Vec::new(),
    }
}
