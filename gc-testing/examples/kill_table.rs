//! Writes `docs/KILL_TABLE.md` from the rows the corpus tests append to
//! `GC_KILL_TABLE` (see `scripts/kill-table.sh`, which runs both).
//!
//! ```text
//! cargo run -p gc-testing --example kill_table -- target/kill-table.jsonl > docs/KILL_TABLE.md
//! ```

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: kill_table ROWS.jsonl (the file GC_KILL_TABLE named)");
    let rows = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    print!(
        "# The kill table: what the harness catches\n\
         \n\
         Every seeded bug of the corpus (a backend with one planted mistake, most of them\n\
         re-creations of bugs that shipped in real collectors; each type's documentation names its\n\
         source and shape), run through the property harness (gc-testing's `harness`) at its\n\
         default case count ({cases} programs of at most 48 ops, seed 1, verifier on, debug build):\n\
         whether a program failed, the time to the end of the first failing program, and the\n\
         length of the shrunk counterexample. Targets: at least 95% caught, each within 60 s,\n\
         each shrunk to at most {max} ops.\n\
         \n\
         Regenerate with `bash scripts/kill-table.sh` (about two minutes); `cargo test` runs every\n\
         bug once at a small case count (`corpus::quick` in each backend). Sources marked \"planted\n\
         here\" have no shipped original (they were planted with the harness or the low-pause and\n\
         weak issues). Mode \"stress, no weak ops\": incremental marking's bugs are looked for\n\
         without weak-reference ops (`HarnessConfig::weak`), which the bugs are not about; the\n\
         correct incremental collector passes with them too (the weak model follows each cycle's\n\
         snapshot).\n\
         \n",
        cases = gc_testing::harness::HarnessConfig::default().cases,
        max = gc_testing::corpus::MAX_OPS,
    );
    print!("{}", gc_testing::corpus::render(&rows));
}
