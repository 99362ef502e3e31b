#!/usr/bin/env bash
# Times the r7rs-benchmarks programs on each backend of the `lisp`
# interpreter (release build) beside Guile 3.0, and prints a markdown table:
#
#   bash examples/lisp/r7rs/timing.sh [COUNT] [NAME ...]
#
# Each program runs with its bundled small input (inputs/NAME.input), its
# iteration count (the input's first number) set to COUNT (default 3;
# array1 keeps 1, its count is also its size). A time is the benchmark's
# own "Elapsed time" (its run, without start-up, parsing or the prelude);
# GC% is the share of the whole process's wall time spent in collection
# pauses, from `--stats` ("total pause"). The ratio is ours / Guile's; the
# last row is each backend's geometric mean of the ratios. Guile compiles
# each program first (its auto-compilation, into a temporary cache; the
# elapsed time does not include it), so it runs Guile's compiler's code.
# With RUNS=N in the environment (default 1), every program runs N times
# on Guile and on each backend and the best (shortest) time counts, with
# that run's GC%: on a shared machine the best of several runs is the
# least disturbed one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
count="${1:-3}"
runs="${RUNS:-1}"
shift || true
r7="lisp/r7rs"
names=("$@")
[ ${#names[@]} -eq 0 ] && names=($(cat "$r7/programs.txt"))
cargo build --release -q -p examples --bin lisp
lisp="../target/release/lisp"
command -v guile >/dev/null || { echo "guile is not installed (apt-get install -y guile-3.0)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The elapsed seconds a run printed, or "-" if it failed or was wrong.
elapsed() {
    if grep -q "ERROR\|INCORRECT" "$1"; then echo "-"; return; fi
    sed -nE 's/^Elapsed time: ([0-9.e+-]+) seconds.*/\1/p' "$1" | head -1 | grep . || echo "-"
}

# A pause figure (ns, us, ms or s, as Rust's Debug prints a Duration) in seconds.
seconds() {
    awk -v d="$1" 'BEGIN {
        if (d ~ /ns$/) { sub(/ns$/, "", d); print d / 1e9 }
        else if (d ~ /µs$/) { sub(/µs$/, "", d); print d / 1e6 }
        else if (d ~ /ms$/) { sub(/ms$/, "", d); print d / 1e3 }
        else { sub(/s$/, "", d); print d + 0 } }'
}

# `true` if the time $1 is shorter than $2.
shorter() {
    awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

echo "| program | guile (s) | mark-sweep (s) | ratio | GC% | copying (s) | ratio | GC% | refcount (s) | ratio | GC% |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for name in "${names[@]}"; do
    n="$count"
    [ "$name" = array1 ] && n=1
    awk -v n="$n" 'done == 0 && /^[ \t]*[0-9]+/ { sub(/[0-9]+/, n); done = 1 } { print }' \
        "$r7/inputs/$name.input" > "$tmp/input"
    cat "$r7/src/Guile3-prelude.scm" "$r7/src/$name.scm" "$r7/src/common.scm" \
        "$r7/src/common-postlude.scm" > "$tmp/guile.scm"
    cat "$r7/src/$name.scm" "$r7/src/common.scm" "$r7/src/common-postlude.scm" > "$tmp/ours.scm"
    cp "$tmp/guile.scm" "$tmp/$name-guile.scm"
    g="-"
    for _ in $(seq "$runs"); do
        XDG_CACHE_HOME="$tmp/cache" guile "$tmp/$name-guile.scm" < "$tmp/input" > "$tmp/guile.out" 2>"$tmp/guile.err" || true
        e="$(elapsed "$tmp/guile.out")"
        if [ "$e" != "-" ] && { [ "$g" = "-" ] || shorter "$e" "$g"; }; then g="$e"; fi
    done
    row="| $name | $([ "$g" = "-" ] && echo - || printf '%.3f' "$g")"
    for gc in mark-sweep copying refcount; do
        t="-"
        gcshare=""
        for _ in $(seq "$runs"); do
            start=$(date +%s.%N)
            "$lisp" --gc "$gc" --stats "$tmp/ours.scm" < "$tmp/input" > "$tmp/ours.out" 2> "$tmp/stats" || true
            end=$(date +%s.%N)
            e="$(elapsed "$tmp/ours.out")"
            pause="$(sed -nE 's/.*total pause ([^ ]+) .*/\1/p' "$tmp/stats" | head -1)"
            if [ "$e" != "-" ] && [ -n "$pause" ] && { [ "$t" = "-" ] || shorter "$e" "$t"; }; then
                t="$e"
                gcshare=$(awk -v p="$(seconds "$pause")" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", 100 * p / (e - s) }')
            fi
        done
        if [ "$t" = "-" ] || [ "$g" = "-" ]; then
            row="$row | - | - | -"
        else
            ratio=$(awk -v a="$t" -v b="$g" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')
            [ "$ratio" != "-" ] && echo "$gc $t $g" >> "$tmp/ratios"
            row="$row | $(printf '%.3f' "$t") | $ratio | $gcshare%"
        fi
    done
    echo "$row |"
done
awk '{ s[$1] += log($2 / $3); n[$1]++ }
     END { printf "| geometric mean | |";
           split("mark-sweep copying refcount", order, " ");
           for (i = 1; i <= 3; i++) { b = order[i]; printf " | %.1fx | |", (n[b] ? exp(s[b] / n[b]) : 0) }
           print "" }' "$tmp/ratios" | sed 's/| | |$/| |/'
