#!/usr/bin/env bash
# Instruction counts (callgrind) of the sized allocation and collection path
# at two revisions, on every backend: a probe (scripts/sized-path-probe)
# builds 20 lists of 20,000 small model objects, collecting after each.
# Used to check that per-object sizes (issue 14) cost the sized path nothing.
# Also the handle API's allocation path (`churn-<backend>`, one million
# allocations) and its store barrier (`trees-<backend>`, binary trees built
# parents first), to check that incremental marking costs the
# stop-the-world mode nothing (issue 24).
#
#   bash scripts/callgrind-sized-path.sh main        # base revision vs the work tree
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev="${1:-main}"
work=$(mktemp -d)
git archive "$base_rev" | (mkdir -p "$work/base" && tar -x -C "$work/base")
for side in base tree; do
    root=$([ "$side" = base ] && echo "$work/base" || pwd)
    mkdir -p "$work/probe-$side/src"
    cp scripts/sized-path-probe/src/main.rs "$work/probe-$side/src/"
    cat > "$work/probe-$side/Cargo.toml" <<TOML
[package]
name = "probe"
version = "0.1.0"
edition = "2021"
[dependencies]
gc-core = { path = "$root/gc-core" }
gc-copying = { path = "$root/gc-copying" }
gc-mark-sweep = { path = "$root/gc-mark-sweep" }
gc-refcount = { path = "$root/gc-refcount" }
[workspace]
TOML
    CARGO_TARGET_DIR="$work/target-$side" cargo build -q --release --manifest-path "$work/probe-$side/Cargo.toml"
done
#   PROBES="large-mark-sweep" bash scripts/callgrind-sized-path.sh 44dd018   # other modes
for backend in ${PROBES:-copying mark-sweep refcount churn-copying churn-mark-sweep churn-refcount \
    trees-copying trees-mark-sweep trees-refcount}; do
    for side in base tree; do
        count=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            "$work/target-$side/release/probe" "$backend" 2>&1 | grep -o 'Collected : [0-9]*' | grep -o '[0-9]*')
        echo "$backend $side $count"
    done
done
rm -rf "$work"
