/**
 * Float64 tensors for the plain-TypeScript reference implementations. Every op has a float64
 * reference; kernels are tested against it, and finite differences are taken on it.
 */
import type { Shape, Tensor } from './tensor.js';
import { size } from './tensor.js';

export interface Tensor64 {
  readonly shape: Shape;
  readonly data: Float64Array;
}

export const to64 = (t: Tensor): Tensor64 => ({ shape: t.shape, data: Float64Array.from(t.data) });
export const to32 = (t: Tensor64): Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });
export const zeros64 = (shape: Shape): Tensor64 => ({ shape, data: new Float64Array(size(shape)) });

/** Max |a − b| and max |a − b| / max(|b|, floor) over all elements. */
export const maxErrors = (a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): { abs: number; rel: number } => {
  if (a.length !== b.length) throw new Error(`maxErrors: lengths ${a.length} and ${b.length} differ`);
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= abs)) abs = Number.isNaN(d) ? Infinity : d;
    const r = d / Math.max(Math.abs(b[i]!), floor);
    if (!(r <= rel)) rel = Number.isNaN(r) ? Infinity : r;
  }
  return { abs, rel };
};
