/**
 * Channel concatenation [a; b] — the skip connections of the U (paper Sec. 2: "a
 * concatenation with the correspondingly cropped feature map from the contracting path").
 *
 *   y[n, c, i, j] = a[n, c, i, j]        for c < Ca
 *                 = b[n, c − Ca, i, j]   for Ca ≤ c < Ca + Cb
 *
 * VJP: dy split along channels, da = dy[:, :Ca], db = dy[:, Ca:].
 *
 * Kernels use the [W, H, N·C] 3-D layout of ./elementwise.ts (the concatenated level-1 map
 * 128×392×392 is 19.7 M values, beyond the 2^24 flat-index limit of notes trap 1).
 */
import { concatShape, sameShapeRule } from '../tensor/shape.js';
import type { Shape } from '../tensor/tensor.js';
import { size, unsafeTensor } from '../tensor/tensor.js';
import { storedOf, tensorOf, type AnyTensor } from '../tensor/device-tensor.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import type { OpRule } from '../autodiff/op.js';
import { shapeOrThrow } from '../autodiff/op.js';
import type { KernelThis } from '../runtime/gpujs.js';
import type { Runtime } from '../runtime/runtime.js';
import { runPointwise } from './elementwise.js';

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

// Thread (x, y, z) of the output [W, H, N·C], C = CA + CB: z = n·C + c.
function concatKernel(this: KernelThis, a: number[][][], b: number[][][]): number {
  const n = Math.floor(this.thread.z / this.constants.C!);
  const c = this.thread.z - n * this.constants.C!;
  if (c < this.constants.CA!) {
    return a[n * this.constants.CA! + c]![this.thread.y]![this.thread.x]!;
  }
  return b[n * this.constants.CB! + c - this.constants.CA!]![this.thread.y]![this.thread.x]!;
}

// Thread (x, y, z) of a part [W, H, N·CP] (CP = CA or CB), reading channel OFF + c of dy.
function concatSplitKernel(this: KernelThis, dy: number[][][]): number {
  const n = Math.floor(this.thread.z / this.constants.CP!);
  const c = this.thread.z - n * this.constants.CP!;
  return dy[n * this.constants.C! + this.constants.OFF! + c]![this.thread.y]![this.thread.x]!;
}

/** Channels [off, off + cp) of dy as a tensor of shape `part`. */
const split = async (rt: Runtime, dy: AnyTensor, part: Shape, off: number): Promise<AnyTensor> =>
  size(part) === 0
    ? unsafeTensor(part, new Float32Array(0))
    : runPointwise(rt, 'concat.vjp', concatSplitKernel, part, [dy], { C: dy.shape[1], CP: part[1], OFF: off });

export const concat: OpRule<'concat'> = {
  forward: async (rt, [a, b]) => {
    const shape = shapeOrThrow(concatShape(a.shape, b.shape));
    // An empty part (0 channels) cannot be a kernel argument; the other part is the result
    // (tensors are immutable, so sharing its values, on the host or the device, is safe).
    if (size(shape) === 0) return { out: unsafeTensor(shape, new Float32Array(0)), saved: null };
    if (size(a.shape) === 0) return { out: tensorOf(shape, storedOf(b)), saved: null };
    if (size(b.shape) === 0) return { out: tensorOf(shape, storedOf(a)), saved: null };
    const constants = { C: shape[1], CA: a.shape[1], CB: b.shape[1] };
    return { out: await runPointwise(rt, 'concat.forward', concatKernel, shape, [a, b], constants), saved: null };
  },
  vjp: async (rt, dy, [a, b]) => {
    const yShape = shapeOrThrow(concatShape(a.shape, b.shape));
    shapeOrThrow(sameShapeRule('concat.vjp', yShape, dy.shape));
    return [await split(rt, dy, a.shape, 0), await split(rt, dy, b.shape, a.shape[1])] as const;
  },
};
