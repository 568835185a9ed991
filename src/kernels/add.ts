/** GPU.js kernel of the element-wise sum (src/layers/add.ts), layout [W, H, N·C]. */
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';

function addKernel(this: KernelThis, a: number[][][], b: number[][][]): number {
  return a[this.thread.z]![this.thread.y]![this.thread.x]! + b[this.thread.z]![this.thread.y]![this.thread.x]!;
}

/** a + b (equal shapes, checked by the op). */
export const addForward = (rt: Runtime, a: AnyTensor, b: AnyTensor): Promise<AnyTensor> => runPointwise(rt, 'add.forward', addKernel, a.shape, [a, b]);
