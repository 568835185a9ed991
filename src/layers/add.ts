/**
 * Element-wise sum. The autodiff uses it to accumulate the cotangents of a value that feeds
 * two ops (each contracting level's output feeds both the max-pool and the skip connection).
 */
import { sameShapeRule } from '../tensor/shape.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import type { OpRule } from '../autodiff/op.js';
import { shapeOrThrow } from '../autodiff/op.js';
import { runPointwise } from './elementwise.js';

export const addRef = (a: Tensor64, b: Tensor64): Tensor64 => ({ shape: a.shape, data: a.data.map((v, i) => v + b.data[i]!) });

function addKernel(this: { thread: { x: number; y: number; z: number } }, a: number[][][], b: number[][][]): number {
  return a[this.thread.z]![this.thread.y]![this.thread.x]! + b[this.thread.z]![this.thread.y]![this.thread.x]!;
}

export const add: OpRule<'add'> = {
  forward: async (rt, [a, b]) => {
    const shape = shapeOrThrow(sameShapeRule('add', a.shape, b.shape));
    return { out: await runPointwise(rt, 'add.forward', addKernel, shape, [a, b]), saved: null };
  },
  vjp: async (_rt, dy) => [dy, dy] as const,
};
