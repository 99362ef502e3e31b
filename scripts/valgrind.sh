#!/usr/bin/env bash
# Runs the conformance suite's ownership checks (destructors, teardown, large
# objects, cycles, destructors that panic, issue 22's soundness checks) and the moving/refcount tests of
# every backend under valgrind's leak checker, and fails on any invalid read,
# write or free, or if any bytes are "definitely lost": values owned by heap
# objects (a Vec inside a collected object) must be freed exactly once, even
# when a destructor panics.
#
#   bash scripts/valgrind.sh            # default selection, a few minutes
#   bash scripts/valgrind.sh cycles     # only tests whose name contains "cycles"
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-}"
tests=(drop_runs_exactly_once teardown_drops_every_live_object large_objects_live_and_die
       cycles_are_collected unreachable_objects_are_freed transitive_death
       panicking_drop_in_explicit_collection panicking_drop_in_threshold_collection
       panicking_drop_in_allocation_failure_collection panicking_drop_at_teardown
       panicking_drop_of_a_formerly_referenced_object panicking_drop_while_unwinding)
cargo test --workspace --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*/deps/\(conformance\|moving\|refcount\)-[^"]*"' \
    | cut -d'"' -f4 | sort -u > target/valgrind-binaries.txt
status=0
run() { # binary, filter
    echo "== valgrind $(basename "$1") ${2:-<all tests>}"
    valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
        --error-exitcode=1 "$1" --test-threads=1 -q $2 2>&1 | tail -n 20
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}
while read -r binary; do
    case "$binary" in
        */conformance-*)
            if [ -n "$filter" ]; then run "$binary" "$filter"; continue; fi
            for test in "${tests[@]}"; do run "$binary" "normal::$test"; done
            run "$binary" "unsized_objects::" # slices, strings, trait objects
            run "$binary" "soundness::" ;; # leaked guards, a poisoned heap, drop types
        *) run "$binary" "$filter" ;;
    esac
done < target/valgrind-binaries.txt
[ "$status" -eq 0 ] && echo "valgrind: no definitely lost bytes"
exit "$status"
