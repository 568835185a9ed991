/**
 * GPU.js kernel of the element-wise sum (src/layers/add.ts), layout [W, H, N·C]; used where
 * tensors live on the device (a resident runtime). Elsewhere the sum is one host pass: the sum
 * of two float32 values computed in float64 and stored to float32 is the float32 sum, exactly.
 */
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';
import { hostData } from './layout.js';
import { unsafeTensor } from '../tensor/tensor.js';

function addKernel(this: KernelThis, a: number[][][], b: number[][][]): number {
  return a[this.thread.z]![this.thread.y]![this.thread.x]! + b[this.thread.z]![this.thread.y]![this.thread.x]!;
}

/** a + b (equal shapes, checked by the op), by a kernel, always. */
export const addOnDevice = (rt: Runtime, a: AnyTensor, b: AnyTensor): Promise<AnyTensor> => runPointwise(rt, 'add.forward', addKernel, a.shape, [a, b]);

/** a + b (equal shapes, checked by the op): a kernel on a resident runtime, one host pass elsewhere. */
export const addForward = async (rt: Runtime, a: AnyTensor, b: AnyTensor): Promise<AnyTensor> => {
  if (rt.resident) return addOnDevice(rt, a, b);
  const [x, y] = [hostData('add.forward', a), hostData('add.forward', b)];
  const s = rt.alloc(x.length, false);
  for (let i = 0; i < x.length; i++) s[i] = x[i]! + y[i]!;
  return unsafeTensor(a.shape, s);
};
