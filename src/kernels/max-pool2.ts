/**
 * GPU.js kernels of 2×2 max-pooling (src/layers/max-pool2.ts), layout [W, H, N·C] so no index
 * exceeds 2^24 at paper sizes (64×568×568 = 20.6 M values, docs/gpujs-traps.md, trap 1). The
 * backward kernel has one thread per INPUT element: it recomputes its window's chosen position
 * from x and keeps dy only if it is that position — no scatter, no atomics. Both kernels pick
 * the first maximum in row-major window order, as the float64 reference does. The backward
 * kernel runs where tensors live on the device (a resident runtime); elsewhere the same selection
 * is one host pass, faster there than the kernel with its upload and read-back.
 */
import { size, unsafeTensor, type Shape } from '../tensor/tensor.js';
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';
import { hostData } from './layout.js';

function maxPool2Kernel(this: KernelThis, x: number[][][]): number {
  const y0 = this.thread.y * 2;
  const x0 = this.thread.x * 2;
  const a = x[this.thread.z]![y0]![x0]!;
  const b = x[this.thread.z]![y0]![x0 + 1]!;
  const c = x[this.thread.z]![y0 + 1]![x0]!;
  const d = x[this.thread.z]![y0 + 1]![x0 + 1]!;
  // Same selection as the backward kernel and the reference (first maximum wins), so the
  // output is bit-for-bit the chosen element (also for −0 vs 0).
  let best = a;
  if (b > best) {
    best = b;
  }
  if (c > best) {
    best = c;
  }
  if (d > best) {
    best = d;
  }
  return best;
}

// One thread per input element (x, y, z) of x [W, H, N·C]; dy is [W/2, H/2, N·C].
function maxPool2BackwardKernel(this: KernelThis, x: number[][][], dy: number[][][]): number {
  const oy = Math.floor(this.thread.y / 2);
  const ox = Math.floor(this.thread.x / 2);
  const a = x[this.thread.z]![oy * 2]![ox * 2]!;
  const b = x[this.thread.z]![oy * 2]![ox * 2 + 1]!;
  const c = x[this.thread.z]![oy * 2 + 1]![ox * 2]!;
  const d = x[this.thread.z]![oy * 2 + 1]![ox * 2 + 1]!;
  // First maximum in row-major window order: strict '>' keeps the earlier of tied elements.
  let best = a;
  let pick = 0;
  if (b > best) {
    best = b;
    pick = 1;
  }
  if (c > best) {
    best = c;
    pick = 2;
  }
  if (d > best) {
    best = d;
    pick = 3;
  }
  const mine = (this.thread.y - oy * 2) * 2 + (this.thread.x - ox * 2);
  if (mine === pick) {
    return dy[this.thread.z]![oy]![ox]!;
  }
  return 0;
}

/**
 * The pooled map of shape `out` ([N, C, H/2, W/2]), by a kernel on every backend (on webasm
 * the kernel, copies included, beat a host pass: 43 vs 113 ms at 64×568²).
 */
export const maxPool2Forward = (rt: Runtime, x: AnyTensor, out: Shape): Promise<AnyTensor> => runPointwise(rt, 'maxPool2.forward', maxPool2Kernel, out, [x]);

/** dx by a kernel, always: each window's dy routed to its chosen element. */
export const maxPool2BackwardOnDevice = (rt: Runtime, x: AnyTensor, dy: AnyTensor): Promise<AnyTensor> =>
  runPointwise(rt, 'maxPool2.vjp', maxPool2BackwardKernel, x.shape, [x, dy]);

/**
 * dx: each window's dy routed to its chosen element; a kernel on a resident runtime, one host
 * pass elsewhere (webasm at 64×568²: 109 ms, the kernel with its copies 185 ms; median of 3 after a first call).
 */
export const maxPool2Backward = async (rt: Runtime, x: AnyTensor, dy: AnyTensor): Promise<AnyTensor> => {
  if (rt.resident || size(dy.shape) === 0) return maxPool2BackwardOnDevice(rt, x, dy);
  const [xs, g] = [hostData('maxPool2.vjp', x), hostData('maxPool2.vjp', dy)];
  const [n, c, oh, ow] = dy.shape;
  const w = 2 * ow;
  const dx = rt.alloc(xs.length);
  // window by window, dy to the first maximum in row-major order (the kernels' choice)
  let o = 0;
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++) {
      let k = (p * 2 * oh + 2 * i) * w;
      for (let j = 0; j < ow; j++, k += 2, o++) {
        let best = k;
        if (xs[k + 1]! > xs[best]!) best = k + 1;
        if (xs[k + w]! > xs[best]!) best = k + w;
        if (xs[k + w + 1]! > xs[best]!) best = k + w + 1;
        dx[best] = g[o]!;
      }
    }
  return unsafeTensor(x.shape, dx);
};
