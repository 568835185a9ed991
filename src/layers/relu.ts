/**
 * ReLU, max(0, x) — the nonlinearity after every 3×3 conv (paper Sec. 2).
 * VJP: dx = dy · [y > 0] (the subgradient 0 is taken at x = 0).
 * Kernels: src/kernels/relu.ts.
 */
import { sameShapeRule } from '../tensor/shape.js';
import { orThrow } from '../tensor/shape-error.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { reluBackward, reluForward } from '../kernels/relu.js';
import type { OpRule } from './op.js';

/** Float64 reference forward. */
export const reluRef = (x: Tensor64): Tensor64 => ({ shape: x.shape, data: x.data.map((v) => (v > 0 ? v : 0)) });

/** Float64 reference VJP. */
export const reluRefVjp = (x: Tensor64, dy: Tensor64): Tensor64 => ({
  shape: x.shape,
  data: dy.data.map((g, i) => (x.data[i]! > 0 ? g : 0)),
});

export const relu: OpRule<'relu'> = {
  forward: async (rt, [x]) => ({ out: await reluForward(rt, x), saved: null }),
  vjp: async (rt, dy, [x], y) => {
    orThrow(sameShapeRule('relu.vjp', x.shape, dy.shape));
    return [await reluBackward(rt, dy, y)] as const;
  },
};
