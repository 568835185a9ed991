/**
 * GPU.js kernels and reductions of the soft Dice loss (the math, reference and VJP:
 * src/layers/soft-dice.ts).
 *
 * Kernels (the [W, H, N·C] 3-D layout of ./pointwise.ts; every index stays below 2^24):
 *   - `softmax`: probs [N, K, H, W], max-subtracted; saved for the VJP;
 *   - `terms` (resident runtime only): the per-pixel terms [p_k, y_k·p_k, y_k] of every class as
 *     a [N, 3K, H, W] tensor, whose channel sums are Σp_k, I_k and Σy_k;
 *   - `vjp`: dlogits [N, K, H, W] from probs, labels and the per-class coefficients, passed as
 *     ONE small 1-D argument [α_0 … α_{K−1}, D_0 … D_{K−1}] (α_0 = D_0 = 0), not as constants,
 *     so the kernel is compiled once per shape, not once per step.
 * REDUCTIONS (I_k, Σp_k, Σy_k; forward and VJP both need them). Where they run depends on where
 * the probabilities are:
 *   - cpu, webasm (results on the host): on the HOST in float64 over the float32 probs (as the
 *     cross-entropy's: ~150 k pixels per paper tile, no float32 accumulation error);
 *   - a resident runtime (webgpu, results on the device): on the DEVICE, so the [N, K, H, W]
 *     probabilities never go to the host: the `terms` kernel, then the two-stage float32
 *     `channelSums` of ./reduce.ts (sums over n, y, x: the whole batch), and only the 3K
 *     sums are read back (relative error ~1e-6 at paper size: sequential sums of ~4096
 *     non-negative terms; Σy_k are integer counts, exact below 2^24).
 * In both cases the op (src/layers/soft-dice.ts) then forms D_k, S_k, the loss and the VJP
 * coefficients on the host in float64 from those 3K numbers.
 */
import type { Shape } from '../tensor/tensor.js';
import { readTensor, tensorOf, type AnyTensor } from '../tensor/device-tensor.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { arg1d, type KernelSpec, type Runtime } from '../runtime/core.js';
import { asArg } from './pointwise.js';
import { channelSums } from './reduce.js';

const OP = 'softDice';

/** Per-class sums over the batch: I_k = Σ p_k y_k, Σ p_k and Σ y_k (y_k = [ℓ = k]). */
export interface ClassSums {
  readonly inter: ArrayLike<number>;
  readonly sumP: ArrayLike<number>;
  readonly sumY: ArrayLike<number>;
}

/** The class sums in float64 from host probabilities [N, K, H, W] and labels [N, 1, H, W]. */
export const classSumsOnHost = (probs: ArrayLike<number>, labels: ArrayLike<number>, [n, k, h, w]: Shape): ClassSums => {
  const plane = h * w;
  const inter = new Float64Array(k);
  const sumP = new Float64Array(k);
  const sumY = new Float64Array(k);
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < k; c++) {
      const base = (b * k + c) * plane;
      let sp = 0;
      for (let q = 0; q < plane; q++) sp += probs[base + q]!;
      sumP[c] = sumP[c]! + sp;
    }
    for (let q = 0; q < plane; q++) {
      const label = labels[b * plane + q]!;
      inter[label] = inter[label]! + probs[(b * k + label) * plane + q]!;
      sumY[label] = sumY[label]! + 1;
    }
  }
  return { inter, sumP, sumY };
};

// Thread (x, y, z) of the terms [W, H, N·3K], z = n·3K + part·K + k: part 0 → p_k, 1 → y_k·p_k,
// 2 → y_k, with y_k = [ℓ = k]; its channel sums are Σp_k, I_k and Σy_k.
function termsKernel(this: KernelThis, probs: number[][][], labels: number[][][]): number {
  const n = Math.floor(this.thread.z / (3 * this.constants.K!));
  const t = this.thread.z - n * 3 * this.constants.K!;
  const part = Math.floor(t / this.constants.K!);
  const k = t - part * this.constants.K!;
  const p = probs[n * this.constants.K! + k]![this.thread.y]![this.thread.x]!;
  let yk = 0;
  if (Math.abs(k - labels[n]![this.thread.y]![this.thread.x]!) < 0.5) {
    yk = 1;
  }
  if (part < 0.5) {
    return p;
  }
  if (part < 1.5) {
    return yk * p;
  }
  return yk;
}

/**
 * The class sums on the device (the resident path, header): the terms kernel and a two-stage
 * float32 sum; only 3K numbers come back. Exported so it is tested on every backend.
 */
export const classSumsOnDevice = (rt: Runtime, probs: AnyTensor, labels: AnyTensor): Promise<ClassSums> =>
  rt.scope(async () => {
    const [n, k, h, w] = probs.shape;
    const spec: KernelSpec = { op: `${OP}.terms`, source: termsKernel, output: [w, h, n * 3 * k], constants: { K: k } };
    const terms = tensorOf([n, 3 * k, h, w], await rt.compute(spec, [asArg(probs), asArg(labels)]));
    const sums = await channelSums(rt, `${OP}.classSums`, terms);
    return { sumP: sums.subarray(0, k), inter: sums.subarray(k, 2 * k), sumY: sums.subarray(2 * k, 3 * k) };
  });

/** The class sums where the probabilities are: on the device on a resident runtime, on the host in float64 elsewhere. */
export const classSums = async (rt: Runtime, probs: AnyTensor, labels: AnyTensor): Promise<ClassSums> =>
  rt.resident ? classSumsOnDevice(rt, probs, labels) : classSumsOnHost((await readTensor(rt, probs)).data, (await readTensor(rt, labels)).data, probs.shape);

// Thread (x, y, z) of dlogits [W, H, N·K], z = n·K + j:  p_j · Σ_k p_k (g_j − g_k),
// g_k = coef[k] · (coef[K + k] − 2 [k = ℓ]), coef = [α_0 … α_{K−1}, D_0 … D_{K−1}], α_0 = D_0 = 0.
function vjpKernel(this: KernelThis, probs: number[][][], labels: number[][][], coef: number[]): number {
  const n = Math.floor(this.thread.z / this.constants.K!);
  const j = this.thread.z - n * this.constants.K!;
  const base = n * this.constants.K!;
  const label = labels[n]![this.thread.y]![this.thread.x]!;
  let yj = 0;
  if (Math.abs(j - label) < 0.5) {
    yj = 2;
  }
  const gj = coef[j]! * (coef[j + this.constants.K!]! - yj);
  let s = 0;
  for (let k = 0; k < this.constants.K!; k++) {
    let yk = 0;
    if (Math.abs(k - label) < 0.5) {
      yk = 2;
    }
    const gk = coef[k]! * (coef[k + this.constants.K!]! - yk);
    s += probs[base + k]![this.thread.y]![this.thread.x]! * (gj - gk);
  }
  return probs[this.thread.z]![this.thread.y]![this.thread.x]! * s;
}

/** dlogits [N, K, H, W] from the saved probs, the labels and coef = [α_0 … α_{K−1}, D_0 … D_{K−1}]. */
export const diceGrad = async (rt: Runtime, probs: AnyTensor, labels: AnyTensor, coef: Float32Array): Promise<AnyTensor> => {
  const [n, k, h, w] = probs.shape;
  const spec: KernelSpec = { op: `${OP}.vjp`, source: vjpKernel, output: [w, h, n * k], constants: { K: k } };
  return tensorOf(probs.shape, await rt.compute(spec, [asArg(probs), asArg(labels), arg1d(coef)]));
};
