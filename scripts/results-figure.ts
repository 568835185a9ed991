/**
 * The README's result pictures for one labelled image: input, the Eq. 2 weight map the
 * loss used (viridis, from 0 to its maximum; w0 = 10, σ = 5 px, per-image class balance) or,
 * with --middle probability (for a model trained without the border term), the model's
 * foreground probability, and the model's prediction overlay (yellow: predicted only,
 * magenta: ground truth only, white: both), side by side with captions. Run with tsx:
 *
 *   npx tsx scripts/results-figure.ts --model models/isbi2012-small.safetensors \
 *     --images ../shared/data/isbi2012/images --labels ../shared/data/isbi2012/labels \
 *     --stem 22 --out docs/isbi2012-small-result.png [--instances] [--scale 2] [--middle weights|probability]
 */
import { parseArgs } from 'node:util';
import { loadEntry, openDataset } from '../src/data/dataset.js';
import { image } from '../src/data/image.js';
import { encodeRgbPng } from '../src/data/png.js';
import { weightMap } from '../src/data/weight-map.js';
import { displayGrey, overlayRaster } from '../src/infer/outputs.js';
import { segmentImage } from '../src/infer/tiles.js';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { createRuntime } from '../src/runtime/runtime.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { BLACK, draw, heatmap, raster, rasterOf, sideBySide, textHeight, upscale, type Raster } from '../src/plot/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' }, images: { type: 'string' }, labels: { type: 'string' }, stem: { type: 'string' },
    out: { type: 'string' }, instances: { type: 'boolean' }, scale: { type: 'string' }, middle: { type: 'string' },
  },
});
const need = (k: string): string => {
  const v = values[k as keyof typeof values];
  if (typeof v !== 'string') throw new Error(`results-figure: --${k} is required`);
  return v;
};
const scale = Number(values.scale ?? '1');
const middle = values.middle ?? 'weights';
if (middle !== 'weights' && middle !== 'probability') throw new Error(`results-figure: --middle ${middle}; expected weights or probability`);

/** A raster with a caption line above it. */
const captioned = (r: Raster, text: string): Raster => {
  const pad = 6;
  const top = textHeight(2) + 2 * pad;
  const out = raster(r.width, r.height + top);
  for (let y = 0; y < r.height; y++) out.data.set(r.data.subarray(3 * y * r.width, 3 * (y + 1) * r.width), 3 * (y + top) * r.width);
  return draw(out, [{ kind: 'text', x: pad, y: pad, text, color: BLACK, scale: 2 }]);
};

const ds = openDataset({ imagesDir: need('images'), labelsDir: need('labels'), kind: values.instances ? 'instances' : 'binary' });
const entry = ds.entries.find((e) => e.stem === need('stem'));
if (!entry) throw new Error(`results-figure: no image with stem ${need('stem')} in ${need('images')}`);
const e = loadEntry(ds)(entry);
const w = weightMap()(e.labels);
const model = await loadCheckpoint(need('model'));
const rt = await createRuntime();
try {
  const seg = await segmentImage(rt, model, e.image, { keep: middle === 'probability' ? 'foreground' : 'none' });
  const { width, height } = e.image;
  const grey = displayGrey(e.image);
  const input = rasterOf(image(width, height, 1, grey.map((v) => 255 * v)));
  let maxW = 0;
  for (const v of w.data) maxW = Math.max(maxW, v);
  const panels = [
    captioned(upscale(input, scale), 'input'),
    middle === 'probability' && seg.foreground
      ? captioned(upscale(heatmap(seg.foreground, width, height, { min: 0, max: 1 }), scale), 'P(foreground), 0 to 1')
      : captioned(upscale(heatmap(w.data, width, height, { min: 0, max: maxW }), scale), `weight map w(x), 0 to ${maxW.toFixed(1)}`),
    captioned(upscale(overlayRaster(e.image, seg.labels, e.labels.classes.data), scale), 'prediction vs truth'),
  ];
  writeFileAtomic(need('out'), encodeRgbPng(sideBySide(panels, 12)));
  console.log(`wrote ${need('out')} (${rt.backend})`);
} finally {
  await rt.dispose();
}
