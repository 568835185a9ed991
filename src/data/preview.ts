/**
 * Preview of what training sees (`unet-ts preview`): N augmented tiles from a data set,
 * each written as
 * - `NN-<stem>-input.png`   the n×n input tile, 8-bit grey, min–max scaled;
 * - `NN-<stem>-labels.png`  the o×o class crop, classes spread over 0…255;
 * - `NN-<stem>-weights.png` the o×o Eq. 2 weight crop as a viridis heat map (0…max);
 * - `NN-<stem>-sheet.png`   input | labels | weights side by side, the output region
 *   outlined in red on the input and the two crops level with it, so misalignment shows.
 * Crops smaller than 64 px are magnified by an integer factor in the sheet.
 *
 * @example
 * import { preview } from './preview.js';
 * preview({ imagesDir: 'dsb2018/images', labelsDir: 'dsb2018/instances', instances: true, n: 4, seed: 1, outDir: '/tmp/pv', tile: 348 });
 */
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { rng } from '../tensor/random.js';
import { geometry, minimumInput } from '../unet/geometry.js';
import type { AugmentOptions } from './augment.js';
import { heatMap } from './colormap.js';
import { loadEntry, openDataset, trainingItem } from './dataset.js';
import { DataError } from './errors.js';
import { image, type Image } from './image.js';
import { writePng } from './png.js';
import { sampleTile } from './tiles.js';
import { weightMapCache } from './weight-map.js';

export interface PreviewOptions {
  readonly imagesDir: string;
  readonly labelsDir: string;
  /** Labels are instance images (0 = background, 1…N objects); else binary masks. */
  readonly instances?: boolean;
  /** Number of samples (default 4). */
  readonly n?: number;
  /** Seed (default 0). */
  readonly seed?: number;
  readonly outDir: string;
  /** Input tile size (default: the smallest valid size for `depth`, 188 at depth 4). */
  readonly tile?: number;
  /** U-Net depth (default 4). */
  readonly depth?: number;
  readonly augment?: AugmentOptions;
}

/** Values min–max scaled to 0…255 (all channels together, so RGB keeps its balance). */
const to8bit = (img: Image): Image => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of img.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const s = hi > lo ? 255 / (hi - lo) : 0;
  return image(img.width, img.height, img.channels, img.data.map((v) => (v - lo) * s));
};

/** An RGB canvas of w×h filled with one colour. */
const canvas = (w: number, h: number, rgb: readonly [number, number, number]): Image => {
  const d = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++) d.fill(rgb[c]!, c * w * h, (c + 1) * w * h);
  return image(w, h, 3, d);
};

/** Copies `src` (grey or RGB) magnified by `zoom` into the RGB `dst` at (x0, y0). Mutates dst: local canvases only. */
const paste = (dst: Image, src: Image, x0: number, y0: number, zoom = 1): void => {
  const n = dst.width * dst.height;
  const m = src.width * src.height;
  for (let y = 0; y < src.height * zoom; y++) {
    for (let x = 0; x < src.width * zoom; x++) {
      const s = Math.floor(y / zoom) * src.width + Math.floor(x / zoom);
      const o = (y0 + y) * dst.width + x0 + x;
      for (let c = 0; c < 3; c++) dst.data[c * n + o] = src.data[(src.channels === 3 ? c : 0) * m + s]!;
    }
  }
};

const outline = (dst: Image, x0: number, y0: number, size: number, t: number): void => {
  const n = dst.width * dst.height;
  const red = [255, 48, 48];
  for (let y = y0 - t; y < y0 + size + t; y++) {
    for (let x = x0 - t; x < x0 + size + t; x++) {
      const edge = y < y0 || y >= y0 + size || x < x0 || x >= x0 + size;
      if (!edge || x < 0 || y < 0 || x >= dst.width || y >= dst.height) continue;
      for (let c = 0; c < 3; c++) dst.data[c * n + y * dst.width + x] = red[c]!;
    }
  }
};

/**
 * Writes the preview files and returns their paths (4 per sample, in order).
 * Throws a DataError for bad folders or files, or an invalid tile size for the depth.
 *
 * @example
 * const files = preview({ imagesDir: 'isbi2012/images', labelsDir: 'isbi2012/labels', n: 2, seed: 3, outDir: '/tmp/pv' });
 */
export const preview = (opts: PreviewOptions): readonly string[] => {
  const depth = opts.depth ?? 4;
  const tile = opts.tile ?? minimumInput({ depth });
  const g = geometry({ depth })(tile);
  if (E.isLeft(g)) throw new DataError(`preview: ${g.left.message}`);
  const { input, output, halo } = g.right;
  const ds = openDataset({ imagesDir: opts.imagesDir, labelsDir: opts.labelsDir, kind: opts.instances ? 'instances' : 'binary' });
  const r = rng(opts.seed ?? 0);
  const cache = weightMapCache();
  const written: string[] = [];
  for (let i = 0; i < (opts.n ?? 4); i++) {
    const entry = ds.entries[r.int(ds.entries.length)]!;
    const loaded = loadEntry(ds)(entry);
    const s = sampleTile({ input, output, ...(opts.augment ? { augment: opts.augment } : {}) }, r)(trainingItem(cache)(loaded));
    const ch = s.image.shape[1];
    const x = to8bit(image(input, input, ch, s.image.data));
    const k = Math.max(1, loaded.labels.numClasses - 1);
    const labels = image(output, output, 1, s.labels.data.map((v) => (v * 255) / k));
    let wMax = 0;
    for (const v of s.weights.data) wMax = Math.max(wMax, v);
    const heat = heatMap(0, wMax)({ width: output, height: output, data: s.weights.data });
    const zoom = output < 64 ? Math.ceil(64 / output) : 1;
    const side = output * zoom;
    const gap = 8;
    const sheet = canvas(input + 2 * (side + gap), Math.max(input, side), [32, 32, 32]);
    paste(sheet, ch === 3 ? x : image(input, input, 1, x.data.subarray(0, input * input)), 0, 0);
    outline(sheet, halo, halo, output, input > 400 ? 2 : 1);
    const y0 = zoom === 1 ? halo : Math.max(0, Math.floor((input - side) / 2));
    paste(sheet, labels, input + gap, y0, zoom);
    paste(sheet, heat, input + side + 2 * gap, y0, zoom);
    const base = path.join(opts.outDir, `${String(i).padStart(2, '0')}-${entry.stem}`);
    const files: readonly [string, Image][] = [
      [`${base}-input.png`, ch === 3 ? x : image(input, input, 1, x.data.slice(0, input * input))],
      [`${base}-labels.png`, labels],
      [`${base}-weights.png`, heat],
      [`${base}-sheet.png`, sheet],
    ];
    for (const [f, img] of files) {
      writePng(f, img);
      written.push(f);
    }
  }
  return written;
};
