/**
 * What `segment` writes for one image, named after the image's stem:
 * - `<stem>_prob<k>.png`: class k's softmax probability, 16-bit grey (p · 65535, rounded;
 *   decodes to p within 1/131070);
 * - `<stem>_labels.png`: the argmax class index per pixel, 8-bit grey (0, 1, …, not scaled);
 * - `<stem>_overlay.png`: the image in grey with the predicted contours (yellow) and, when
 *   given, the ground truth's (magenta) over it;
 * - `<stem>_instances.png` (instance tasks): the 4-connected components of class 1, one id
 *   per object, 16-bit (the objects of the paper's cell tasks, Sec. 3.2).
 *
 * @example
 * const seg = await segmentImage(rt, model, img);
 * writeOutputs('out', 'img01', img, seg, { instances: true }).files; // the paths written
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { image, type Image } from '../data/image.js';
import { connectedComponents, labelMap, type LabelMap } from '../data/labels.js';
import { encodeRgbPng, writePng } from '../data/png.js';
import { overlay } from '../plot/overlay.js';
import type { Raster } from '../plot/raster.js';
import type { Segmentation } from './tiles.js';

/** Largest id a 16-bit PNG holds. */
export const MAX_ID16 = 65535;

/**
 * A probability map as a grey image of 16-bit levels (p · 65535).
 *
 * @example
 * probabilityImage(Float32Array.of(0, 0.5, 1), 3, 1).data; // [0, 32767.5, 65535]
 */
export const probabilityImage = (p: ArrayLike<number>, width: number, height: number): Image =>
  image(width, height, 1, Float32Array.from({ length: width * height }, (_, i) => p[i]! * MAX_ID16));

/**
 * The instances of class `cls` in a class map: its 4-connected components, ids 1…count in
 * raster order (0 elsewhere).
 *
 * @example
 * instanceMap(Uint8Array.of(1, 0, 1), 3, 1).count; // 2
 */
export const instanceMap = (labels: ArrayLike<number>, width: number, height: number, cls = 1): { readonly map: LabelMap; readonly count: number } => {
  const mask = labelMap(width, height, Int32Array.from({ length: width * height }, (_, i) => (labels[i] === cls ? 1 : 0)));
  const map = connectedComponents(4)(mask);
  let count = 0;
  for (const v of map.data) count = Math.max(count, v);
  return { map, count };
};

/**
 * An image for display: the channel mean, min–max scaled to [0, 1].
 *
 * @example
 * displayGrey(image(2, 1, 1, Float32Array.of(-1, 3))); // Float32Array [0, 1]
 */
export const displayGrey = (img: Image): Float32Array => {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  for (let c = 0; c < img.channels; c++) for (let i = 0; i < n; i++) out[i]! += img.data[c * n + i]! / img.channels;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of out) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const scale = hi > lo ? 1 / (hi - lo) : 0;
  return out.map((v) => (v - lo) * scale);
};

/**
 * The image with the contours of the predicted classes (and of `truth`, when given) over it.
 *
 * @example
 * declare const seg: Segmentation;
 * declare const truth: Labels; // ground truth of the same image
 * overlayRaster(img, seg.labels, truth.classes.data); // a width × height RGB raster
 */
export const overlayRaster = (img: Image, predicted: ArrayLike<number>, truth?: ArrayLike<number>): Raster =>
  overlay(displayGrey(img), img.width, img.height, predicted, truth);

export interface OutputOptions {
  /** Also write the instance-label PNG. */
  readonly instances?: boolean;
  /** Ground-truth labels (class or instance ids) drawn in the overlay. */
  readonly truth?: ArrayLike<number>;
}

export interface Written {
  readonly files: readonly string[];
  /** Objects found (with `instances`); ids above 65535 wrap around (1 + (id − 1) mod 65535). */
  readonly instances?: number;
}

/**
 * Writes the probability maps (those `seg` kept), the label image, the overlay and, with
 * `instances`, the instance labels into `dir` (which must exist). Each file is written
 * atomically.
 *
 * @example
 * declare const seg: Segmentation; // of img
 * writeOutputs('/tmp/out', 'cells', img, seg).files; // ['/tmp/out/cells_prob0.png', …]
 */
export const writeOutputs = (dir: string, stem: string, img: Image, seg: Segmentation, opts: OutputOptions = {}): Written => {
  const { width, height } = seg;
  const file = (suffix: string): string => path.join(dir, `${stem}_${suffix}.png`);
  const files: string[] = [];
  seg.probs.forEach((p, k) => {
    writePng(file(`prob${k}`), probabilityImage(p, width, height), { bitDepth: 16 });
    files.push(file(`prob${k}`));
  });
  writePng(file('labels'), image(width, height, 1, Float32Array.from(seg.labels)), { bitDepth: 8 });
  files.push(file('labels'));
  writeFileAtomic(file('overlay'), encodeRgbPng(overlayRaster(img, seg.labels, opts.truth)));
  files.push(file('overlay'));
  if (!opts.instances) return { files };
  const { map, count } = instanceMap(seg.labels, width, height);
  const ids = Float32Array.from(map.data, (v) => (v === 0 ? 0 : 1 + ((v - 1) % MAX_ID16)));
  writePng(file('instances'), image(width, height, 1, ids), { bitDepth: 16 });
  files.push(file('instances'));
  return { files, instances: count };
};
