/**
 * The tiny model and training tile the browser tests use, the same in the page and in Node
 * (bundled into the page by esbuild; imported by the test for Node's reference values).
 */
import { initParams, type Params } from '../../src/unet/params.js';
import type { UNetConfig } from '../../src/unet/config.js';
import { geometry } from '../../src/unet/geometry.js';
import { synthetic } from '../../src/data/synthetic.js';
import { normalize } from '../../src/data/image.js';
import type { Sample } from '../../src/data/tiles.js';

export const TINY: UNetConfig = { inChannels: 1, classes: 2, depth: 2, base: 4, dropout: 0, padding: 'valid', tile: 92 };

/** Seeded start weights (a seed with few dead-ReLU pixels), the output layer scaled ×30 so that most pixels are far from a tie between the classes (labels then compare). */
export const tinyParams = (): Params => {
  const p = initParams(TINY, 2);
  const out = p['out.weight']!;
  return { ...p, 'out.weight': { shape: out.shape, data: out.data.map((v) => 30 * v) } };
};

/** One training tile: a 92² synthetic-cells image (normalised per image), its foreground classes at the output's 52² centre, weights 1. */
export const tinySample = (): Sample => {
  const g = geometry(TINY)(TINY.tile);
  if (g._tag === 'Left') throw new Error(g.left.message);
  const { input: n, output: o, halo } = g.right;
  const s = synthetic({ width: n, height: n })(5);
  const img = normalize('per-image')(s.image);
  const labels = new Float32Array(o * o);
  for (let y = 0; y < o; y++) for (let x = 0; x < o; x++) labels[y * o + x] = s.instances.data[(y + halo) * n + x + halo]! > 0 ? 1 : 0;
  return { image: { shape: [1, 1, n, n], data: img.data }, labels: { shape: [1, 1, o, o], data: labels }, weights: { shape: [1, 1, o, o], data: new Float32Array(o * o).fill(1) } };
};
