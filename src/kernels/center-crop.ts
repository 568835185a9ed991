/**
 * GPU.js kernels of the centre crop (src/layers/center-crop.ts), layout [W, H, N·C]: no index
 * above 2^24 at paper sizes (the level-1 map 64×568×568 is 20.6 M values, docs/gpujs-traps.md, trap 1).
 */
import type { Shape } from '../tensor/tensor.js';
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';

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

/** The centre `out[2]`×`out[3]` window of x (even margins, checked by the op). */
export const centerCropForward = (rt: Runtime, x: AnyTensor, out: Shape): Promise<AnyTensor> =>
  runPointwise(rt, 'centerCrop.forward', centerCropKernel, out, [x], { OY: (x.shape[2] - out[2]) / 2, OX: (x.shape[3] - out[3]) / 2 });

/** dy zero-padded back to `xShape`. */
export const centerCropBackward = (rt: Runtime, dy: AnyTensor, xShape: Shape): Promise<AnyTensor> => {
  const [, , h, w] = dy.shape;
  const constants = { OY: (xShape[2] - h) / 2, OX: (xShape[3] - w) / 2, H: h, W: w };
  return runPointwise(rt, 'centerCrop.vjp', centerCropBackwardKernel, xShape, [dy], constants);
};
