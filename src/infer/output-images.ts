/**
 * The pictures of a segmentation as PNG bytes, with no file system: what `writeOutputs`
 * (outputs.ts) writes in Node and what a browser page offers as downloads, byte for byte.
 * Also the pieces: the 16-bit probability image, the instance map (4-connected components
 * of class 1) and the overlay of the image with the predicted (and true) contours.
 *
 * @example
 * const seg = await segmentImage(rt, model, img);
 * const { files } = outputPngs(img, seg, { instances: true });
 * files.map((f) => f.name); // ['prob0', 'prob1', 'labels', 'overlay', 'instances']
 */
import { image, type Image } from '../data/image.js';
import { connectedComponents, labelMap, type LabelMap } from '../data/labels.js';
import { pngBytes, rgbPngBytes } from '../data/png-encode.js';
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
  /** Also make the instance-label PNG. */
  readonly instances?: boolean;
  /** Ground-truth labels (class or instance ids) drawn in the overlay. */
  readonly truth?: ArrayLike<number>;
}

/** One picture: its name (`prob1`, `labels`, `overlay`, `instances`) and PNG bytes. */
export interface OutputPng {
  readonly name: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/**
 * The PNGs of a segmentation: `prob<k>` (16-bit, for each map `seg` kept), `labels`
 * (8-bit class indices), `overlay` (RGB) and, with `instances`, `instances` (16-bit ids;
 * ids above 65535 wrap around to 1 + (id − 1) mod 65535), and the number of objects.
 *
 * @example
 * declare const seg: Segmentation; // of img
 * const overlayPng = outputPngs(img, seg).files.find((f) => f.name === 'overlay')!.bytes;
 */
export const outputPngs = (img: Image, seg: Segmentation, opts: OutputOptions = {}): { readonly files: readonly OutputPng[]; readonly instances?: number } => {
  const { width, height } = seg;
  const files: OutputPng[] = seg.probs.map((p, k) => ({ name: `prob${k}`, bytes: pngBytes(probabilityImage(p, width, height), { bitDepth: 16 }) }));
  files.push({ name: 'labels', bytes: pngBytes(image(width, height, 1, Float32Array.from(seg.labels)), { bitDepth: 8 }) });
  files.push({ name: 'overlay', bytes: rgbPngBytes(overlayRaster(img, seg.labels, opts.truth)) });
  if (!opts.instances) return { files };
  const { map, count } = instanceMap(seg.labels, width, height);
  const ids = Float32Array.from(map.data, (v) => (v === 0 ? 0 : 1 + ((v - 1) % MAX_ID16)));
  files.push({ name: 'instances', bytes: pngBytes(image(width, height, 1, ids), { bitDepth: 16 }) });
  return { files, instances: count };
};
