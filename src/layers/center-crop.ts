/**
 * Center crop of a feature map to h×w — the cropping of the contracting path's feature map
 * before it is concatenated into the expansive path (paper Sec. 2: "The cropping is necessary
 * due to the loss of border pixels in every convolution").
 *
 *   y[n, c, i, j] = x[n, c, i + oy, j + ox],   oy = (H − h) / 2,  ox = (W − w) / 2
 *
 * (the shape rule requires even margins, so the crop is exactly centred).
 * VJP: dy padded with zeros back to the input shape,
 *   dx[n, c, i, j] = dy[n, c, i − oy, j − ox] inside the window, 0 outside.
 *
 * Kernels use the [W, H, N·C] 3-D layout of ./elementwise.ts (no index above 2^24 at paper
 * sizes: the level-1 map 64×568×568 is 20.6 M values, notes trap 1).
 */
import { centerCropShape, sameShapeRule } from '../tensor/shape.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import type { Attrs, OpRule } from '../autodiff/op.js';
import { shapeOrThrow } from '../autodiff/op.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './elementwise.js';

type CropAttrs = Attrs<'centerCrop'>;

/** Float64 reference forward. Assumes a valid crop (the op checks the shape rule). */
export const centerCropRef = (x: Tensor64, { h, w }: CropAttrs): Tensor64 => {
  const [n, c, H, W] = x.shape;
  const oy = (H - h) / 2;
  const ox = (W - w) / 2;
  const out = new Float64Array(n * c * h * w);
  for (let nc = 0; nc < n * c; nc++) {
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[(nc * h + i) * w + j] = x.data[(nc * H + i + oy) * W + j + ox]!;
  }
  return { shape: [n, c, h, w], data: out };
};

/** Float64 reference VJP: dy zero-padded to the shape of x. */
export const centerCropRefVjp = (x: Tensor64, dy: Tensor64, { h, w }: CropAttrs): Tensor64 => {
  const [n, c, H, W] = x.shape;
  const oy = (H - h) / 2;
  const ox = (W - w) / 2;
  const dx = new Float64Array(x.data.length);
  for (let nc = 0; nc < n * c; nc++) {
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) dx[(nc * H + i + oy) * W + j + ox] = dy.data[(nc * h + i) * w + j]!;
  }
  return { shape: x.shape, data: dx };
};

function centerCropKernel(this: KernelThis, x: number[][][]): number {
  return x[this.thread.z]![this.thread.y + this.constants.OY!]![this.thread.x + this.constants.OX!]!;
}

// One thread per input element; reads dy only inside the crop window (no out-of-range reads).
function centerCropBackwardKernel(this: KernelThis, dy: number[][][]): number {
  const i = this.thread.y - this.constants.OY!;
  const j = this.thread.x - this.constants.OX!;
  if (i >= 0 && i < this.constants.H! && j >= 0 && j < this.constants.W!) {
    return dy[this.thread.z]![i]![j]!;
  }
  return 0;
}

export const centerCrop: OpRule<'centerCrop'> = {
  forward: async (rt, [x], attrs) => {
    const shape = shapeOrThrow(centerCropShape(x.shape, attrs.h, attrs.w));
    const constants = { OY: (x.shape[2] - attrs.h) / 2, OX: (x.shape[3] - attrs.w) / 2 };
    return { out: await runPointwise(rt, 'centerCrop.forward', centerCropKernel, shape, [x], constants), saved: null };
  },
  vjp: async (rt, dy, [x], _out, attrs) => {
    const yShape = shapeOrThrow(centerCropShape(x.shape, attrs.h, attrs.w));
    shapeOrThrow(sameShapeRule('centerCrop.vjp', yShape, dy.shape));
    const constants = { OY: (x.shape[2] - attrs.h) / 2, OX: (x.shape[3] - attrs.w) / 2, H: attrs.h, W: attrs.w };
    return [await runPointwise(rt, 'centerCrop.vjp', centerCropBackwardKernel, x.shape, [dy], constants)] as const;
  },
};
