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
 * Its own folder because it joins three: data (tiles, weight maps), unet (the tile
 * geometry) and plot (heat map, sheet drawing), and data must import neither unet nor plot.
 *
 * @example
 * import { preview } from './preview.js';
 * preview({ imagesDir: 'dsb2018/images', labelsDir: 'dsb2018/instances', instances: true, n: 4, seed: 1, outDir: '/tmp/pv', tile: 348 });
 */
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { AugmentOptions } from '../data/augment.js';
import { loadEntry, openDataset, trainingItem } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import { image, type Image } from '../data/image.js';
import { encodeRgbPng, writePng } from '../data/png.js';
import { sampleTile } from '../data/tiles.js';
import { weightMapCache } from '../data/weight-map.js';
import { writeFileAtomic } from '../io/atomic.js';
import { heatmap } from '../plot/colormap.js';
import { sideBySide } from '../plot/overlay.js';
import { draw, paste, raster, rasterOf, upscale, type Mark, type Raster, type Rgb } from '../plot/raster.js';
import { rng } from '../tensor/random.js';
import { geometry, minimumInput } from '../unet/geometry.js';

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
  /** Page of multi-page TIFFs and the pixel limit of image files (see `readImageFile`). */
  readonly files?: { readonly page?: number; readonly maxPixels?: number };
}

const BACKGROUND: Rgb = [32, 32, 32];
const RED: Rgb = [255, 48, 48];

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

/** A `t`-pixel frame just outside the square of side `size` at (x0, y0). */
const frame = (x0: number, y0: number, size: number, t: number): Mark[] => [
  { kind: 'rect', x: x0 - t, y: y0 - t, width: size + 2 * t, height: t, color: RED },
  { kind: 'rect', x: x0 - t, y: y0 + size, width: size + 2 * t, height: t, color: RED },
  { kind: 'rect', x: x0 - t, y: y0, width: t, height: size, color: RED },
  { kind: 'rect', x: x0 + size, y: y0, width: t, height: size, color: RED },
];

/** `r` lowered by `y0` pixels on the sheet's background. */
const lowered = (r: Raster, y0: number): Raster => paste(raster(r.width, y0 + r.height, BACKGROUND), r, 0, y0);

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
  const ds = openDataset({ imagesDir: opts.imagesDir, labelsDir: opts.labelsDir, kind: opts.instances ? 'instances' : 'binary', ...opts.files });
  const r = rng(opts.seed ?? 0);
  const cache = weightMapCache();
  const written: string[] = [];
  for (let i = 0; i < (opts.n ?? 4); i++) {
    const entry = ds.entries[r.int(ds.entries.length)]!;
    const loaded = loadEntry(ds)(entry);
    const s = sampleTile({ input, output, ...(opts.augment ? { augment: opts.augment } : {}) }, r)(trainingItem(cache)(loaded));
    const ch = s.image.shape[1];
    const scaled = to8bit(image(input, input, ch, s.image.data));
    const x = ch === 3 ? scaled : image(input, input, 1, scaled.data.slice(0, input * input));
    const k = Math.max(1, loaded.labels.numClasses - 1);
    const labels = image(output, output, 1, s.labels.data.map((v) => (v * 255) / k));
    let wMax = 0;
    for (const v of s.weights.data) wMax = Math.max(wMax, v);
    const heat = heatmap(s.weights.data, output, output, { min: 0, max: wMax });
    const zoom = output < 64 ? Math.ceil(64 / output) : 1;
    const y0 = zoom === 1 ? halo : Math.max(0, Math.floor((input - output * zoom) / 2));
    const sheet = sideBySide(
      [draw(rasterOf(x), frame(halo, halo, output, input > 400 ? 2 : 1)), lowered(upscale(rasterOf(labels), zoom), y0), lowered(upscale(heat, zoom), y0)],
      8,
      BACKGROUND,
    );
    const base = path.join(opts.outDir, `${String(i).padStart(2, '0')}-${entry.stem}`);
    writePng(`${base}-input.png`, x);
    writePng(`${base}-labels.png`, labels);
    writeFileAtomic(`${base}-weights.png`, encodeRgbPng(heat));
    writeFileAtomic(`${base}-sheet.png`, encodeRgbPng(sheet));
    written.push(`${base}-input.png`, `${base}-labels.png`, `${base}-weights.png`, `${base}-sheet.png`);
  }
  return written;
};
