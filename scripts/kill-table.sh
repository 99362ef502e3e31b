#!/usr/bin/env bash
# Regenerates docs/KILL_TABLE.md: runs every backend's seeded-bug corpus
# (`corpus::kill_table`, ignored by plain `cargo test`) at the harness's
# default case count, one bug after another (so the times are not shared
# with other tests), then renders the rows. Usage: bash scripts/kill-table.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rows="$PWD/target/kill-table.jsonl"
mkdir -p target
rm -f "$rows"
for crate in gc-mark-sweep gc-copying gc-refcount; do
    GC_KILL_TABLE="$rows" cargo test -q -p "$crate" --lib corpus::kill_table \
        -- --ignored --test-threads=1
done
cargo run -q -p gc-testing --example kill_table -- "$rows" > docs/KILL_TABLE.md
echo "wrote docs/KILL_TABLE.md ($(wc -l < "$rows") bugs)"
