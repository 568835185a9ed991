/** GPU.js kernels of ReLU (src/layers/relu.ts): one thread per element, layout [W, H, N·C]. */
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';

function reluKernel(this: KernelThis, x: number[][][]): number {
  return Math.max(x[this.thread.z]![this.thread.y]![this.thread.x]!, 0);
}

function reluBackwardKernel(this: KernelThis, dy: number[][][], y: number[][][]): number {
  return y[this.thread.z]![this.thread.y]![this.thread.x]! > 0 ? dy[this.thread.z]![this.thread.y]![this.thread.x]! : 0;
}

/** max(0, x). */
export const reluForward = (rt: Runtime, x: AnyTensor): Promise<AnyTensor> => runPointwise(rt, 'relu.forward', reluKernel, x.shape, [x]);

/** dy · [y > 0], from the forward's output y. */
export const reluBackward = (rt: Runtime, dy: AnyTensor, y: AnyTensor): Promise<AnyTensor> =>
  runPointwise(rt, 'relu.vjp', reluBackwardKernel, dy.shape, [dy, y]);
