/**
 * Resampling through a coordinate map: output pixel (x, y) takes the source value at
 * (map.x[i], map.y[i]), i = y·W + x. One map moves image, labels and weights together, so
 * they stay aligned whatever the transform (Sec. 3.1 augmentation).
 *
 * Images: bicubic convolution (Keys 1981, a = −0.5, i.e. Catmull–Rom), which reproduces
 * the source exactly at integer positions, or bilinear. Labels and weights: nearest
 * neighbour, so no new label value is ever invented. Positions outside the source read
 * the mirror extrapolation (mirror.ts), like overlap-tile inference.
 *
 * @example
 * import { identityMap, sampleImage } from './interpolate.js';
 * sampleImage(identityMap(img.width, img.height))(img); // equal to img
 */
import { image, type Image } from './image.js';
import { labelMap, type LabelMap } from './labels.js';
import { mirrorIndex } from './mirror.js';

/** Source coordinates (x, y) for every pixel of a width × height output. */
export interface CoordMap {
  readonly width: number;
  readonly height: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
}

export type Interpolation = 'cubic' | 'linear' | 'nearest';

/** A single-channel float grid (a weight map). */
export interface Plane {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/**
 * The map that reads every pixel from itself.
 *
 * @example
 * identityMap(2, 1).x; // [0, 1]
 */
export const identityMap = (width: number, height: number): CoordMap => {
  const x = new Float32Array(width * height);
  const y = new Float32Array(width * height);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      x[j * width + i] = i;
      y[j * width + i] = j;
    }
  }
  return { width, height, x, y };
};

/**
 * Keys cubic-convolution weights (a = −0.5) of taps −1, 0, 1, 2 at fraction t ∈ [0, 1).
 *
 * @example
 * cubicWeights(0); // [0, 1, 0, 0]
 */
export const cubicWeights = (t: number): readonly [number, number, number, number] => {
  const t2 = t * t;
  const t3 = t2 * t;
  return [-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1, -1.5 * t3 + 2 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2];
};

/** Value of one plane at real position (x, y) with the given interpolation. */
const sampler = (mode: Interpolation, d: Float32Array, off: number, w: number, h: number) => (x: number, y: number): number => {
  if (mode === 'nearest') return d[off + mirrorIndex(h, Math.floor(y + 0.5)) * w + mirrorIndex(w, Math.floor(x + 0.5))]!;
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  if (mode === 'linear') {
    const x0 = mirrorIndex(w, ix);
    const x1 = mirrorIndex(w, ix + 1);
    const r0 = off + mirrorIndex(h, iy) * w;
    const r1 = off + mirrorIndex(h, iy + 1) * w;
    const top = d[r0 + x0]! * (1 - fx) + d[r0 + x1]! * fx;
    const bottom = d[r1 + x0]! * (1 - fx) + d[r1 + x1]! * fx;
    return top * (1 - fy) + bottom * fy;
  }
  // Tap columns / rows; the mirror is only consulted near the border.
  const inX = ix >= 1 && ix + 2 < w;
  const inY = iy >= 1 && iy + 2 < h;
  const c0 = inX ? ix - 1 : mirrorIndex(w, ix - 1);
  const c1 = inX ? ix : mirrorIndex(w, ix);
  const c2 = inX ? ix + 1 : mirrorIndex(w, ix + 1);
  const c3 = inX ? ix + 2 : mirrorIndex(w, ix + 2);
  const r0 = off + (inY ? iy - 1 : mirrorIndex(h, iy - 1)) * w;
  const r1 = off + (inY ? iy : mirrorIndex(h, iy)) * w;
  const r2 = off + (inY ? iy + 1 : mirrorIndex(h, iy + 1)) * w;
  const r3 = off + (inY ? iy + 2 : mirrorIndex(h, iy + 2)) * w;
  // Keys weights inlined (no arrays in the per-pixel path).
  const x2 = fx * fx;
  const x3 = x2 * fx;
  const a0 = -0.5 * x3 + x2 - 0.5 * fx;
  const a1 = 1.5 * x3 - 2.5 * x2 + 1;
  const a2 = -1.5 * x3 + 2 * x2 + 0.5 * fx;
  const a3 = 0.5 * x3 - 0.5 * x2;
  const y2 = fy * fy;
  const y3 = y2 * fy;
  const b0 = -0.5 * y3 + y2 - 0.5 * fy;
  const b1 = 1.5 * y3 - 2.5 * y2 + 1;
  const b2 = -1.5 * y3 + 2 * y2 + 0.5 * fy;
  const b3 = 0.5 * y3 - 0.5 * y2;
  // Skipping zero weights keeps integer positions exact even next to ±∞ or NaN.
  let s = b1 * (a0 * d[r1 + c0]! + a1 * d[r1 + c1]! + a2 * d[r1 + c2]! + a3 * d[r1 + c3]!);
  if (b0 !== 0) s += b0 * (a0 * d[r0 + c0]! + a1 * d[r0 + c1]! + a2 * d[r0 + c2]! + a3 * d[r0 + c3]!);
  if (b2 !== 0) s += b2 * (a0 * d[r2 + c0]! + a1 * d[r2 + c1]! + a2 * d[r2 + c2]! + a3 * d[r2 + c3]!);
  if (b3 !== 0) s += b3 * (a0 * d[r3 + c0]! + a1 * d[r3 + c1]! + a2 * d[r3 + c2]! + a3 * d[r3 + c3]!);
  return s;
};

/**
 * Resamples every channel of an image through `map` (default bicubic).
 *
 * @example
 * declare const map: CoordMap;
 * sampleImage(map, 'linear')(img);
 */
export const sampleImage =
  (map: CoordMap, mode: Interpolation = 'cubic') =>
  (img: Image): Image => {
    const n = map.width * map.height;
    const out = new Float32Array(n * img.channels);
    for (let c = 0; c < img.channels; c++) {
      const at = sampler(mode, img.data, c * img.width * img.height, img.width, img.height);
      for (let i = 0; i < n; i++) out[c * n + i] = at(map.x[i]!, map.y[i]!);
    }
    return image(map.width, map.height, img.channels, out);
  };

/**
 * Resamples a label map through `map` by nearest neighbour: output values ⊆ input values.
 *
 * @example
 * declare const map: CoordMap;
 * declare const classes: LabelMap;
 * sampleLabels(map)(classes);
 */
export const sampleLabels = (map: CoordMap) => (m: LabelMap): LabelMap => {
  const n = map.width * map.height;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const sx = mirrorIndex(m.width, Math.floor(map.x[i]! + 0.5));
    const sy = mirrorIndex(m.height, Math.floor(map.y[i]! + 0.5));
    out[i] = m.data[sy * m.width + sx]!;
  }
  return labelMap(map.width, map.height, out);
};

/**
 * Resamples a float plane (a weight map) through `map`, nearest neighbour by default.
 *
 * @example
 * declare const map: CoordMap;
 * declare const weights: Plane; // e.g. a WeightMap
 * samplePlane(map)(weights).data;
 */
export const samplePlane =
  (map: CoordMap, mode: Interpolation = 'nearest') =>
  (p: Plane): Plane => {
    const n = map.width * map.height;
    const out = new Float32Array(n);
    const at = sampler(mode, p.data, 0, p.width, p.height);
    for (let i = 0; i < n; i++) out[i] = at(map.x[i]!, map.y[i]!);
    return { width: map.width, height: map.height, data: out };
  };

/**
 * 1 where the map reads inside a width × height source (nearest pixel within bounds),
 * 0 where it reads the mirror extrapolation.
 *
 * @example
 * declare const map: CoordMap;
 * inside(map, img.width, img.height);
 */
export const inside = (map: CoordMap, width: number, height: number): Uint8Array => {
  const out = new Uint8Array(map.width * map.height);
  for (let i = 0; i < out.length; i++) {
    const x = Math.floor(map.x[i]! + 0.5);
    const y = Math.floor(map.y[i]! + 0.5);
    out[i] = x >= 0 && y >= 0 && x < width && y < height ? 1 : 0;
  }
  return out;
};

/**
 * The sub-map of `rect` (e.g. the output crop of an input tile's map).
 *
 * @example
 * const m = identityMap(572, 572);
 * cropMap({ x: 92, y: 92, width: 388, height: 388 })(m);
 */
export const cropMap =
  (rect: { readonly x: number; readonly y: number; readonly width: number; readonly height: number }) =>
  (m: CoordMap): CoordMap => {
    const x = new Float32Array(rect.width * rect.height);
    const y = new Float32Array(rect.width * rect.height);
    for (let j = 0; j < rect.height; j++) {
      for (let i = 0; i < rect.width; i++) {
        const s = (rect.y + j) * m.width + rect.x + i;
        x[j * rect.width + i] = m.x[s]!;
        y[j * rect.width + i] = m.y[s]!;
      }
    }
    return { width: rect.width, height: rect.height, x, y };
  };

/**
 * Bicubic upsampling of a gw × gh grid of node values to a w × h field, the nodes
 * spanning the field corner to corner (node k of an axis at pixel k·(w − 1)/(gw − 1)),
 * the grid mirrored at its edges. Separable: rows of nodes are first interpolated in y,
 * then each pixel needs 4 taps in x.
 *
 * @example
 * upsampleCubic(Float32Array.of(0, 1, 0, 1), 2, 2, 3, 3); // [0, 0.5, 1, …]
 */
export const upsampleCubic = (grid: ArrayLike<number>, gw: number, gh: number, w: number, h: number): Float32Array => {
  const axis = (n: number, g: number): { idx: Int32Array; wt: Float64Array } => {
    const idx = new Int32Array(4 * n);
    const wt = new Float64Array(4 * n);
    for (let i = 0; i < n; i++) {
      const u = n > 1 ? (i * (g - 1)) / (n - 1) : 0;
      const k = Math.min(Math.floor(u), Math.max(0, g - 1));
      const c = cubicWeights(u - k);
      for (let j = 0; j < 4; j++) {
        idx[4 * i + j] = mirrorIndex(g, k - 1 + j);
        wt[4 * i + j] = c[j]!;
      }
    }
    return { idx, wt };
  };
  const ax = axis(w, gw);
  const ay = axis(h, gh);
  const row = new Float64Array(gw);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let k = 0; k < gw; k++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s += ay.wt[4 * y + j]! * grid[ay.idx[4 * y + j]! * gw + k]!;
      row[k] = s;
    }
    for (let x = 0; x < w; x++) {
      const b = 4 * x;
      out[y * w + x] =
        ax.wt[b]! * row[ax.idx[b]!]! + ax.wt[b + 1]! * row[ax.idx[b + 1]!]! + ax.wt[b + 2]! * row[ax.idx[b + 2]!]! + ax.wt[b + 3]! * row[ax.idx[b + 3]!]!;
    }
  }
  return out;
};
