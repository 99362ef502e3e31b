#!/usr/bin/env bash
# Before/after medians of the benchmark groups that existed before the object
# model (binary_trees, churn, cycles, large_live_heap) on the three backends:
# builds the bench binary of <base> (in a temporary worktree) and of the
# working tree, then runs each benchmark on both, alternating, ROUNDS times
# (default 3) in one session, and reports the median of the rounds' criterion
# medians (on a shared 2-core VM one round varies by 15-20% run to run).
#
#   bash scripts/regression.sh d0ef01e        # prints a markdown table
#   ROUNDS=5 bash scripts/regression.sh d0ef01e
#   BENCH_GROUPS=cycles bash scripts/regression.sh 3cfd8a4   # some groups only
#
# Names changed since d0ef01e: its binary_trees is today's
# binary_trees/d14-parents-first, its large_live_heap today's
# large_live_heap/parents-first (same workloads).
set -euo pipefail
base=${1:?usage: scripts/regression.sh <base-commit>}
root=$(git rev-parse --show-toplevel)
cd "$root"
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

bench_binary() { # prints the path of the `gc` bench executable built in $1
  (cd "$1" && cargo bench -p benches --no-run --message-format=json 2>/dev/null) |
    grep -o '"executable":"[^"]*/gc-[0-9a-f]*"' | cut -d'"' -f4
}

git worktree add --detach "$work/base" "$base" >/dev/null 2>&1
if [ -d "$root/target/release" ]; then # reuse the compiled dependencies
  mkdir -p "$work/base/target" && cp -r "$root/target/release" "$work/base/target/"
fi
old=$(bench_binary "$work/base")
new=$(bench_binary "$root")

backends='(mark-sweep|mark-sweep-par|copying|refcount)'
settings=(--warm-up-time 1 --measurement-time 4 --sample-size 10 --noplot)
median() { # criterion's "time: [low median high]" line -> "median unit"
  grep -E '^ *time: |[^ ] +time: ' | head -1 | sed -E 's/.*\[[^ ]+ [^ ]+ ([^ ]+) ([^ ]+) .*/\1 \2/'
}
rounds=${ROUNDS:-3}
middle() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'; }
to_ms() { awk '{v=$1; u=$2; if (u=="s") v*=1000; else if (u=="µs"||u=="us") v/=1000; else if (u=="ns") v/=1e6; printf "%.2f", v}'; }

echo "| benchmark | $base | now | change | rounds ($base / now) |"
echo "|---|---:|---:|---:|---|"
for group in ${BENCH_GROUPS:-binary_trees churn cycles large_live_heap}; do
  case $group in
    binary_trees) now_group=binary_trees/d14-parents-first ;;
    large_live_heap) now_group=large_live_heap/parents-first ;;
    *) now_group=$group ;;
  esac
  # A base from before the renaming lists `$group/<backend>`; a newer one
  # lists the same ids as now (`$now_group/<backend>`).
  for name in $("$old" --list 2>/dev/null | grep -oE "^($group|$now_group)/$backends(: |$)" | cut -d: -f1); do
    backend=${name##*/}
    befores=() afters=()
    for _ in $(seq "$rounds"); do
      befores+=("$(CRITERION_HOME="$work/old" "$old" --bench "^$name\$" "${settings[@]}" 2>&1 | median | to_ms)")
      afters+=("$(CRITERION_HOME="$work/new" "$new" --bench "^$now_group/$backend\$" "${settings[@]}" 2>&1 | median | to_ms)")
    done
    before=$(printf '%s\n' "${befores[@]}" | middle)
    after=$(printf '%s\n' "${afters[@]}" | middle)
    change=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%+.1f%%", (b / a - 1) * 100 }')
    echo "| $name | $before ms | $after ms | $change | ${befores[*]} / ${afters[*]} |"
  done
done
