#!/usr/bin/env bash
# Checks docs/ARCHITECTURE.md's "Where to find" list: every file it names
# exists, and every function named after a file is defined in it
# (`fn name`). A renamed or moved function fails CI until the map follows.
set -euo pipefail
cd "$(dirname "$0")/.."
section=$(sed -n '/^Where to find the algorithms/,/^## /p' docs/ARCHITECTURE.md)
status=0
file=""
checked=0
# Each backquoted token: a path (contains '/') sets the file, a name is a
# function of the last file.
while read -r token; do
    if [[ "$token" == */* ]]; then
        file="$token"
        if [ ! -f "$file" ]; then
            echo "missing file: $file"; status=1
        fi
    elif [ -n "$file" ] && [[ "$token" =~ ^[a-z_]+$ ]]; then
        if ! grep -Eq "fn ${token}\b" "$file"; then
            echo "no fn $token in $file"; status=1
        fi
        checked=$((checked + 1))
    fi
done < <(grep -o '`[^`]*`' <<<"$section" | tr -d '`')
[ "$checked" -gt 0 ] || { echo "no entries found"; exit 1; }
[ "$status" -eq 0 ] && echo "where to find: $checked functions found where the map says"
exit "$status"
