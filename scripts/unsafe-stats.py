#!/usr/bin/env python3
"""Where `unsafe` lives in the library crates, and how its SAFETY comments
read: files with `unsafe` blocks, blocks in all, the three files holding
most, and SAFETY comments that only point elsewhere ("as above", "as in
`f`", "forwarded", ...) instead of answering the callee's bullets.

    python3 scripts/unsafe-stats.py [ROOT]      # ROOT: a checkout (default: this one)

Library code only: each crate's src/ without `#[cfg(test)]` tails, test
kits (gc-core/src/testing, gc-testing) and examples/benches left out.
"""
import os, re, sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
crates = ["gc-core", "gc-mark-sweep", "gc-copying", "gc-mark-compact", "gc-refcount", "gc-snapshot"]
BACK = re.compile(r"//\s*SAFETY:\s*(as above|as in\b|as for\b|same as|see above|forwarded|as before|likewise)", re.I)
files, blocks, safety, back = 0, {}, 0, 0
lib_files = 0
for crate in crates:
    src = os.path.join(root, crate, "src")
    for d, _, fs in os.walk(src):
        if os.sep + "testing" in d or d.endswith(os.sep + "tests"):
            continue
        for f in fs:
            if not f.endswith(".rs") or f == "tests.rs":
                continue
            path = os.path.join(d, f)
            text = open(path).read()
            cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
            if cut:
                text = text[:cut.start()]
            lib_files += 1
            code = re.sub(r"//[^\n]*", "", text)
            n = len(re.findall(r"\bunsafe\s*\{", code))
            if n:
                blocks[os.path.relpath(path, root)] = n
            safety += len(re.findall(r"//\s*SAFETY:", text))
            back += len(BACK.findall(text))
total = sum(blocks.values())
top = sorted(blocks.items(), key=lambda kv: -kv[1])[:3]
print(f"{len(blocks)} of {lib_files} library files hold unsafe blocks; {total} blocks")
print("top three: " + ", ".join(f"{p} {n}" for p, n in top) + f" ({100 * sum(n for _, n in top) / total:.0f}% of blocks)")
print(f"SAFETY comments: {safety}; bare back-references: {back} ({100 * back / max(safety, 1):.0f}%)")
