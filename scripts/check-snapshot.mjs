// Loads each `<backend>.heapsnapshot` in DIR with memlab (the heap
// analysis library Meta uses on Chrome's snapshots) and checks its reading
// against the library's own answers (`<backend>.answers.json`, written by
// `cargo run -p gc-snapshot --example snapshot_answers -- DIR`): the node
// count, every object's retained size and immediate dominator, and the
// shortest retaining path of the deepest object.
//
//   npm install --prefix target/memlab memlab   (PUPPETEER_SKIP_DOWNLOAD=1)
//   NODE_PATH=target/memlab/node_modules node scripts/check-snapshot.mjs DIR
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { getFullHeapFromFile } = require('@memlab/heap-analysis');

const dir = process.argv[2] ?? 'target/snapshots';
const files = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
if (files.length === 0) throw new Error(`no .heapsnapshot in ${dir}`);
let failures = 0;
const check = (ok, what) => {
  if (!ok) {
    failures += 1;
    console.error(`FAIL ${what}`);
  }
};
for (const file of files) {
  const backend = file.replace('.heapsnapshot', '');
  const answers = JSON.parse(readFileSync(path.join(dir, `${backend}.answers.json`), 'utf8'));
  const heap = await getFullHeapFromFile(path.join(dir, file));
  check(heap.nodes.length === answers.node_count,
    `${backend}: memlab reads ${heap.nodes.length} nodes, the library wrote ${answers.node_count}`);
  for (const object of answers.objects) {
    const node = heap.getNodeById(object.id);
    if (!node) {
      check(false, `${backend}: node ${object.id} missing`);
      continue;
    }
    check(node.retainedSize === object.retained,
      `${backend}: node ${object.id} (${node.name}) retains ${node.retainedSize} in memlab, ${object.retained} in the library`);
    const dominator = node.dominatorNode;
    const dominatorId = dominator && dominator.type !== 'synthetic' ? dominator.id : 0;
    check(dominatorId === object.dominator,
      `${backend}: node ${object.id} dominated by ${dominatorId} in memlab, ${object.dominator} in the library`);
  }
  // memlab's shortest path to the deepest object, from its first object.
  const ids = [];
  for (let node = heap.getNodeById(answers.path.at(-1)); node && node.type !== 'synthetic';
    node = node.pathEdge ? node.pathEdge.fromNode : null) {
    ids.unshift(node.id);
  }
  check(ids.length === answers.path.length,
    `${backend}: memlab's path has ${ids.length} objects, the library's ${answers.path.length} (${answers.path_text})`);
  console.log(`${backend}: ${heap.nodes.length} nodes, ${answers.objects.length} objects, ` +
    `retained sizes, dominators and a ${ids.length}-object path agree: ${answers.path_text}`);
}
if (failures > 0) {
  console.error(`${failures} disagreements`);
  process.exit(1);
}
