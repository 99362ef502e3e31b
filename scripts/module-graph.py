#!/usr/bin/env python3
"""gc-core's module graph: which top-level module of gc-core/src names
which (`crate::x` paths and `use crate::{x, ...}` lists, outside comments),
its strongly connected components (import circles), and a DOT drawing.

    python3 scripts/module-graph.py            # summary: modules, edges, circles
    python3 scripts/module-graph.py --dot      # the graph in Graphviz's DOT
    python3 scripts/module-graph.py --check    # fails on an edge up a floor or a new circle

A module is a file of gc-core/src or a directory with a mod.rs (`model/`,
`space/`, `heap/`); `#[cfg(test)]` and `testing/` code is left out, since
test code may look anywhere.
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gc-core", "src")

def modules():
    mods = {}
    for name in sorted(os.listdir(ROOT)):
        path = os.path.join(ROOT, name)
        if name in ("lib.rs", "testing", "guide.rs"):
            continue
        if os.path.isdir(path):
            files = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs if f.endswith(".rs")]
            mods[name] = files
        elif name.endswith(".rs"):
            mods[name[:-3]] = [path]
    return mods

def code(text):
    # Drop `#[cfg(test)] mod tests { ... }` tails and comments.
    cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
    if cut:
        text = text[:cut.start()]
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return text

def edges(mods):
    out = {m: set() for m in mods}
    for m, files in mods.items():
        for f in files:
            text = code(open(f).read())
            names = set(re.findall(r"crate::(\w+)", text))
            for group in re.findall(r"crate::\{([^}]*)\}", text):
                names |= set(re.findall(r"(?:^|,)\s*(\w+)", group))
            # `super::x` from a file directly in a directory module stays inside it.
            for n in names:
                if n in mods and n != m:
                    out[m].add(n)
    return out

def sccs(graph):
    index, low, stack, on, result, counter = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            result.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result

# docs/ARCHITECTURE.md's floors: a module imports only from its floor or below.
FLOORS = {
    1: "object trace edges heap_send std_leaves handle error config heap_id stats",
    2: "collector barrier finalize verify parallel os space weak ephemeron threads",
    3: "heap graph elements",
    4: "model",
}
FLOOR = {m: f for f, names in FLOORS.items() for m in names.split()}
# The one inherent circle (ARCHITECTURE.md, "Layers").
ALLOWED_CIRCLES = [["edges", "object", "trace"]]

mods = modules()
graph = edges(mods)
if "--check" in sys.argv:
    problems = [f"{m} is on no floor" for m in graph if m not in FLOOR]
    problems += [f"{m} (floor {FLOOR[m]}) imports {n} (floor {FLOOR[n]})"
                 for m in graph for n in graph[m]
                 if m in FLOOR and n in FLOOR and FLOOR[n] > FLOOR[m]]
    problems += [f"import circle: {' '.join(c)}" for c in sccs(graph)
                 if len(c) > 1 and c not in ALLOWED_CIRCLES]
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"module graph: {len(graph)} modules on 4 floors, no edge up a floor, no new circle")
    sys.exit(0)
if "--dot" in sys.argv:
    print("digraph gc_core {\n  rankdir=BT;")
    for m in sorted(graph):
        for n in sorted(graph[m]):
            print(f'  "{m}" -> "{n}";')
    print("}")
    sys.exit(0)
n_edges = sum(len(v) for v in graph.values())
circles = [c for c in sccs(graph) if len(c) > 1]
print(f"{len(graph)} modules, {n_edges} edges, {len(circles)} circle(s)")
for c in circles:
    print(f"  circle of {len(c)}: {' '.join(c)}")
for m in sorted(graph):
    print(f"  {m} -> {' '.join(sorted(graph[m]))}")
