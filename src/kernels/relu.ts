/**
 * GPU.js kernels of ReLU (src/layers/relu.ts): one thread per element, layout [W, H, N·C].
 * The VJP mask dy · [y > 0] runs as a kernel where tensors live on the device (a resident
 * runtime); elsewhere it is one host pass, as the conv layouts are (./layout.ts): a kernel there
 * costs two uploads and a read-back around a loop that does no arithmetic.
 */
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';
import { hostData } from './layout.js';
import { unsafeTensor } from '../tensor/tensor.js';

function reluKernel(this: KernelThis, x: number[][][]): number {
  return Math.max(x[this.thread.z]![this.thread.y]![this.thread.x]!, 0);
}

function reluBackwardKernel(this: KernelThis, dy: number[][][], y: number[][][]): number {
  return y[this.thread.z]![this.thread.y]![this.thread.x]! > 0 ? dy[this.thread.z]![this.thread.y]![this.thread.x]! : 0;
}

/** max(0, x). */
export const reluForward = (rt: Runtime, x: AnyTensor): Promise<AnyTensor> => runPointwise(rt, 'relu.forward', reluKernel, x.shape, [x]);

/** dy · [y > 0], from the forward's output y, by a kernel, always. */
export const reluBackwardOnDevice = (rt: Runtime, dy: AnyTensor, y: AnyTensor): Promise<AnyTensor> =>
  runPointwise(rt, 'relu.vjp', reluBackwardKernel, dy.shape, [dy, y]);

/** dy · [y > 0], from the forward's output y: a kernel on a resident runtime, one host pass elsewhere. */
export const reluBackward = async (rt: Runtime, dy: AnyTensor, y: AnyTensor): Promise<AnyTensor> => {
  if (rt.resident) return reluBackwardOnDevice(rt, dy, y);
  const g = hostData('relu.vjp', dy);
  const v = hostData('relu.vjp', y);
  const dx = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) dx[i] = v[i]! > 0 ? g[i]! : 0;
  return unsafeTensor(dy.shape, dx);
};
