/**
 * Segmentation overlays: a grey image with the contours of predicted objects and of the
 * ground truth drawn over it, and panels side by side.
 *
 * A contour pixel of a label map is an object pixel (label ≠ 0) with a 4-neighbour inside
 * the image that has a different label, i.e. the inner boundary of each object (scikit-image
 * `find_boundaries(mode='inner')`): contours lie on the objects, never on the background,
 * and two touching objects both get their edge drawn. The image border is not a contour.
 *
 * @example
 * import { heatmap } from './colormap.js';
 * declare const grey: Float32Array;     // 388 × 388 image, values 0 … 1
 * declare const predicted: Uint8Array;  // class (or instance) per pixel
 * declare const truth: Uint8Array;      // ground truth, same layout
 * declare const prob: Float32Array;     // foreground probability per pixel
 * const panel = overlay(grey, 388, 388, predicted, truth); // yellow = prediction, magenta = truth
 * const figure = sideBySide([heatmap(prob, 388, 388), panel], 8);
 */
import { raster, WHITE, type Raster, type Rgb } from './raster.js';

/** Contour colours of `overlay`, e.g. `{ truthColor: [0, 255, 255] }`. */
export interface OverlayOptions {
  /** Contours of the prediction only (default yellow). */
  readonly predictedColor?: Rgb;
  /** Contours of the ground truth only (default magenta). */
  readonly truthColor?: Rgb;
  /** Pixels on both contours (default white). */
  readonly bothColor?: Rgb;
}

/**
 * 1 where a pixel is on an object's inner contour (see above), else 0.
 *
 * @example
 * // 1 1 1 0       0 0 1 0
 * // 1 1 1 0   →   0 0 1 0    only the column next to the background; the image border
 * // 1 1 1 0       0 0 1 0    is not a contour
 * contourMask([1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0], 4, 3); // Uint8Array [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0]
 */
export const contourMask = (labels: ArrayLike<number>, width: number, height: number): Uint8Array => {
  const n = width * height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l === 0) continue;
    const x = i % width;
    const differs = (j: number) => labels[j] !== l;
    if ((x > 0 && differs(i - 1)) || (x < width - 1 && differs(i + 1)) || (i >= width && differs(i - width)) || (i + width < n && differs(i + width))) {
      out[i] = 1;
    }
  }
  return out;
};

/**
 * The grey image (values 0 … 1, clamped; NaN as black) with prediction and ground-truth
 * contours painted over it. Throws a RangeError when an array is not `width·height` long.
 *
 * @example
 * overlay(new Float32Array(4).fill(0.5), 2, 2, new Int32Array([1, 1, 0, 0])); // a 2×2 raster
 */
export const overlay = (
  grey: ArrayLike<number>,
  width: number,
  height: number,
  predicted: ArrayLike<number>,
  truth?: ArrayLike<number>,
  opts: OverlayOptions = {},
): Raster => {
  const n = width * height;
  for (const [name, a] of [['grey', grey], ['predicted', predicted], ['truth', truth ?? grey]] as const) {
    if (a.length !== n) throw new RangeError(`overlay: ${name} has ${a.length} values, ${width}×${height} needs ${n}`);
  }
  const p = contourMask(predicted, width, height);
  const t = truth === undefined ? new Uint8Array(n) : contourMask(truth, width, height);
  const out = raster(width, height);
  for (let i = 0; i < n; i++) {
    const g = grey[i]!;
    const v = Number.isNaN(g) ? 0 : Math.round(255 * Math.min(1, Math.max(0, g)));
    const c: Rgb =
      p[i] === 1 && t[i] === 1
        ? (opts.bothColor ?? WHITE)
        : p[i] === 1
          ? (opts.predictedColor ?? [255, 220, 0])
          : t[i] === 1
            ? (opts.truthColor ?? [255, 0, 255])
            : [v, v, v];
    out.data.set(c, 3 * i);
  }
  return out;
};

/**
 * Rasters in a row, top-aligned, `gap` pixels apart, on a background (white by default).
 *
 * @example
 * import { raster } from './raster.js';
 * sideBySide([raster(2, 2), raster(3, 1)], 1).width; // 6
 */
export const sideBySide = (rasters: readonly Raster[], gap = 8, background: Rgb = WHITE): Raster => {
  const width = rasters.reduce((w, r) => w + r.width, 0) + gap * Math.max(0, rasters.length - 1);
  const height = Math.max(0, ...rasters.map((r) => r.height));
  const out = raster(width, height, background);
  let x0 = 0;
  for (const r of rasters) {
    for (let y = 0; y < r.height; y++) out.data.set(r.data.subarray(3 * y * r.width, 3 * (y + 1) * r.width), 3 * (y * width + x0));
    x0 += r.width + gap;
  }
  return out;
};
