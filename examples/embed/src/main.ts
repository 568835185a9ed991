/**
 * unet-ts embedded in a program, through the package root only:
 *
 *   node dist/main.js [MODEL.safetensors] [--image PNG_OR_TIFF] [--out LABELS.png]
 *
 * 1. picks a model: the checkpoint given, else the model shipped in the package
 *    (`bundledModel('dsb2018-small')`) when it is there, else an untrained `tiny` U-Net;
 * 2. decodes an image from bytes in memory (default: cells.png beside this project) and
 *    segments it by overlap-tile inference; writes the label image (foreground white);
 * 3. trains a fresh `tiny` U-Net for 2 steps on one synthetic image, printing each step;
 * 4. scores that model on its synthetic image with a metric, and disposes the runtime.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  PRESETS,
  adam,
  bundledModel,
  createRuntime,
  decodeImage,
  encodePng,
  image,
  initParams,
  labelsFromImage,
  loadCheckpoint,
  metrics,
  normalize,
  segmentImage,
  synthetic,
  train,
  weightMap,
  type Model,
  type TrainingItem,
} from 'unet-ts';

const here = dirname(fileURLToPath(import.meta.url)); // dist/
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { image: { type: 'string' }, out: { type: 'string' } },
});
const imagePath = values.image ?? join(here, '..', 'cells.png');
const outPath = values.out ?? join(here, '..', 'out', 'cells_labels.png');

/** The checkpoint given, else the shipped model when installed, else an untrained tiny U-Net. */
const pickModel = async (): Promise<{ model: Model; source: string }> => {
  const given = positionals[0];
  if (given !== undefined) return { model: await loadCheckpoint(given), source: given };
  const shipped = bundledModel('dsb2018-small');
  if (existsSync(shipped)) return { model: await loadCheckpoint(shipped), source: shipped };
  const config = PRESETS.tiny;
  return { model: { config, params: initParams(config, 42) }, source: 'untrained tiny preset (seed 42)' };
};

const rt = await createRuntime(); // the best backend that starts (UNET_BACKEND=cpu forces one)
try {
  console.log(`backend: ${rt.backend}`);

  // Segment an image held in memory.
  const { model, source } = await pickModel();
  console.log(`model: ${source} (depth ${model.config.depth}, base ${model.config.base}, tile ${model.config.tile})`);
  const img = decodeImage(readFileSync(imagePath), { name: imagePath }); // PNG or TIFF, normalised per image
  let t0 = performance.now();
  const seg = await segmentImage(rt, model, img, { keep: 'foreground' });
  const seconds = (performance.now() - t0) / 1000;
  const foreground = seg.labels.reduce((n, c) => n + (c === 1 ? 1 : 0), 0) / seg.labels.length;
  console.log(`segmented ${imagePath}: ${seg.width}×${seg.height}, ${seg.tiles} tile(s), foreground ${(100 * foreground).toFixed(1)}% of pixels, ${seconds.toFixed(2)} s`);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, encodePng(image(seg.width, seg.height, 1, Float32Array.from(seg.labels, (c) => 255 * c))));
  console.log(`wrote ${outPath}`);

  // Train a fresh tiny U-Net for 2 steps on one synthetic image, with a callback per step.
  const sample = synthetic({ width: 256, height: 256 })(7);
  const truth = labelsFromImage({ kind: 'instances' })(image(256, 256, 1, Float32Array.from(sample.instances.data)));
  const item: TrainingItem = { image: normalize('per-image')(sample.image), classes: truth.classes, weights: weightMap()(truth) };
  const config = { ...PRESETS.tiny, tile: 188 };
  t0 = performance.now();
  const result = await train({
    rt, config, params: initParams(config, 0), items: [item], optimizer: adam(), lr: 0.002,
    schedule: { kind: 'constant' }, steps: 2, seed: 0, outDir: join(tmpdir(), 'unet-ts-embed-example'),
    onStep: (s) => console.log(`train step ${s.step}: loss ${s.loss.toFixed(4)} (${s.seconds.toFixed(2)} s)`),
  });
  console.log(`trained ${result.steps} steps in ${((performance.now() - t0) / 1000).toFixed(2)} s`);

  // A metric: foreground IoU of the 2-step model on its training image (far from trained).
  const pred = await segmentImage(rt, { config, params: result.params }, item.image, { keep: 'none' });
  const scores = metrics.overlapScores({ width: pred.width, height: pred.height, data: pred.labels }, truth.classes, 2); // throws metrics.MetricError on a size mismatch
  console.log(`foreground IoU after 2 steps: ${scores.iou[1]?.toFixed(4)}`);
} finally {
  await rt.dispose();
}
