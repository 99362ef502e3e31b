//! `lab`: runs the GC lab's experiments on every collector and writes an
//! HTML report with one figure per experiment, plus each figure's data as
//! CSV and JSON.
//!
//! ```text
//! cargo run --release -p examples --bin lab [-- --quick] [--only NAME] [--out DIR] [--backend NAME] [--json]
//! ```

use clap::Parser;
use examples::lab::{experiment, report, Experiment, Lab, EXPERIMENTS};
use examples::Backend;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Runs the same programs on every collector and draws the trade-offs:
/// one HTML page (inline SVG, opens from disk) plus each figure's data as
/// CSV and JSON.
#[derive(Parser)]
#[command(name = "lab", after_help = experiments_help())]
struct Args {
    /// Every experiment at small sizes (under 10 s in a release build)
    #[arg(long)]
    quick: bool,
    /// Run only this experiment (see the list below)
    #[arg(long, value_name = "NAME", value_parser = parse_experiment)]
    only: Option<&'static Experiment>,
    /// Where the report goes
    #[arg(long, value_name = "DIR", default_value = "target/gc-lab")]
    out: PathBuf,
    /// Run only this collector: mark-sweep, copying, mark-compact or refcount
    #[arg(long, value_name = "NAME")]
    backend: Option<Backend>,
    /// Print every figure's data as one JSON document on stdout; the tables
    /// go to stderr
    #[arg(long)]
    json: bool,
}

fn experiments_help() -> String {
    let mut help = String::from("Experiments:\n");
    for e in EXPERIMENTS {
        help += &format!("  {:<14} {}\n", e.name, e.summary);
    }
    help
}

fn parse_experiment(name: &str) -> Result<&'static Experiment, String> {
    experiment(name).ok_or_else(|| {
        let names: Vec<_> = EXPERIMENTS.iter().map(|e| e.name).collect();
        format!(
            "no experiment {name:?}; choose one of: {}",
            names.join(", ")
        )
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let backends = args
        .backend
        .map_or_else(|| Backend::ALL.to_vec(), |backend| vec![backend]);
    let mut lab = Lab::new(args.quick, backends);
    let chosen: Vec<&Experiment> = match args.only {
        Some(e) => vec![e],
        None => EXPERIMENTS.iter().collect(),
    };
    let start = Instant::now();
    let mut figures = Vec::new();
    for (i, experiment) in chosen.iter().enumerate() {
        eprintln!("lab: [{}/{}] {} ...", i + 1, chosen.len(), experiment.name);
        let began = Instant::now();
        let figure = lab.run(experiment);
        eprintln!(
            "lab: [{}/{}] {} done in {:.1} s",
            i + 1,
            chosen.len(),
            experiment.name,
            began.elapsed().as_secs_f64()
        );
        let text = format!("\n{}\n{}", figure.title, figure.table.to_text());
        if args.json {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
        figures.push(figure);
    }
    let heading = format!(
        "{} run{} in {:.1} s; every figure's data is beside this page as CSV and JSON.",
        if args.quick {
            "A quick (small-size)"
        } else {
            "A full"
        },
        args.backend.map_or(String::new(), |b| format!(" on {b}")),
        start.elapsed().as_secs_f64()
    );
    match report::write(&args.out, &figures, &heading) {
        Ok(page) => eprintln!("lab: report written to {}", page.display()),
        Err(error) => {
            eprintln!(
                "lab: cannot write the report to {}: {error}",
                args.out.display()
            );
            return ExitCode::FAILURE;
        }
    }
    if args.json {
        match report::json(&figures) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("lab: cannot serialise the figures: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
