#!/usr/bin/env bash
# The smallest heap each backend runs issue 29's two reproducers in: runs the
# `lisp` binary (release build) at growing `--heap` sizes until the program
# prints `done`, and prints a Markdown table of the first size that worked per
# backend and program, with the ratio of the largest to the smallest.
#
# The reproducers keep about 2 KB live, so they fit in the smallest heap the
# binary accepts (1 MiB, `gc_core::MIN_CAPACITY`); their `+ live list`
# variants first build a list of `LIVE` (default 20,000) pairs that stays
# live to the end, so the sweep shows what each backend needs beyond its
# live data while the garbage cycles churn.
#
#   bash scripts/min-heap.sh               # sizes 1M..64M in 1/4 steps per doubling
#   LIVE=50000 bash scripts/min-heap.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p examples --bin lisp
bin=target/release/lisp
live="${LIVE:-20000}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/pairs.scm" <<'EOF'
(define (churn i) (if (< i 100000) (let ((p (list i))) (set-cdr! p p) (churn (+ i 1))) (display "done")))
(churn 0)
EOF
cat >"$dir/closures.scm" <<'EOF'
(define (f n) (let loop ((i n)) (if (= i 0) 0 (loop (- i 1)))))
(define (g k) (if (< k 5000) (begin (f 10) (g (+ k 1))) (display "done")))
(g 0)
EOF
keep="(define (build n acc) (if (= n 0) acc (build (- n 1) (cons n acc))))
(define keep (build $live '()))"
for name in pairs closures; do
    { echo "$keep"; cat "$dir/$name.scm"; echo "(length keep)"; } >"$dir/$name-live.scm"
done

# 1M, then four steps per doubling (1.25x, 1.5x, 1.75x, 2x) up to 64M, in KiB.
sizes=()
for base in 1024 2048 4096 8192 16384 32768; do
    for quarter in 4 5 6 7; do sizes+=($((base * quarter / 4))); done
done
sizes+=(65536)

smallest() { # backend, program: the first size at which it prints `done`
    for kib in "${sizes[@]}"; do
        if [ "$("$bin" --gc "$1" --heap "${kib}K" "$2" 2>/dev/null)" = done ]; then
            echo "$kib"
            return
        fi
    done
    echo "none"
}

echo "| program | mark-sweep | copying | refcount | largest / smallest |"
echo "|---|---:|---:|---:|---:|"
for program in pairs closures pairs-live closures-live; do
    row="| ${program/-live/ + live list of $live pairs} |"
    low=0 high=0
    for backend in mark-sweep copying refcount; do
        kib=$(smallest "$backend" "$dir/$program.scm")
        row+=" ${kib} KiB |"
        if [ "$kib" != none ]; then
            [ "$low" -eq 0 ] || [ "$kib" -lt "$low" ] && low=$kib
            [ "$kib" -gt "$high" ] && high=$kib
        fi
    done
    ratio=$(awk -v h="$high" -v l="$low" 'BEGIN { if (l > 0) printf "%.2f", h / l; else print "-" }')
    echo "$row $ratio |"
done
