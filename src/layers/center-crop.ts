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
 * Kernels: src/kernels/center-crop.ts.
 */
import { centerCropShape, sameShapeRule } from '../tensor/shape.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { orThrow } from '../tensor/shape-error.js';
import { centerCropBackward, centerCropForward } from '../kernels/center-crop.js';
import type { Attrs, OpRule } from './op.js';

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

export const centerCrop: OpRule<'centerCrop'> = {
  forward: async (rt, [x], { h, w }) => ({ out: await centerCropForward(rt, x, orThrow(centerCropShape(x.shape, h, w))), saved: null }),
  vjp: async (rt, dy, [x], _out, { h, w }) => {
    orThrow(sameShapeRule('centerCrop.vjp', orThrow(centerCropShape(x.shape, h, w)), dy.shape));
    return [await centerCropBackward(rt, dy, x.shape)] as const;
  },
};
