#!/usr/bin/env bash
# Peak memory of every contender of one benchmark group: runs each benchmark
# once (criterion's --test mode: one iteration) in a process of its own under
# /usr/bin/time, and prints a Markdown table of the process's peak resident
# set size, its ratio to `box` (of the same variant, as in
# `binary_trees/d18-children-first/box`), and the line the benchmark printed
# (longest step, the backends' GC pauses and peak heap).
#
#   bash scripts/peak-rss.sh                    # large_live_heap
#   bash scripts/peak-rss.sh long_list          # another group
#   bash scripts/peak-rss.sh binary_trees d18    # its benchmarks whose name starts so
set -euo pipefail
cd "$(dirname "$0")/.."
group="${1:-large_live_heap}"
prefix="${2:-}"
bin=$(cargo bench -p benches --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*/deps/gc-[^"]*"' | cut -d'"' -f4 | tail -n 1)
names=$("$bin" --bench --list | sed -n "s|^$group/\($prefix.*\): benchmark\$|\1|p")
[ -n "$names" ] || { echo "no benchmark in group $group" >&2; exit 1; }

echo "| $group | peak RSS | vs box | printed by the benchmark |"
echo "|---|---:|---:|---|"
box_kib=""
for name in $names; do
    if ! out=$(/usr/bin/time -f 'peak-rss-kib %M' "$bin" --bench --test --exact "$group/$name" 2>&1); then
        printf '%s\n' "$out" >&2
        echo "$group/$name failed" >&2
        exit 1
    fi
    kib=$(sed -n 's/^peak-rss-kib //p' <<<"$out")
    [ "${name##*/}" = box ] && box_kib=$kib
    ratio=$([ -n "$box_kib" ] && awk -v a="$kib" -v b="$box_kib" 'BEGIN { printf "%.2fx", a / b }' || echo "")
    printed=$(sed -n "s|^$group/$name: *||p" <<<"$out")
    printf '| %s | %d MiB | %s | %s |\n' "$name" $((kib / 1024)) "$ratio" "$printed"
done
