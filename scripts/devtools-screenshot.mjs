// Opens a `.heapsnapshot` in the real Chrome DevTools UI and screenshots its
// Retainers view: headless Chromium (Debian package `chromium`) serves the
// DevTools frontend it bundles at /devtools/inspector.html on its remote
// debugging port; puppeteer-core (installed with memlab) drives it: the
// Memory panel, "Load profile…" with the file, the snapshot's Summary, the
// class CLASS expanded and its first object (the largest retained size)
// selected, so that the Retainers pane shows its retaining paths.
//
//   cargo run --release -p examples --bin lab -- --only retainers --quick --out target/gc-lab
//   NODE_PATH=target/memlab/node_modules node scripts/devtools-screenshot.mjs \
//       target/gc-lab/retainers.heapsnapshot Paragraph docs/devtools-retainers.png
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const [file, className, out] = process.argv.slice(2);
if (!file || !className || !out) {
  console.error('usage: devtools-screenshot.mjs SNAPSHOT CLASS OUT.png');
  process.exit(2);
}
const require = createRequire(path.resolve('target/memlab/node_modules') + '/');
const puppeteer = require('puppeteer-core');
const port = 9334;
const profile = mkdtempSync(path.join(tmpdir(), 'devtools-shot-'));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`],
  defaultViewport: { width: 1600, height: 1000 },
});
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
try {
  // A blank page for DevTools to inspect, and DevTools on it, Memory panel.
  const inspected = await browser.newPage();
  await inspected.goto('about:blank');
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const id = targets.find((t) => t.type === 'page' && t.url === 'about:blank').id;
  const devtools = await browser.newPage();
  await devtools.goto(`http://127.0.0.1:${port}/devtools/inspector.html?ws=127.0.0.1:${port}` +
    `/devtools/page/${id}&panel=heap-profiler`);
  await sleep(3000);
  // Clicks the first visible element (shadow roots included) whose own text starts with `text`.
  const click = async (text) => {
    const box = await devtools.evaluate((text) => {
      const walk = (root) => {
        for (const el of root.querySelectorAll('*')) {
          const inner = el.shadowRoot && walk(el.shadowRoot);
          if (inner) return inner;
          const own = [...el.childNodes].filter((c) => c.nodeType === 3).map((c) => c.textContent).join('').trim();
          const r = el.getBoundingClientRect();
          if (own.startsWith(text) && r.width > 0 && r.height > 0) {
            return { x: r.x + Math.min(r.width / 2, 40), y: r.y + r.height / 2 };
          }
        }
        return null;
      };
      return walk(document);
    }, text);
    if (!box) throw new Error(`DevTools shows no "${text}"`);
    await devtools.mouse.click(box.x, box.y);
  };
  await devtools.click('>>> [aria-label="Toggle screencast"]');
  const [chooser] = await Promise.all([
    devtools.waitForFileChooser(),
    devtools.click('>>> button[jslog*="profiler.load-from-file"]'),
  ]);
  await chooser.accept([path.resolve(file)]);
  await sleep(3000);
  await click(path.basename(file, '.heapsnapshot'));
  await sleep(3000);
  await click(className);
  await sleep(500);
  await devtools.keyboard.press('ArrowRight'); // expand the class
  await sleep(1500);
  await devtools.keyboard.press('ArrowDown'); // its first object
  await sleep(3000);
  await devtools.screenshot({ path: out });
  console.log(`devtools-screenshot: ${out}`);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
