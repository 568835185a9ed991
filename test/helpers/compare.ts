/** Error measures and small tensors shared by the layer tests. */
import { maxErrors, type Tensor64 } from '../../src/tensor/tensor64.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** A [1, 1, 1, 1] tensor holding v (a scalar loss's cotangent). */
export const scalar = (v: number): Tensor => ({ shape: [1, 1, 1, 1], data: Float32Array.of(v) });

/** |a − b| / |b|. */
export const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

/** Max |a − b| relative to max |b| (gradients are O(1/pixels); an element-wise floor would hide errors). */
export const normRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(b[i]!));
  return maxErrors(a, b).abs / m;
};

/** Float32 unit round-off 2^-24. */
export const U = 2 ** -24;

/**
 * The dot-product error bound of the conv tests: max_i |got − ref| / (2·K·2^-24·absSum_i), where
 * every value is a sum of K float32 products whose float32 error is at most γ_K·Σ|terms|
 * (γ_K ≈ K·2^-24, any summation order) and absSum = Σ|terms| from the float64 reference on
 * absolute values. ≤ 1 passes; NaN counts as Infinity.
 */
export const boundRatio = (got: ArrayLike<number>, ref: ArrayLike<number>, absSum: ArrayLike<number>, k: number): number => {
  if (got.length !== ref.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.abs(got[i]! - ref[i]!) / (2 * k * U * absSum[i]! + 1e-30);
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
};

/** |t| element-wise (for the absSum of `boundRatio`). */
export const abs64 = (t: Tensor64): Tensor64 => ({ shape: t.shape, data: t.data.map(Math.abs) });
