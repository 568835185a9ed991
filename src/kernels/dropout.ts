/**
 * GPU.js kernel of dropout (src/layers/dropout.ts): the product with the saved, scaled mask,
 * used by the forward (x · mask) and the VJP (dy · mask). Layout [W, H, N·C]. The mask is a
 * host tensor: on a resident runtime it reaches the device as a kernel argument.
 */
import { size, unsafeTensor } from '../tensor/tensor.js';
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';

function maskKernel(this: KernelThis, x: number[][][], mask: number[][][]): number {
  return x[this.thread.z]![this.thread.y]![this.thread.x]! * mask[this.thread.z]![this.thread.y]![this.thread.x]!;
}

/** x · mask element-wise; `op` names the pass ('dropout.forward', 'dropout.vjp'). An empty x is returned as is. */
export const applyMask = async (rt: Runtime, op: string, x: AnyTensor, mask: AnyTensor): Promise<AnyTensor> =>
  size(x.shape) === 0 ? unsafeTensor(x.shape, new Float32Array(0)) : runPointwise(rt, op, maskKernel, x.shape, [x, mask]);
