/** Error measures and small tensors shared by the loss tests. */
import { maxErrors } from '../../src/tensor/tensor64.js';
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
