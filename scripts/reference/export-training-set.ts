/**
 * Exports the TRAINING part of a data set, exactly as `unet-ts train` prepares it, for the
 * PyTorch reference (scripts/reference/torch_unet_train.py): one safetensors file with, per
 * training image k (stem order),
 *
 *   image.<k>    [C, H, W]  float32, normalised by unet-ts's `loadEntry` (per-image zero mean, unit std)
 *   classes.<k>  [H, W]     float32 class indices (binary: 255 → 1; instances: objects → 1 with
 *                           the separation borders of touching objects as background, as train reads them)
 *   weights.<k>  [H, W]     float32 Eq. 2 weight map from unet-ts's own `weightMapCache`
 *
 * and in `__metadata__`: format "unet-ts-training-set/1", stems (JSON array), options (JSON).
 * The split is `splitDataset`'s, so it is the one `train --val-names` / `--val-fraction F --seed N`
 * holds out; held-out images are not exported (scripts/reference/evaluate-snapshots.ts scores
 * the reference's snapshots on them with unet-ts's `evaluateModel`).
 *
 *   npx tsx scripts/reference/export-training-set.ts --images DIR --labels DIR [--instances]
 *       [--names A,B,... | --val-fraction F [--seed N]]
 *       [--class-weights none|balanced|dataset|W0,W1] [--w0 X] [--sigma S] --out FILE.safetensors
 *
 * Defaults as `unet-ts train`: class weights balanced, w0 10, σ 5, seed 0.
 */
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { datasetClassWeights, loadEntry, openDataset, splitDataset, trainingItem, type Dataset } from '../../src/data/dataset.js';
import { parseClassWeights, weightMapCache, type WeightMapOptions } from '../../src/data/weight-map.js';
import { writeSafetensorsFile } from '../../src/checkpoint/safetensors-file.js';
import type { NamedTensor } from '../../src/checkpoint/safetensors.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string' },
    labels: { type: 'string' },
    instances: { type: 'boolean' },
    names: { type: 'string' },
    'val-fraction': { type: 'string' },
    seed: { type: 'string' },
    'class-weights': { type: 'string' },
    w0: { type: 'string' },
    sigma: { type: 'string' },
    out: { type: 'string' },
  },
});

const fail = (msg: string): never => {
  console.error(`export-training-set: ${msg}`);
  process.exit(2);
};
const need = (k: 'images' | 'labels' | 'out'): string => values[k] ?? fail(`--${k} is required`);
const num = (k: 'seed' | 'w0' | 'sigma' | 'val-fraction', fallback?: number): number | undefined => {
  const v = values[k];
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isFinite(x)) fail(`--${k} ${v}: expected a number`);
  return x;
};

const instances = values.instances === true;
const all = openDataset({ imagesDir: need('images'), labelsDir: need('labels'), kind: instances ? 'instances' : 'binary' });
if (values.names !== undefined && values['val-fraction'] !== undefined) fail('give --names or --val-fraction, not both');
const seed = num('seed', 0)!;
const fraction = num('val-fraction');
const trainSet: Dataset =
  values.names !== undefined
    ? splitDataset({ names: values.names.split(',').map((s) => s.trim()) })(all).train
    : fraction !== undefined
      ? splitDataset({ fraction, seed })(all).train
      : all;

const cwFlag = values['class-weights'] ?? 'balanced';
const choice = parseClassWeights(2)(cwFlag);
const chosen = E.isLeft(choice) ? fail(choice.left) : choice.right;
const classWeights: WeightMapOptions['classWeights'] = chosen === 'dataset' ? datasetClassWeights(trainSet) : chosen;
const weightOptions: WeightMapOptions = { w0: num('w0', 10)!, sigma: num('sigma', 5)!, classWeights };
const cache = weightMapCache(weightOptions);
const load = loadEntry(trainSet);

const tensors = new Map<string, NamedTensor>();
let pixels = 0;
trainSet.entries.forEach((e, k) => {
  const loaded = load(e);
  const item = trainingItem(cache)(loaded);
  const { width: w, height: h, channels: c } = item.image;
  tensors.set(`image.${k}`, { shape: [c, h, w], data: item.image.data });
  tensors.set(`classes.${k}`, { shape: [h, w], data: Float32Array.from(item.classes.data) });
  tensors.set(`weights.${k}`, { shape: [h, w], data: item.weights.data });
  pixels += w * h;
});

const options = {
  dataset: trainSet.name,
  imagesDir: values.images,
  labelsDir: values.labels,
  kind: instances ? 'instances' : 'binary',
  split: values.names !== undefined ? { names: values.names } : fraction !== undefined ? { valFraction: fraction, seed } : 'all',
  classWeights: cwFlag,
  classWeightValues: classWeights,
  w0: weightOptions.w0,
  sigma: weightOptions.sigma,
  normalize: 'per-image',
};
const out = need('out');
const r = await writeSafetensorsFile(out, tensors, {
  format: 'unet-ts-training-set/1',
  stems: JSON.stringify(trainSet.entries.map((e) => e.stem)),
  options: JSON.stringify(options),
})();
if (E.isLeft(r)) fail(r.left.message);
console.log(`wrote ${out}: ${trainSet.entries.length} training images (${pixels} pixels) of ${all.entries.length}; class weights ${JSON.stringify(options.classWeightValues)}, w0 ${weightOptions.w0}, sigma ${weightOptions.sigma}`);
