/**
 * Exact Euclidean distance transform (EDT), Felzenszwalb & Huttenlocher, "Distance
 * Transforms of Sampled Functions", Theory of Computing 8 (2012).
 *
 * The squared EDT D(p) = min_q ‖p − q‖² over feature pixels q is separable:
 * D(x, y) = min_x' [ (x − x')² + min_y' ((y − y')² + f(x', y')) ], so a 1-D transform down
 * every column followed by one along every row gives the exact 2-D result. The 1-D
 * transform d(p) = min_q ((p − q)² + f(q)) is the lower envelope of parabolas rooted at
 * (q, f(q)); building the envelope left to right and reading it off is O(n), so the
 * whole transform is O(W·H). Distances are between pixel centres; with no feature pixel
 * at all every distance is +∞.
 *
 * @example
 * import { edt } from './distance.js';
 * edt({ width: 3, height: 1, data: Int32Array.of(1, 0, 0) }); // [0, 1, 2]
 */

/** A binary grid: a pixel is a feature when its value is non-zero. */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
}

/**
 * 1-D squared distance transform of the sampled function f (length n, +∞ = no root),
 * into out. v (Int32, n) and z (Float64, n + 1) are scratch arrays. Exact: the envelope
 * is built only from finite f, and every output is an exact integer sum.
 */
const dt1d = (f: Float64Array, n: number, out: Float64Array, v: Int32Array, z: Float64Array): void => {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    // Intersection of the parabola at q with the envelope's last one (at r); pop while
    // the new parabola is below the last one everywhere the last one was minimal.
    let r = v[k]!;
    let s = (fq + q * q - (f[r]! + r * r)) / (2 * (q - r));
    while (s <= z[k]!) {
      k--;
      r = v[k]!;
      s = (fq + q * q - (f[r]! + r * r)) / (2 * (q - r));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let p = 0; p < n; p++) {
    while (z[j + 1]! < p) j++;
    const r = v[j]!;
    out[p] = (p - r) * (p - r) + f[r]!;
  }
};

/**
 * Squared Euclidean distance of every pixel to the nearest feature (non-zero) pixel,
 * row-major, as exact integers (+∞ when the mask has no feature).
 *
 * @example
 * edtSquared({ width: 2, height: 2, data: [1, 0, 0, 0] }); // [0, 1, 1, 2]
 */
export const edtSquared = (mask: Mask): Float64Array => {
  const { width: w, height: h, data } = mask;
  const out = new Float64Array(w * h);
  const m = Math.max(w, h);
  const f = new Float64Array(m);
  const d = new Float64Array(m);
  const v = new Int32Array(m);
  const z = new Float64Array(m + 1);
  // Columns: distance along y to the nearest feature in the same column.
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = data[y * w + x] !== 0 ? 0 : Infinity;
    dt1d(f, h, d, v, z);
    for (let y = 0; y < h; y++) out[y * w + x] = d[y]!;
  }
  // Rows: combine the column results along x.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) f[x] = out[row + x]!;
    dt1d(f, w, d, v, z);
    for (let x = 0; x < w; x++) out[row + x] = d[x]!;
  }
  return out;
};

/**
 * Euclidean distance of every pixel to the nearest feature (non-zero) pixel.
 *
 * @example
 * edt({ width: 3, height: 3, data: [0, 0, 0, 0, 1, 0, 0, 0, 0] })[0]; // √2
 */
export const edt = (mask: Mask): Float32Array => {
  const sq = edtSquared(mask);
  const out = new Float32Array(sq.length);
  for (let i = 0; i < sq.length; i++) out[i] = Math.sqrt(sq[i]!);
  return out;
};
