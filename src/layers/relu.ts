/**
 * ReLU, max(0, x) — the nonlinearity after every 3×3 conv (paper Sec. 2).
 * VJP: dx = dy · [y > 0] (the subgradient 0 is taken at x = 0).
 */
import { sameShapeRule } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import type { OpRule } from '../autodiff/op.js';
import { shapeOrThrow } from '../autodiff/op.js';
import { runPointwise } from './elementwise.js';

/** Float64 reference forward. */
export const reluRef = (x: Tensor64): Tensor64 => ({ shape: x.shape, data: x.data.map((v) => (v > 0 ? v : 0)) });

/** Float64 reference VJP. */
export const reluRefVjp = (x: Tensor64, dy: Tensor64): Tensor64 => ({
  shape: x.shape,
  data: dy.data.map((g, i) => (x.data[i]! > 0 ? g : 0)),
});

function reluKernel(this: { thread: { x: number; y: number; z: number } }, x: number[][][]): number {
  return Math.max(x[this.thread.z]![this.thread.y]![this.thread.x]!, 0);
}

function reluBackwardKernel(this: { thread: { x: number; y: number; z: number } }, dy: number[][][], y: number[][][]): number {
  return y[this.thread.z]![this.thread.y]![this.thread.x]! > 0 ? dy[this.thread.z]![this.thread.y]![this.thread.x]! : 0;
}

export const relu: OpRule<'relu'> = {
  forward: async (rt, [x]) => ({ out: await runPointwise(rt, 'relu.forward', reluKernel, x.shape, [x]), saved: null }),
  vjp: async (rt, dy, [x], y) => {
    shapeOrThrow(sameShapeRule('relu.vjp', x.shape, dy.shape));
    return [await runPointwise(rt, 'relu.vjp', reluBackwardKernel, x.shape, [dy, y])] as const;
  },
};

