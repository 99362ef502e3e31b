#!/usr/bin/env bash
# Lines of code (not blank, not comment-only) of each object model of the
# `object_model` benchmark, for the comparison in benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/../benches/benches/gc/object_model"
for model in regions rooted arena; do
    printf '%-8s %s\n' "$model" "$(grep -cvE '^\s*(//|$)' "$model.rs")"
done
