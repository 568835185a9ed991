/**
 * Timing script for the data module (not a test, and not part of `npm run bench`, which times
 * the kernels and the network). Times the synthetic generator, the Eq. 2 weight map on the
 * DSB 2018 image with the most nuclei and on an ISBI slice, and one 572×572 augmented tile.
 * The data-set timings run only when ../shared/data (next to the repository) exists.
 *
 *   npx tsx scripts/data-bench.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../src/tensor/random.js';
import { countInstances, loadEntry, openDataset, sampleTile, synthetic, trainingItem, weightMap, weightMapCache } from '../src/data/index.js';

/** CPU ms of this process (user + system): on a shared machine closer to the cost than wall time. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Best of `reps` runs after one warm-up: wall and CPU time. */
const time = <A>(label: string, reps: number, f: () => A): A => {
  let out = f();
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    out = f();
    cpu = Math.min(cpu, cpuMs() - c0);
    wall = Math.min(wall, performance.now() - t0);
  }
  console.log(`${label}: ${wall.toFixed(1)} ms wall, ${cpu.toFixed(1)} ms CPU (best of ${reps})`);
  return out;
};

time('synthetic 256×256', 20, () => synthetic()(1));
time('synthetic 512×512', 3, () => synthetic({ width: 512, height: 512 })(1));

// scripts/ → the repository → its parent, where shared/data sits beside the checkout.
const shared = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..', 'shared/data');
if (fs.existsSync(shared)) {
  const dsb = openDataset({ imagesDir: `${shared}/dsb2018/images`, labelsDir: `${shared}/dsb2018/instances`, kind: 'instances' });
  const loaded = dsb.entries.map((e) => loadEntry(dsb)(e));
  const most = loaded.reduce((a, b) => (countInstances(b.labels.instances) > countInstances(a.labels.instances) ? b : a));
  console.log(`DSB ${most.stem}: ${most.image.width}×${most.image.height}, ${countInstances(most.labels.instances)} nuclei`);
  time('weight map, DSB image with most nuclei', 5, () => weightMap()(most.labels));
  const c0 = cpuMs();
  const cache = weightMapCache();
  for (const e of loaded) cache.get(e.key, e.labels);
  console.log(`weight maps, all ${loaded.length} DSB images: ${(cpuMs() - c0).toFixed(0)} ms CPU`);
  const isbi = openDataset({ imagesDir: `${shared}/isbi2012/images`, labelsDir: `${shared}/isbi2012/labels`, kind: 'binary' });
  const slice = loadEntry(isbi)(isbi.entries[0]!);
  console.log(`ISBI 00: ${countInstances(slice.labels.instances)} cells`);
  time('weight map, ISBI 512×512', 3, () => weightMap()(slice.labels));
  const item = trainingItem(cache)(most);
  const r = rng(1);
  time('augmented tile 572 → 388', 5, () => sampleTile({ input: 572, output: 388 }, r)(item));
}
