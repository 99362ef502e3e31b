#!/usr/bin/env bash
# Regenerates the expected outputs of the r7rs-benchmarks programs and of
# features.scm with Guile 3.0 (the reference Scheme):
#
#   bash examples/lisp/r7rs/regenerate.sh [NAME ...]
#
# Each program runs as the suite runs it on Guile (src/Guile3-prelude.scm,
# the program, src/common.scm, src/common-postlude.scm) with its small
# input on standard input, from examples/ (the directory `cargo test` runs
# in, which the inputs' file names are relative to). The timing figures
# and the implementation's name are masked (the test masks ours the same
# way); a program whose result Guile finds incorrect is refused.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
command -v guile >/dev/null || { echo "guile is not installed (apt-get install -y guile-3.0)" >&2; exit 1; }

mask() {
    sed -E -e 's/^Elapsed time: [0-9.e+-]+ seconds \([0-9.e+-]+\) for /Elapsed time: <t> seconds (<t>) for /' \
        -e 's/^\+!CSVLINE!\+[^,]*,([^,]*),[0-9.e+-]+$/+!CSVLINE!+<impl>,\1,<t>/'
}

r7="lisp/r7rs"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    names=($(cat "$r7/programs.txt"))
    cat "$r7/src/Guile3-prelude.scm" "$r7/features.scm" > "$r7/expected/.features.scm"
    guile --no-auto-compile "$r7/expected/.features.scm" > "$r7/features.expected"
    rm "$r7/expected/.features.scm"
    echo "features.scm"
fi
for name in "${names[@]}"; do
    program="$r7/expected/.$name.scm"
    cat "$r7/src/Guile3-prelude.scm" "$r7/src/$name.scm" "$r7/src/common.scm" \
        "$r7/src/common-postlude.scm" > "$program"
    guile --no-auto-compile "$program" < "$r7/inputs/$name.input" 2>&1 | mask > "$r7/expected/$name.out"
    rm "$program"
    if grep -q "ERROR\|INCORRECT" "$r7/expected/$name.out"; then
        echo "$name: Guile reports an incorrect result; fix inputs/$name.input" >&2
        exit 1
    fi
    echo "$name"
done
