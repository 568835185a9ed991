/**
 * Element-wise sum. The autodiff uses it to accumulate the cotangents of a value that feeds
 * two ops (each contracting level's output feeds both the max-pool and the skip connection).
 * VJP: da = db = dy. Kernel: src/kernels/add.ts.
 */
import { sameShapeRule } from '../tensor/shape.js';
import { orThrow } from '../tensor/shape-error.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { addForward } from '../kernels/add.js';
import type { OpRule } from './op.js';

export const addRef = (a: Tensor64, b: Tensor64): Tensor64 => ({ shape: a.shape, data: a.data.map((v, i) => v + b.data[i]!) });

export const add: OpRule<'add'> = {
  forward: async (rt, [a, b]) => {
    orThrow(sameShapeRule('add', a.shape, b.shape));
    return { out: await addForward(rt, a, b), saved: null };
  },
  vjp: async (_rt, dy) => [dy, dy] as const,
};
