/**
 * A viridis colour map and heat maps of float images.
 *
 * Viridis (van der Walt & Smith, matplotlib 2015) is perceptually uniform and readable in
 * greyscale and by colour-blind viewers. We interpolate linearly between 9 samples of it
 * (t = 0, 1/8, …, 1; the values of R's `viridis(9)`), which stays within a few levels of
 * the 256-entry table.
 *
 * @example
 * import { viridis, heatmap } from './colormap.js';
 * viridis(0); // [68, 1, 84]   (dark purple)
 * viridis(1); // [253, 231, 37] (yellow)
 * heatmap(new Float32Array([0, 0.5, 1, 2]), 2, 2, { max: 1 }); // 2×2 raster, the 2 clipped to yellow
 */
import { raster, type Raster, type Rgb } from './raster.js';

// prettier-ignore
const STOPS: readonly Rgb[] = [
  [0x44, 0x01, 0x54], [0x47, 0x2d, 0x7b], [0x3b, 0x52, 0x8b], [0x2c, 0x72, 0x8e], [0x21, 0x90, 0x8c],
  [0x27, 0xad, 0x81], [0x5d, 0xc8, 0x63], [0xaa, 0xdc, 0x32], [0xfd, 0xe7, 0x25],
];

/** The colour of NaN values in a heat map. */
export const NAN_COLOR: Rgb = [128, 128, 128];

/**
 * The viridis colour of t ∈ [0, 1] (values outside are clamped; NaN gives NAN_COLOR).
 *
 * @example
 * viridis(0.5); // [33, 144, 140] (teal)
 */
export const viridis = (t: number): Rgb => {
  if (Number.isNaN(t)) return NAN_COLOR;
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const k = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - k;
  const a = STOPS[k]!;
  const b = STOPS[k + 1]!;
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
};

/** Options of `heatmap`, e.g. `{ min: 0, max: 1 }` for probabilities. */
export interface HeatmapOptions {
  /** Value drawn as t = 0 (default: the smallest finite value). */
  readonly min?: number;
  /** Value drawn as t = 1 (default: the largest finite value). */
  readonly max?: number;
  /** Colour map (default viridis). */
  readonly colormap?: (t: number) => Rgb;
}

/**
 * A row-major `width × height` float image as colours, t = (v − min)/(max − min) clamped to
 * [0, 1]; a constant image (max = min) maps to t = ½. Throws a RangeError when
 * `values.length ≠ width·height`.
 *
 * @example
 * declare const probabilities: Float32Array; // 388 × 388, row-major
 * heatmap(probabilities, 388, 388, { min: 0, max: 1 }); // a foreground probability map
 */
export const heatmap = (values: ArrayLike<number>, width: number, height: number, opts: HeatmapOptions = {}): Raster => {
  if (values.length !== width * height) throw new RangeError(`heatmap: ${values.length} values, ${width}×${height} needs ${width * height}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  }
  const min = opts.min ?? lo;
  const max = opts.max ?? hi;
  const map = opts.colormap ?? viridis;
  const out = raster(width, height);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const t = Number.isNaN(v) ? NaN : max > min ? (v - min) / (max - min) : 0.5;
    out.data.set(map(t), 3 * i);
  }
  return out;
};
