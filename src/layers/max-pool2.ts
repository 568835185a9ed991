/**
 * 2×2 max-pooling with stride 2 — the downsampling step of the contracting path (paper Sec. 2:
 * "a 2×2 max pooling operation with stride 2 for downsampling").
 *
 *   y[n, c, i, j] = max over (a, b) ∈ {0,1}² of x[n, c, 2i + a, 2j + b]
 *
 * VJP: the whole cotangent of a window goes to the element that was chosen as its max,
 *   dx[n, c, 2i + a, 2j + b] = dy[n, c, i, j] if (a, b) is the chosen position, else 0.
 *
 * Tie rule (deterministic, identical in the kernel and the reference): the chosen position is
 * the FIRST maximum in row-major window order (0,0), (0,1), (1,0), (1,1); it gets all of dy,
 * the other tied elements get 0. (This is a valid subgradient of max.)
 *
 * Kernels: src/kernels/max-pool2.ts.
 */
import { maxPool2Shape, sameShapeRule } from '../tensor/shape.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { orThrow } from '../tensor/shape-error.js';
import { maxPool2Backward, maxPool2Forward } from '../kernels/max-pool2.js';
import type { OpRule } from './op.js';

/** Flat index of the chosen (first row-major maximum) element of window (nc, i, j), in float64. */
const chosen = (x: Tensor64, nc: number, i: number, j: number): number => {
  const [, , h, w] = x.shape;
  const base = (nc * h + 2 * i) * w + 2 * j;
  const cands = [base, base + 1, base + w, base + w + 1];
  let best = cands[0]!;
  for (let k = 1; k < 4; k++) if (x.data[cands[k]!]! > x.data[best]!) best = cands[k]!;
  return best;
};

/** Float64 reference forward: the value of the chosen element of each window. */
export const maxPool2Ref = (x: Tensor64): Tensor64 => {
  const [n, c, h, w] = x.shape;
  const ho = h / 2;
  const wo = w / 2;
  const out = new Float64Array(n * c * ho * wo);
  for (let nc = 0; nc < n * c; nc++) {
    for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) out[(nc * ho + i) * wo + j] = x.data[chosen(x, nc, i, j)]!;
  }
  return { shape: [n, c, ho, wo], data: out };
};

/** Float64 reference VJP: dy routed to the chosen element of each window (first max on ties). */
export const maxPool2RefVjp = (x: Tensor64, dy: Tensor64): Tensor64 => {
  const [n, c, h, w] = x.shape;
  const ho = h / 2;
  const wo = w / 2;
  const dx = new Float64Array(x.data.length);
  for (let nc = 0; nc < n * c; nc++) {
    for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) dx[chosen(x, nc, i, j)] = dy.data[(nc * ho + i) * wo + j]!;
  }
  return { shape: x.shape, data: dx };
};

export const maxPool2: OpRule<'maxPool2'> = {
  forward: async (rt, [x]) => {
    const shape = orThrow(maxPool2Shape(x.shape));
    return { out: await maxPool2Forward(rt, x, shape), saved: null };
  },
  vjp: async (rt, dy, [x]) => {
    const yShape = orThrow(maxPool2Shape(x.shape));
    orThrow(sameShapeRule('maxPool2.vjp', yShape, dy.shape));
    return [await maxPool2Backward(rt, x, dy)] as const;
  },
};
