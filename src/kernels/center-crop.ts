/**
 * GPU.js kernels of the centre crop (src/layers/center-crop.ts), layout [W, H, N·C]: no index
 * above 2^24 at paper sizes (the level-1 map 64×568×568 is 20.6 M values, docs/gpujs-traps.md, trap 1).
 * Pure copies: kernels where tensors live on the device (a resident runtime), host row copies
 * elsewhere, as in ./concat.ts.
 */
import { size, unsafeTensor, type Shape } from '../tensor/tensor.js';
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';
import { hostData } from './layout.js';

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

/** The centre `out[2]`×`out[3]` window of x (even margins, checked by the op), by a kernel, always. */
export const centerCropOnDevice = (rt: Runtime, x: AnyTensor, out: Shape): Promise<AnyTensor> =>
  runPointwise(rt, 'centerCrop.forward', centerCropKernel, out, [x], { OY: (x.shape[2] - out[2]) / 2, OX: (x.shape[3] - out[3]) / 2 });

/** dy zero-padded back to `xShape`, by a kernel, always. */
export const centerCropBackwardOnDevice = (rt: Runtime, dy: AnyTensor, xShape: Shape): Promise<AnyTensor> => {
  const [, , h, w] = dy.shape;
  const constants = { OY: (xShape[2] - h) / 2, OX: (xShape[3] - w) / 2, H: h, W: w };
  return runPointwise(rt, 'centerCrop.vjp', centerCropBackwardKernel, xShape, [dy], constants);
};

/** Row k of every plane: `inner` (h×w planes) at offset (oy, ox) of `outer` (H×W planes), copied one way or the other. */
const copyWindow = (outer: Float32Array, inner: Float32Array, planes: number, [H, W]: readonly [number, number], [h, w]: readonly [number, number], toInner: boolean): void => {
  const [oy, ox] = [(H - h) / 2, (W - w) / 2];
  for (let p = 0; p < planes; p++)
    for (let i = 0; i < h; i++) {
      const o = (p * H + oy + i) * W + ox;
      const k = (p * h + i) * w;
      // element loops: a `subarray` per row is a JS object per row, garbage for the GC
      if (toInner) for (let x = 0; x < w; x++) inner[k + x] = outer[o + x]!;
      else for (let x = 0; x < w; x++) outer[o + x] = inner[k + x]!;
    }
};

/** The centre `out[2]`×`out[3]` window of x (even margins, checked by the op): a kernel on a resident runtime, host row copies elsewhere. */
export const centerCropForward = async (rt: Runtime, x: AnyTensor, out: Shape): Promise<AnyTensor> => {
  if (rt.resident || size(out) === 0) return centerCropOnDevice(rt, x, out);
  const y = rt.alloc(size(out), false);
  copyWindow(hostData('centerCrop.forward', x), y, out[0] * out[1], [x.shape[2], x.shape[3]], [out[2], out[3]], true);
  return unsafeTensor(out, y);
};

/** dy zero-padded back to `xShape`: a kernel on a resident runtime, host row copies elsewhere. */
export const centerCropBackward = async (rt: Runtime, dy: AnyTensor, xShape: Shape): Promise<AnyTensor> => {
  if (rt.resident || size(dy.shape) === 0) return centerCropBackwardOnDevice(rt, dy, xShape);
  const dx = rt.alloc(size(xShape));
  copyWindow(dx, hostData('centerCrop.vjp', dy), xShape[0] * xShape[1], [xShape[2], xShape[3]], [dy.shape[2], dy.shape[3]], false);
  return unsafeTensor(xShape, dx);
};
