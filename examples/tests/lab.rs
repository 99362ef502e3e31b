//! Runs `lab --quick` and checks properties of every figure's data (not
//! figures: timings vary from run to run and machine to machine).
//!
//! The one timing property, that copying's traversal of the scattered list
//! is faster after a collection than before, compares the fastest of three
//! traversals of a list far larger than the caches, before and after: the
//! measured gap is more than tenfold even in a debug build on a loaded
//! machine (a scattered cell costs a cache miss, about 100 ns; a compacted
//! one a few ns), so noise cannot close it. The test also requires the gap
//! to be at least twofold, which a non-moving collector never shows.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

const BACKENDS: [&str; 4] = ["mark-sweep", "copying", "mark-compact", "refcount"];

const FIGURES: [&str; 10] = [
    "pauses",
    "heap",
    "mmu",
    "space-time",
    "leaks",
    "fragmentation",
    "locality",
    "deep",
    "retainers",
    "weak",
];

/// Runs the lab quickly into a fresh directory; returns it and `lab.json`.
fn run_quick() -> (PathBuf, Vec<Value>) {
    let out = std::env::temp_dir().join(format!("gc-lab-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let output = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["--quick", "--out"])
        .arg(&out)
        .output()
        .expect("run lab");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "lab failed:\n{stderr}");
    for name in FIGURES {
        assert!(
            stderr.contains(&format!("] {name} done in")),
            "no progress line for {name}:\n{stderr}"
        );
    }
    let json = std::fs::read_to_string(out.join("lab.json")).expect("lab.json");
    let figures: Vec<Value> = serde_json::from_str(&json).expect("lab.json parses");
    (out, figures)
}

fn figure<'a>(figures: &'a [Value], name: &str) -> &'a Value {
    figures
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no figure {name}"))
}

fn array(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

/// The `(x, y)` points of the series named `name` in `panel`.
fn points(panel: &Value, name: &str) -> Vec<(f64, f64)> {
    let series = array(&panel["series"])
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no series {name} in {}", panel["title"]));
    array(&series["points"])
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect()
}

#[test]
fn quick_lab_draws_every_figure_with_the_expected_shape() {
    let (out, figures) = run_quick();
    let names: Vec<&str> = figures
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, FIGURES);
    let page = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    for f in &figures {
        let name = f["name"].as_str().unwrap();
        assert!(
            page.contains(&format!("id=\"{name}\"")),
            "{name} not on the page"
        );
        for ext in ["csv", "json"] {
            let data =
                std::fs::read_to_string(out.join(format!("{name}.{ext}"))).expect("data file");
            assert!(data.lines().count() > 1, "{name}.{ext} is empty");
        }
        assert!(
            f["caption"].as_str().unwrap().len() > 100,
            "{name}: caption"
        );
        assert!(!array(&f["table"]["rows"]).is_empty(), "{name}: table");
        // Every backend appears: in a series name, a panel title or a category.
        let mut labels = BTreeSet::new();
        for panel in array(&f["panels"]) {
            labels.insert(panel["title"].as_str().unwrap().to_string());
            if let Some(categories) = panel["x"]["scale"]["categories"].as_array() {
                labels.extend(categories.iter().map(|c| c.as_str().unwrap().to_string()));
            }
            assert!(
                !array(&panel["series"]).is_empty(),
                "{name}: a panel without series"
            );
            for series in array(&panel["series"]) {
                labels.insert(series["name"].as_str().unwrap().to_string());
                let pts = array(&series["points"]);
                assert!(!pts.is_empty(), "{name}: empty series {}", series["name"]);
                if panel["x"]["scale"] == "time" {
                    let xs: Vec<f64> = pts.iter().map(|p| p[0].as_f64().unwrap()).collect();
                    assert!(
                        xs.windows(2).all(|w| w[0] <= w[1]),
                        "{name}: time goes back in {}",
                        series["name"]
                    );
                }
            }
        }
        for backend in BACKENDS {
            assert!(
                labels.iter().any(|l| l.starts_with(backend)),
                "{name}: no {backend} in {labels:?}"
            );
        }
    }
    let panels: usize = figures.iter().map(|f| array(&f["panels"]).len()).sum();
    assert_eq!(page.matches("<svg").count(), panels, "one SVG per panel");

    // Leaks: plain RC keeps every ring; with cycle collection, and on the
    // tracing backends, nothing is left after any collection.
    let leaks = &array(&figure(&figures, "leaks")["panels"])[0];
    let off = points(leaks, "refcount (cycles off)");
    assert!(off.last().unwrap().1 > 0.0, "{off:?}");
    assert!(
        off.windows(2).all(|w| w[0].1 <= w[1].1),
        "leaks only grow: {off:?}"
    );
    for backend in BACKENDS {
        assert!(
            points(leaks, backend).iter().all(|p| p.1 == 0.0),
            "{backend} left garbage"
        );
    }

    // Fragmentation: the free-lists have holes, copying never.
    for panel in array(&figure(&figures, "fragmentation")["panels"]) {
        assert!(
            points(panel, "copying").iter().all(|p| p.1 == 0.0),
            "copying has holes"
        );
        for backend in ["mark-sweep", "refcount"] {
            assert!(
                points(panel, backend).iter().any(|p| p.1 > 0.0),
                "{backend} has none"
            );
        }
    }

    // Locality: copying's traversal is much faster after it collects.
    let locality = &array(&figure(&figures, "locality")["panels"])[0];
    let copying = points(locality, "copying");
    assert!(
        copying[1].1 * 2.0 < copying[0].1,
        "copying before and after: {copying:?}"
    );

    // Deep: the mark stack stays tiny on a list of a million cells.
    let deep = &array(&figure(&figures, "deep")["panels"])[0];
    let live = points(deep, "list live");
    assert!(
        (1.0..=8.0).contains(&live[0].1),
        "mark-sweep's mark stack: {live:?}"
    );
    let text = figure(&figures, "deep")["text"].as_str().unwrap();
    for frame in ["interpreter", "eval: (main)", "apply: sum-list"] {
        assert!(text.contains(frame), "backtrace lacks {frame}:\n{text}");
    }

    // Retainers: reference counting without cycle collection keeps more
    // unreachable bytes every round; the others keep none. The snapshot
    // beside the report holds the unreachable group, and the text gives a
    // leaked paragraph's retaining path from it.
    let retainers = figure(&figures, "retainers");
    let held = &array(&retainers["panels"])[0];
    let off = points(held, "refcount (cycles off)");
    assert!(
        off.windows(2).all(|w| w[1].1 > w[0].1),
        "the leak grows every round: {off:?}"
    );
    for backend in BACKENDS {
        assert!(
            points(held, backend).iter().all(|p| p.1 == 0.0),
            "{backend} holds nothing unreachable after a collection"
        );
    }
    let biggest = &array(&retainers["panels"])[1]["x"]["scale"]["categories"][0];
    assert_eq!(biggest, "unreachable", "the leak retains the most");
    let text = retainers["text"].as_str().unwrap();
    assert!(
        text.contains("(unreachable, not freed)[")
            && text.contains("→ Document.first → Paragraph.next → Paragraph.next → Paragraph\n"),
        "a retaining path from the unreachable group:\n{text}"
    );
    let snapshot = std::fs::read(out.join("retainers.heapsnapshot")).expect("the snapshot file");
    let snapshot: Value = serde_json::from_slice(&snapshot).expect("the snapshot parses");
    let strings = array(&snapshot["strings"]);
    assert!(strings.iter().any(|s| s == "(unreachable, not freed)"));

    // Weak: per backend, the strong table keeps every name, the weak one
    // every entry but not the symbols, and with cleanups only the kept
    // names; the heap grows in that order.
    let interning = figure(&figures, "weak");
    for (i, backend) in BACKENDS.iter().enumerate() {
        let panel = &array(&interning["panels"])[i];
        let last = |name| points(panel, name).last().unwrap().1;
        let (strong, weak, cleaned) = (
            last("strong table"),
            last("weak table"),
            last("weak table + cleanups"),
        );
        assert!(
            strong > weak && weak > 4.0 * cleaned,
            "{backend}: heap KiB {strong} > {weak} > 4 x {cleaned}"
        );
        let cleaned = points(panel, "weak table + cleanups");
        assert!(
            cleaned.last().unwrap().1 <= 1.5 * cleaned[0].1,
            "{backend}: with cleanups the heap stays flat: {cleaned:?}"
        );
        let row = array(&interning["table"]["rows"])
            .iter()
            .find(|r| r[0] == *backend && r[1] == "weak table + cleanups")
            .unwrap();
        assert_eq!(row[2], "100", "{backend}: only the kept names' entries");
    }
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn help_lists_the_experiments_and_bad_flags_fail() {
    let lab = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(args)
            .output()
            .expect("run lab")
    };
    let help = lab(&["--help"]);
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for name in FIGURES
        .iter()
        .chain(["--quick", "--only", "--out", "--backend", "--json"].iter())
    {
        assert!(text.contains(name), "--help lacks {name}:\n{text}");
    }
    let bad = lab(&["--only", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no experiment \"nope\""));
    assert!(bad.stdout.is_empty());
}
