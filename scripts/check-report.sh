#!/usr/bin/env bash
# Renders the GC lab's report in headless Chromium (Debian package
# `chromium`) and checks it: the page loads with no console message at all
# (the report has no script, so any message is an error: a failed load, a
# parse error), and every figure's section holds one SVG per panel of that
# figure in lab.json, each with drawn elements, in the rendered DOM.
#
#   bash scripts/check-report.sh [DIR]     # default target/gc-lab
#   SCREENSHOT=docs/lab-report.png bash scripts/check-report.sh
#
# Make the report first: cargo run --release -p examples --bin lab [-- --quick]
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-target/gc-lab}"
page="$dir/index.html"
if [ ! -f "$page" ] || [ ! -f "$dir/lab.json" ]; then
    echo "check-report: no report in $dir; run: cargo run --release -p examples --bin lab" >&2
    exit 2
fi
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
    echo "check-report: chromium is not installed (apt-get install -y chromium)" >&2
    exit 2
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
url="file://$(realpath "$page")"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile/user-data")

timeout 120 "$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "$url" \
    > "$profile/dom.html" 2> "$profile/log.txt"
if grep -q "CONSOLE" "$profile/log.txt"; then
    echo "check-report: console messages while loading $page:" >&2
    grep "CONSOLE" "$profile/log.txt" >&2
    exit 1
fi

python3 - "$profile/dom.html" "$dir/lab.json" <<'PY'
import json, sys
from html.parser import HTMLParser

class Figures(HTMLParser):
    """Counts, per figure section, its SVGs and the elements drawn in each."""
    def __init__(self):
        super().__init__()
        self.sections, self.section, self.svg_depth = {}, None, 0
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "figure" in (attrs.get("class") or ""):
            self.section = attrs["id"]
            self.sections[self.section] = []
        elif tag == "svg" and self.section:
            self.svg_depth = 1
            self.sections[self.section].append(0)
        elif self.svg_depth and tag in ("rect", "circle", "line", "polyline", "path", "text", "polygon"):
            self.sections[self.section][-1] += 1
    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg_depth = 0
        elif tag == "section":
            self.section = None

dom, data = sys.argv[1], sys.argv[2]
parser = Figures()
parser.feed(open(dom, encoding="utf-8").read())
figures = json.load(open(data, encoding="utf-8"))
problems = []
for figure in figures:
    name, panels = figure["name"], len(figure["panels"])
    svgs = parser.sections.get(name)
    if svgs is None:
        problems.append(f"figure {name}: no section in the rendered page")
    elif len(svgs) != panels:
        problems.append(f"figure {name}: {len(svgs)} SVGs for {panels} panels")
    elif min(svgs) < 10:
        problems.append(f"figure {name}: an SVG with only {min(svgs)} drawn elements")
    else:
        print(f"check-report: {name}: {len(svgs)} SVG(s), {sum(svgs)} drawn elements")
if problems:
    print("\n".join("check-report: " + p for p in problems), file=sys.stderr)
    sys.exit(1)
PY

if [ -n "${SCREENSHOT:-}" ]; then
    timeout 120 "$browser" "${flags[@]}" --hide-scrollbars --window-size=1800,2600 \
        --screenshot="$(realpath -m "$SCREENSHOT")" "$url" 2> "$profile/shot.txt"
    echo "check-report: screenshot in $SCREENSHOT"
fi
echo "check-report: $page renders with no console message and every figure drawn"
