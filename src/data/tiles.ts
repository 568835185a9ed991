/**
 * Random training tiles for a valid-convolution U-Net (paper Sec. 2 and Fig. 2).
 *
 * The network maps an n×n input tile to the o×o centre of it (o from `geometry`), so a
 * sample is an input crop [1, C, n, n] and the label and weight crops [1, 1, o, o] whose
 * origin lies `halo = (n − o)/2` pixels inside the input tile.
 *
 * Position: the output window's origin is drawn uniformly over every position that keeps
 * it on the image (or, for an image smaller than o, every position that keeps the image
 * inside it), so border pixels are trained as often as central ones; the input context
 * beyond the image is the mirror extrapolation (mirror.ts), as in overlap-tile inference.
 * Augmentation (augment.ts) is one coordinate map applied to image, labels and weights.
 * Output pixels whose source lies outside the image get weight 0 (`maskOutside`, default
 * true): their labels are mirrored copies, not annotations, and should not be learned twice.
 *
 * @example
 * declare const image: Image;
 * declare const classes: LabelMap;
 * declare const weights: WeightMap;
 * const s = sampleTile({ input: 188, output: 4 }, rng(1))({ image, classes, weights });
 * s.image.shape; // [1, 1, 188, 188]; s.labels.shape, s.weights.shape: [1, 1, 4, 4]
 */
import type { Rng } from '../tensor/random.js';
import { unsafeTensor, type Tensor } from '../tensor/tensor.js';
import { coordMap, grayValue, sampleGray, sampleTransform, type AugmentOptions } from './augment.js';
import type { Image } from './image.js';
import { cropMap, inside, sampleImage, sampleLabels, samplePlane, type CoordMap, type Interpolation } from './interpolate.js';
import type { LabelMap } from './labels.js';
import type { WeightMap } from './weight-map.js';

/** One training example: input tile, class indices (as float32) and loss weights. */
export interface Sample {
  readonly image: Tensor;
  readonly labels: Tensor;
  readonly weights: Tensor;
}

/** What tiles are cut from: an image with its class map and weight map (same size). */
export interface TrainingItem {
  readonly image: Image;
  readonly classes: LabelMap;
  readonly weights: WeightMap;
}

export interface TileOptions {
  /** Input tile size n (a valid size for the network). */
  readonly input: number;
  /** Output size o of the network at input n. */
  readonly output: number;
  /** Augmentation; default: the augment.ts defaults. Pass `noAugmentation` for plain crops. */
  readonly augment?: AugmentOptions;
  /** Image interpolation (default 'cubic'). */
  readonly interpolation?: Interpolation;
  /** Zero the weight of output pixels that read outside the image (default true). */
  readonly maskOutside?: boolean;
}

/** Uniform integer in [lo, hi]. */
const between = (r: Rng, lo: number, hi: number): number => lo + r.int(hi - lo + 1);

/**
 * The coordinate map of one random input tile (position + augmentation) over an image of
 * width × height: exported for previews and tests.
 *
 * @example
 * const map = sampleTileMap({ input: 188, output: 4 }, rng(2))(256, 256);
 */
export const sampleTileMap = (opts: TileOptions, r: Rng) => (width: number, height: number): CoordMap => {
  const { input: n, output: o } = opts;
  const halo = (n - o) / 2;
  if (!Number.isInteger(halo) || halo < 0 || o < 1) {
    throw new RangeError(`sampleTile: input ${n} and output ${o} do not give an integer halo (n − o)/2 ≥ 0; take both from geometry()`);
  }
  const ox = between(r, Math.min(0, width - o), Math.max(0, width - o));
  const oy = between(r, Math.min(0, height - o), Math.max(0, height - o));
  const t = sampleTransform(opts.augment)(r);
  return coordMap(t, { width: n, height: n }, { x: ox - halo + (n - 1) / 2, y: oy - halo + (n - 1) / 2 });
};

/**
 * Draws one augmented training tile. Advances `r`; the same seed gives the same tiles.
 * Throws when image, classes and weights differ in size.
 *
 * @example
 * declare const item: TrainingItem;
 * const r = rng(42);
 * const batch = [0, 1, 2, 3].map(() => sampleTile({ input: 572, output: 388 }, r)(item));
 */
export const sampleTile = (opts: TileOptions, r: Rng) => (item: TrainingItem): Sample => {
  const { image: img, classes, weights } = item;
  const { width: w, height: h } = img;
  if (classes.width !== w || classes.height !== h || weights.width !== w || weights.height !== h) {
    throw new RangeError(`sampleTile: image ${w}×${h}, classes ${classes.width}×${classes.height}, weights ${weights.width}×${weights.height}; expected equal sizes`);
  }
  const { input: n, output: o } = opts;
  const halo = (n - o) / 2;
  const map = sampleTileMap(opts, r)(w, h);
  const gray = sampleGray(opts.augment?.gray)(r);
  const x = grayValue(gray)(sampleImage(map, opts.interpolation ?? 'cubic')(img));
  const outMap = cropMap({ x: halo, y: halo, width: o, height: o })(map);
  const labels = Float32Array.from(sampleLabels(outMap)(classes).data);
  const wt = samplePlane(outMap)(weights).data;
  if (opts.maskOutside ?? true) {
    const ok = inside(outMap, w, h);
    for (let i = 0; i < wt.length; i++) if (ok[i] === 0) wt[i] = 0;
  }
  return {
    image: unsafeTensor([1, img.channels, n, n], x.data),
    labels: unsafeTensor([1, 1, o, o], labels),
    weights: unsafeTensor([1, 1, o, o], wt),
  };
};
