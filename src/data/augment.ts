/**
 * Data augmentation (paper Sec. 3.1), all drawn from a seeded `Rng`.
 *
 * Geometry is one coordinate map per tile, composed of (output pixel → source):
 *   p ↦ centre + shift + R(θ) · D · (p − c + e(p))
 * with c the tile centre, e the elastic displacement, D one of the 8 flips/rotations by
 * 90° (the dihedral group), R(θ) a rotation and `shift` a translation. The elastic field
 * follows the paper: "random displacement vectors on a coarse 3 by 3 grid … sampled from a
 * Gaussian distribution with 10 pixels standard deviation. Per-pixel displacements are
 * then computed using bicubic interpolation" (cubic convolution over the grid nodes, the
 * grid mirrored at its edges). The map is applied once, to image (bicubic), labels and
 * weights (nearest), so all three stay aligned; points outside the source read its mirror
 * extrapolation.
 *
 * Grey values (the paper's "gray value variations"): per tile, gamma γ = e^{N(0, s_γ²)}
 * on the tile's min–max range, contrast c = e^{N(0, s_c²)} about the tile mean, and a
 * brightness shift b·std with b ~ N(0, s_b²).
 *
 * @example
 * import { sampleTransform, coordMap } from './augment.js';
 * const t = sampleTransform()(rng(1));
 * const map = coordMap(t, { width: 188, height: 188 }, { x: 128, y: 128 });
 */
import type { Rng } from '../tensor/random.js';
import { image, type Image } from './image.js';
import { upsampleCubic, type CoordMap } from './interpolate.js';

export interface GrayOptions {
  /** Std of the brightness shift, in units of the tile's std (default 0.1). */
  readonly brightness?: number;
  /** Std of the log contrast factor (default 0.1). */
  readonly contrast?: number;
  /** Std of the log gamma (default 0.1). */
  readonly gamma?: number;
}

export interface AugmentOptions {
  /** Std of the coarse-grid displacements in px (default 10; 0 = no elastic deformation). */
  readonly elasticSigma?: number;
  /** Coarse grid nodes per axis (default 3). */
  readonly elasticGrid?: number;
  /** Rotation drawn uniformly from ±maxRotation radians (default π/12). */
  readonly maxRotation?: number;
  /** Translation drawn uniformly from ±maxShift px per axis (default 0: tile sampling already shifts). */
  readonly maxShift?: number;
  /** Draw one of the 8 flips / 90° rotations (default true). */
  readonly dihedral?: boolean;
  /** Grey-value variation, or false for none (default: the GrayOptions defaults). */
  readonly gray?: GrayOptions | false;
}

/**
 * Every augmentation off: `coordMap` is then a plain crop.
 *
 * @example
 * declare const item: TrainingItem;
 * sampleTile({ input: 188, output: 4, augment: noAugmentation }, rng(1))(item);
 */
export const noAugmentation: AugmentOptions = { elasticSigma: 0, maxRotation: 0, maxShift: 0, dihedral: false, gray: false };

/** The drawn parameters of one geometric transform. */
export interface Transform {
  /** Dihedral element 0…7: bits 0–1 = quarter turns, bit 2 = mirror x first. */
  readonly dihedral: number;
  /** Rotation angle in radians. */
  readonly angle: number;
  readonly shiftX: number;
  readonly shiftY: number;
  /** Grid nodes per axis. */
  readonly grid: number;
  /** Node displacements, grid × grid pairs (dx, dy), row-major. */
  readonly displacements: Float32Array;
}

/** Drawn grey-value parameters. */
export interface GrayParams {
  readonly brightness: number;
  readonly contrast: number;
  readonly gamma: number;
}

/**
 * The identity transform (no displacement, no rotation, no flip).
 *
 * @example
 * import { sampleImage } from './interpolate.js';
 * const { width: w, height: h } = img;
 * sampleImage(coordMap(identityTransform, { width: w, height: h }, { x: (w - 1) / 2, y: (h - 1) / 2 }))(img); // = img
 */
export const identityTransform: Transform = { dihedral: 0, angle: 0, shiftX: 0, shiftY: 0, grid: 3, displacements: new Float32Array(18) };

/**
 * Draws a geometric transform.
 *
 * @example
 * sampleTransform({ maxRotation: Math.PI })(rng(7)).angle;
 */
export const sampleTransform = (opts: AugmentOptions = {}) => (r: Rng): Transform => {
  const grid = opts.elasticGrid ?? 3;
  const sigma = opts.elasticSigma ?? 10;
  const maxRot = opts.maxRotation ?? Math.PI / 12;
  const maxShift = opts.maxShift ?? 0;
  const displacements = new Float32Array(2 * grid * grid);
  if (sigma > 0) for (let i = 0; i < displacements.length; i++) displacements[i] = sigma * r.normal();
  return {
    dihedral: opts.dihedral ?? true ? r.int(8) : 0,
    angle: maxRot > 0 ? (2 * r.uniform() - 1) * maxRot : 0,
    shiftX: maxShift > 0 ? (2 * r.uniform() - 1) * maxShift : 0,
    shiftY: maxShift > 0 ? (2 * r.uniform() - 1) * maxShift : 0,
    grid,
    displacements,
  };
};

/**
 * The dense elastic displacement field of a width × height tile: the grid node vectors
 * interpolated by cubic convolution (grid nodes span the tile corner to corner).
 *
 * @example
 * const t = sampleTransform()(rng(1));
 * const { dx, dy } = elasticField(t, 188, 188);
 */
export const elasticField = (t: Transform, width: number, height: number): { readonly dx: Float32Array; readonly dy: Float32Array } => {
  const g = t.grid;
  if (t.displacements.every((v) => v === 0)) return { dx: new Float32Array(width * height), dy: new Float32Array(width * height) };
  const gx = Float32Array.from({ length: g * g }, (_, k) => t.displacements[2 * k]!);
  const gy = Float32Array.from({ length: g * g }, (_, k) => t.displacements[2 * k + 1]!);
  return { dx: upsampleCubic(gx, g, g, width, height), dy: upsampleCubic(gy, g, g, width, height) };
};

/**
 * The coordinate map of a transform for an output tile of `size`, centred at `centre` in
 * source pixel coordinates (a tile at origin (x0, y0) has centre x0 + (W − 1)/2, …).
 *
 * @example
 * coordMap(identityTransform, { width: 4, height: 4 }, { x: 1.5, y: 1.5 }); // reads pixels 0…3
 */
export const coordMap = (
  t: Transform,
  size: { readonly width: number; readonly height: number },
  centre: { readonly x: number; readonly y: number },
): CoordMap => {
  const { width: w, height: h } = size;
  const { dx, dy } = elasticField(t, w, h);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const cos = Math.cos(t.angle);
  const sin = Math.sin(t.angle);
  const quarter = t.dihedral & 3;
  const flip = (t.dihedral & 4) !== 0;
  const ox = centre.x + t.shiftX;
  const oy = centre.y + t.shiftY;
  const x = new Float32Array(w * h);
  const y = new Float32Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const k = j * w + i;
      const u0 = (flip ? -1 : 1) * (i - cx + dx[k]!);
      const v0 = j - cy + dy[k]!;
      // Quarter turns: (u, v) ↦ (−v, u) applied `quarter` times.
      const u = quarter === 0 ? u0 : quarter === 1 ? -v0 : quarter === 2 ? -u0 : v0;
      const v = quarter === 0 ? v0 : quarter === 1 ? u0 : quarter === 2 ? -v0 : -u0;
      x[k] = ox + cos * u - sin * v;
      y[k] = oy + sin * u + cos * v;
    }
  }
  return { width: w, height: h, x, y };
};

/**
 * Draws grey-value parameters (identity when `opts` is false).
 *
 * @example
 * sampleGray({ gamma: 0.2 })(rng(3));
 */
export const sampleGray = (opts: GrayOptions | false = {}) => (r: Rng): GrayParams =>
  opts === false
    ? { brightness: 0, contrast: 1, gamma: 1 }
    : {
        brightness: (opts.brightness ?? 0.1) * r.normal(),
        contrast: Math.exp((opts.contrast ?? 0.1) * r.normal()),
        gamma: Math.exp((opts.gamma ?? 0.1) * r.normal()),
      };

/**
 * Applies grey-value parameters to every channel: gamma on the channel's min–max range,
 * then contrast about the mean, then brightness in units of the std.
 *
 * @example
 * grayValue({ brightness: 0, contrast: 1, gamma: 1 })(img); // equal to img
 */
export const grayValue = (p: GrayParams) => (img: Image): Image => {
  const n = img.width * img.height;
  const out = new Float32Array(img.data.length);
  for (let c = 0; c < img.channels; c++) {
    const o = c * n;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = o; i < o + n; i++) {
      lo = Math.min(lo, img.data[i]!);
      hi = Math.max(hi, img.data[i]!);
    }
    const range = hi - lo;
    let sum = 0;
    for (let i = o; i < o + n; i++) {
      const x = img.data[i]!;
      out[i] = p.gamma === 1 || range === 0 ? x : lo + range * Math.pow((x - lo) / range, p.gamma);
      sum += out[i]!;
    }
    const mean = sum / n;
    let v = 0;
    for (let i = o; i < o + n; i++) v += (out[i]! - mean) ** 2;
    const shift = p.brightness * Math.sqrt(v / n);
    for (let i = o; i < o + n; i++) out[i] = mean + p.contrast * (out[i]! - mean) + shift;
  }
  return image(img.width, img.height, img.channels, out);
};
