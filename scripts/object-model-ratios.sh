#!/usr/bin/env bash
# The `object_model` time ratios against gc-arena, robust to a drifting
# machine: each round runs every contender once (criterion, short settings)
# with gc-arena first and last, each contender's ratio in a round is against
# the mean of that round's two gc-arena medians, and the table shows the
# median ratio over ROUNDS rounds (default 5) with the rounds' spread.
# (On this shared 2-core VM one contender's time moves by 20% within
# minutes, so ratios from one sequential criterion run can mislead.)
#
#   bash scripts/object-model-ratios.sh
#   ROUNDS=9 bash scripts/object-model-ratios.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo bench -p benches --no-run --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*/deps/gc-[^"]*"' | cut -d'"' -f4 | tail -n 1)
rounds=${ROUNDS:-5}
settings=(--warm-up-time 1 --measurement-time 5 --sample-size 10 --noplot)
contenders=(regions/mark-sweep regions/copying regions/refcount
    rooted/mark-sweep rooted/copying rooted/refcount)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median_ms() { # criterion's "time: [low median high]" line -> milliseconds
    grep -E 'time: ' | head -1 | sed -E 's/.*\[[^ ]+ [^ ]+ ([^ ]+) ([^ ]+) .*/\1 \2/' |
        awk '{v=$1; u=$2; if (u=="s") v*=1000; else if (u=="µs"||u=="us") v/=1000; printf "%.2f", v}'
}
run() { CRITERION_HOME="$work" "$bin" --bench "^object_model/$1\$" "${settings[@]}" 2>&1 | median_ms; }
for round in $(seq "$rounds"); do
    first=$(run gc-arena)
    times=()
    for name in "${contenders[@]}"; do times+=("$(run "$name")"); done
    last=$(run gc-arena)
    arena=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2f", (a + b) / 2 }')
    for i in "${!contenders[@]}"; do
        echo "${contenders[$i]} ${times[$i]} $arena" >>"$work/rounds"
    done
    echo "round $round of $rounds: gc-arena $first / $last ms" >&2
done
echo "| object_model | median ratio to gc-arena | lowest | highest | median time | gc-arena (median) |"
echo "|---|---:|---:|---:|---:|---:|"
middle() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for name in "${contenders[@]}"; do
    awk -v n="$name" '$1 == n { printf "%.4f %s %s\n", $2 / $3, $2, $3 }' "$work/rounds" >"$work/one"
    ratios=$(cut -d' ' -f1 "$work/one" | sort -g)
    printf '| %s | %.2fx | %.2fx | %.2fx | %.1f ms | %.1f ms |\n' "$name" \
        "$(middle <<<"$ratios")" "$(head -1 <<<"$ratios")" "$(tail -1 <<<"$ratios")" \
        "$(cut -d' ' -f2 "$work/one" | middle)" "$(cut -d' ' -f3 "$work/one" | middle)"
done
