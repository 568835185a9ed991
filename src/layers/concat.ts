/**
 * Channel concatenation [a; b] — the skip connections of the U (paper Sec. 2: "a
 * concatenation with the correspondingly cropped feature map from the contracting path").
 *
 *   y[n, c, i, j] = a[n, c, i, j]        for c < Ca
 *                 = b[n, c − Ca, i, j]   for Ca ≤ c < Ca + Cb
 *
 * VJP: dy split along channels, da = dy[:, :Ca], db = dy[:, Ca:].
 *
 * Kernels: src/kernels/concat.ts.
 */
import { concatShape, sameShapeRule } from '../tensor/shape.js';
import { orThrow } from '../tensor/shape-error.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { channelSlice, concatForward } from '../kernels/concat.js';
import type { OpRule } from './op.js';

/** Float64 reference forward (assumes equal N, H, W). */
export const concatRef = (a: Tensor64, b: Tensor64): Tensor64 => {
  const [n, ca, h, w] = a.shape;
  const cb = b.shape[1];
  const plane = h * w;
  const out = new Float64Array(n * (ca + cb) * plane);
  for (let i = 0; i < n; i++) {
    out.set(a.data.subarray(i * ca * plane, (i + 1) * ca * plane), i * (ca + cb) * plane);
    out.set(b.data.subarray(i * cb * plane, (i + 1) * cb * plane), (i * (ca + cb) + ca) * plane);
  }
  return { shape: [n, ca + cb, h, w], data: out };
};

/** Float64 reference VJP: [da, db], dy split along channels. */
export const concatRefVjp = (a: Tensor64, b: Tensor64, dy: Tensor64): readonly [Tensor64, Tensor64] => {
  const [n, ca, h, w] = a.shape;
  const cb = b.shape[1];
  const plane = h * w;
  const da = new Float64Array(a.data.length);
  const db = new Float64Array(b.data.length);
  for (let i = 0; i < n; i++) {
    da.set(dy.data.subarray(i * (ca + cb) * plane, (i * (ca + cb) + ca) * plane), i * ca * plane);
    db.set(dy.data.subarray((i * (ca + cb) + ca) * plane, (i + 1) * (ca + cb) * plane), i * cb * plane);
  }
  return [
    { shape: a.shape, data: da },
    { shape: b.shape, data: db },
  ];
};

export const concat: OpRule<'concat'> = {
  forward: async (rt, [a, b]) => ({ out: await concatForward(rt, a, b, orThrow(concatShape(a.shape, b.shape))), saved: null }),
  vjp: async (rt, dy, [a, b]) => {
    orThrow(sameShapeRule('concat.vjp', orThrow(concatShape(a.shape, b.shape)), dy.shape));
    return [await channelSlice(rt, dy, a.shape, 0), await channelSlice(rt, dy, b.shape, a.shape[1])] as const;
  },
};
