//! Runs binary-trees on every collector and on plain `Box`, and prints one
//! row per run: wall time, collections, pauses, peak heap and checksum.
//!
//! ```text
//! cargo run --release -p examples --bin compare [-- --depth N] [--order ORDER] [--backend NAME] [--heap MIB] [--json]
//! ```
//!
//! With `--json`, standard output gets each heap's `GcStats` serialised
//! with serde, one object per line, and the table goes to standard error.

use clap::Parser;
use examples::workloads::{binary_trees, BinaryTrees, BoxForest, Order, MIN_DEPTH};
use examples::{Backend, Program};
use gc_core::stats::Phase;
use gc_core::{Collector, GcError, GcStats, Heap, HeapConfig};
use std::cell::Cell;
use std::io::Write;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The deepest long-lived tree accepted: past it, the stretch tree alone
/// needs gigabytes.
const MAX_DEPTH: u32 = 24;

/// Runs binary-trees (a long-lived tree of depth N among many short-lived
/// ones) on each collector and on plain Box, one row per run.
#[derive(Parser)]
#[command(name = "compare")]
struct Args {
    /// Depth of the long-lived tree (4 to 24)
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(MIN_DEPTH as i64..=MAX_DEPTH as i64))]
    depth: u32,
    /// Build order of the trees: children-first (the benchmarks game's
    /// bottomUpTree) or parents-first
    #[arg(long, value_name = "ORDER", default_value = "children-first", value_parser = parse_order)]
    order: Order,
    /// Run only this collector: mark-sweep, copying, mark-compact or refcount (the Box
    /// baseline always runs)
    #[arg(long, value_name = "NAME")]
    backend: Option<Backend>,
    /// Heap capacity limit in MiB; past it a run fails with out of memory
    #[arg(long, value_name = "MIB", default_value = "1024", value_parser = heap_config)]
    heap: HeapConfig,
    /// Print each heap's statistics as one JSON object per line on stdout;
    /// the table goes to stderr
    #[arg(long)]
    json: bool,
}

fn parse_order(text: &str) -> Result<Order, String> {
    Order::BOTH
        .into_iter()
        .find(|order| order.name() == text)
        .ok_or(format!(
            "--order must be parents-first or children-first, not {text:?}"
        ))
}

fn heap_config(mib: &str) -> Result<HeapConfig, String> {
    let capacity = mib
        .parse::<usize>()
        .ok()
        .and_then(|mib| mib.checked_mul(1 << 20))
        .ok_or(format!("--heap takes a size in MiB, not {mib:?}"))?;
    let config = HeapConfig {
        capacity,
        initial_trigger: HeapConfig::default().initial_trigger.min(capacity),
        ..HeapConfig::default()
    };
    config.validate().map_err(|error| error.to_string())?;
    Ok(config)
}

/// One finished run.
struct Row {
    name: &'static str,
    wall: Duration,
    checksum: u64,
    /// `None` for the `Box` baseline, which has no collector.
    stats: Option<GcStats>,
    /// Total time of the roots and trace phases, and of the cycles phase.
    phases: (Duration, Duration),
}

/// Runs a program and also returns its wall time and the heap's final stats.
struct Measured<P>(P);

impl<P: Program<Output = Result<u64, GcError>>> Program for Measured<P> {
    type Output = Result<(u64, Duration, GcStats, (Duration, Duration)), GcError>;

    fn run<C: Collector>(self, heap: &mut Heap<C>) -> Self::Output {
        let phases = Rc::new(Cell::new((Duration::ZERO, Duration::ZERO)));
        let sink = Rc::clone(&phases);
        heap.on_collection(move |event| {
            let (trace, cycles) = sink.get();
            let trace = trace + event.phase(Phase::Roots) + event.phase(Phase::Trace);
            sink.set((trace, cycles + event.phase(Phase::Cycles)));
        });
        let start = Instant::now();
        let checksum = self.0.run(heap)?;
        Ok((checksum, start.elapsed(), heap.stats(), phases.get()))
    }
}

fn run_box(depth: u32, order: Order) -> Row {
    let start = Instant::now();
    let checksum = match binary_trees(&mut BoxForest, depth, order) {
        Ok(checksum) => checksum,
        Err(never) => match never {},
    };
    Row {
        name: "box",
        wall: start.elapsed(),
        checksum,
        stats: None,
        phases: Default::default(),
    }
}

fn run_backend(
    backend: Backend,
    depth: u32,
    order: Order,
    config: HeapConfig,
) -> Result<Row, GcError> {
    let program = Measured(BinaryTrees { depth, order });
    let (checksum, wall, stats, phases) = backend.run(config, program)??;
    Ok(Row {
        name: backend.name(),
        wall,
        checksum,
        stats: Some(stats),
        phases,
    })
}

const HEADER: [&str; 12] = [
    "backend",
    "wall",
    "vs box",
    "GCs",
    "total pause",
    "trace",
    "cycles",
    "p50",
    "p99",
    "max",
    "peak MiB",
    "checksum",
];
const WIDTHS: [usize; 12] = [12, 10, 7, 6, 12, 10, 10, 10, 10, 10, 9, 10];

fn print_cells(out: &mut dyn Write, cells: &[String]) {
    let mut line = format!("{:<w$}", cells[0], w = WIDTHS[0]);
    for (cell, width) in cells.iter().zip(WIDTHS).skip(1) {
        line.push_str(&format!(" {cell:>width$}"));
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn cells(row: &Row, baseline: Duration) -> Vec<String> {
    let ratio = row.wall.as_secs_f64() / baseline.as_secs_f64();
    let mut cells = vec![row.name.to_string(), ms(row.wall), format!("{ratio:.2}x")];
    match &row.stats {
        Some(s) => cells.extend([
            s.collections.to_string(),
            ms(s.total_pause),
            ms(row.phases.0),
            ms(row.phases.1),
            ms(s.pauses.quantile(0.5)),
            ms(s.pauses.quantile(0.99)),
            ms(s.pauses.max()),
            format!("{:.1}", s.peak_heap_bytes as f64 / (1 << 20) as f64),
        ]),
        None => cells.extend(["-"; 8].map(String::from)),
    }
    cells.push(row.checksum.to_string());
    cells
}

fn main() -> ExitCode {
    let options = Args::parse();
    let backends = options
        .backend
        .map_or_else(|| Backend::ALL.to_vec(), |backend| vec![backend]);
    let config = options.heap;
    let (mut stdout, mut stderr) = (std::io::stdout(), std::io::stderr());
    let table: &mut dyn Write = if options.json {
        &mut stderr
    } else {
        &mut stdout
    };
    let _ = writeln!(
        table,
        "binary-trees, depth {}, {}, heap limit {} MiB",
        options.depth,
        options.order.name(),
        config.capacity >> 20
    );
    print_cells(table, &HEADER.map(String::from));
    let baseline = run_box(options.depth, options.order);
    print_cells(table, &cells(&baseline, baseline.wall));
    let mut failed = false;
    for &backend in &backends {
        match run_backend(backend, options.depth, options.order, config.clone()) {
            Ok(row) => {
                print_cells(table, &cells(&row, baseline.wall));
                if row.checksum != baseline.checksum {
                    eprintln!(
                        "compare: {backend}: checksum {} differs from Box's {}",
                        row.checksum, baseline.checksum
                    );
                    failed = true;
                }
                if let (true, Some(stats)) = (options.json, &row.stats) {
                    match serde_json::to_string(stats) {
                        Ok(json) => println!("{json}"),
                        Err(error) => {
                            eprintln!("compare: {backend}: cannot serialise stats: {error}");
                            failed = true;
                        }
                    }
                }
            }
            Err(error) => {
                eprintln!("compare: {backend} failed: {error}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
