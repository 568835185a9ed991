/**
 * 2×2 max-pooling with stride 2 — the downsampling step of the contracting path (paper Sec. 2:
 * "a 2×2 max pooling operation with stride 2 for downsampling").
 *
 *   y[n, c, i, j] = max over (a, b) ∈ {0,1}² of x[n, c, 2i + a, 2j + b]
 *
 * VJP: the whole cotangent of a window goes to the element that was chosen as its max,
 *   dx[n, c, 2i + a, 2j + b] = dy[n, c, i, j] if (a, b) is the chosen position, else 0.
 *
 * Tie rule (deterministic, identical in the kernel and the reference): the chosen position is
 * the FIRST maximum in row-major window order (0,0), (0,1), (1,0), (1,1); it gets all of dy,
 * the other tied elements get 0. (This is a valid subgradient of max.)
 *
 * Kernels use the [W, H, N·C] 3-D layout of ./elementwise.ts so no index exceeds 2^24 at
 * paper sizes (64×568×568 = 20.6 M values, notes trap 1). The backward kernel has one thread
 * per INPUT element: it recomputes its window's chosen position from x and keeps dy only if
 * it is that position — no scatter, no atomics.
 */
import { maxPool2Shape, sameShapeRule } from '../tensor/shape.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import type { OpRule } from '../autodiff/op.js';
import { shapeOrThrow } from '../autodiff/op.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './elementwise.js';

/** Flat index of the chosen (first row-major maximum) element of window (nc, i, j), in float64. */
const chosen = (x: Tensor64, nc: number, i: number, j: number): number => {
  const [, , h, w] = x.shape;
  const base = (nc * h + 2 * i) * w + 2 * j;
  const cands = [base, base + 1, base + w, base + w + 1];
  let best = cands[0]!;
  for (let k = 1; k < 4; k++) if (x.data[cands[k]!]! > x.data[best]!) best = cands[k]!;
  return best;
};

/** Float64 reference forward: the value of the chosen element of each window. */
export const maxPool2Ref = (x: Tensor64): Tensor64 => {
  const [n, c, h, w] = x.shape;
  const ho = h / 2;
  const wo = w / 2;
  const out = new Float64Array(n * c * ho * wo);
  for (let nc = 0; nc < n * c; nc++) {
    for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) out[(nc * ho + i) * wo + j] = x.data[chosen(x, nc, i, j)]!;
  }
  return { shape: [n, c, ho, wo], data: out };
};

/** Float64 reference VJP: dy routed to the chosen element of each window (first max on ties). */
export const maxPool2RefVjp = (x: Tensor64, dy: Tensor64): Tensor64 => {
  const [n, c, h, w] = x.shape;
  const ho = h / 2;
  const wo = w / 2;
  const dx = new Float64Array(x.data.length);
  for (let nc = 0; nc < n * c; nc++) {
    for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) dx[chosen(x, nc, i, j)] = dy.data[(nc * ho + i) * wo + j]!;
  }
  return { shape: x.shape, data: dx };
};

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

export const maxPool2: OpRule<'maxPool2'> = {
  forward: async (rt, [x]) => {
    const shape = shapeOrThrow(maxPool2Shape(x.shape));
    return { out: await runPointwise(rt, 'maxPool2.forward', maxPool2Kernel, shape, [x]), saved: null };
  },
  vjp: async (rt, dy, [x]) => {
    const yShape = shapeOrThrow(maxPool2Shape(x.shape));
    shapeOrThrow(sameShapeRule('maxPool2.vjp', yShape, dy.shape));
    const dx = await runPointwise(rt, 'maxPool2.vjp', maxPool2BackwardKernel, x.shape, [x, dy]);
    return [dx] as const;
  },
};
