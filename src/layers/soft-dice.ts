/**
 * Soft Dice loss (Milletari, Navab & Ahmadi, "V-Net", 3DV 2016), an OPTIONAL auxiliary loss:
 * the U-Net paper trains with the weighted cross-entropy alone (./softmax-cross-entropy.ts).
 *
 * Why Dice: it is a ratio of overlap to size per class, so a small foreground class counts as
 * much as a large background (robust to class imbalance without a hand-made weight map), and it
 * optimises the overlap measure segmentations are judged by. Its gradient is global (it depends
 * on whole-batch sums), so it is usually added to the pixel-wise cross-entropy, not used alone.
 *
 * With p_k(x) the pixel-wise softmax of the logits a_k(x) and y_k(x) = [ℓ(x) = k] the one-hot
 * labels, for each FOREGROUND class k = 1 … K−1 (class 0, the background, is left out), with
 * sums over every pixel of every image in the batch:
 *   I_k = Σ_x p_k(x) y_k(x),   S_k = Σ_x p_k(x) + Σ_x y_k(x) + ε,
 *   D_k = (2 I_k + ε) / S_k,
 *   loss = 1 − (1 / (K − 1)) Σ_{k≥1} D_k          ∈ [0, 1)
 * SMOOTHING ε = 1 (in pixels, added to numerator and denominator): it keeps D_k defined when a
 * class is absent from both prediction and labels (D_k → ε/ε = 1, "nothing to find, nothing
 * found" is a perfect score) and softens the gradient of tiny classes.
 *
 * VJP. With dy the loss's scalar cotangent, since ∂I_k/∂p_k(x) = y_k(x) and ∂S_k/∂p_k(x) = 1:
 *   ∂D_k/∂p_k(x) = (2 y_k(x) S_k − (2 I_k + ε)) / S_k² = (2 y_k(x) − D_k) / S_k
 *   g_k(x) := ∂loss/∂p_k(x) = α_k · (D_k − 2 y_k(x)),   α_k = dy / ((K − 1) S_k),   g_0 = 0
 * then through the softmax Jacobian ∂p_k/∂a_j = p_k ([j = k] − p_j):
 *   ∂loss/∂a_j(x) = p_j(x) · (g_j(x) − Σ_k p_k(x) g_k(x)) = p_j(x) · Σ_k p_k(x) (g_j(x) − g_k(x))
 * (the second form uses Σ_k p_k = 1; the kernel uses it: no cancellation when p_j ≈ 1, where
 * the term k = j vanishes exactly). Labels are data: their cotangent is null.
 *
 * Shapes: logits [N, K, H, W] with K ≥ 2, labels [N, 1, H, W] (class indices as float32)
 * → a scalar [1, 1, 1, 1].
 *
 * Kernels (the [W, H, N·C] 3-D layout of ./elementwise.ts; every index stays below 2^24):
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
 *     `channelSums` of ./conv/reduce.ts (sums over n, y, x: the whole batch), and only the 3K
 *     sums are read back (relative error ~1e-6 at paper size: sequential sums of ~4096
 *     non-negative terms; Σy_k are integer counts, exact below 2^24).
 * In both cases D_k, S_k, the loss and the VJP coefficients are then formed on the host in
 * float64 from those 3K numbers.
 */
import type { Shape } from '../tensor/tensor.js';
import { unsafeTensor } from '../tensor/tensor.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { readTensor, tensorOf, type AnyTensor } from '../tensor/device-tensor.js';
import type { OpRule } from '../autodiff/op.js';
import { OpShapeError } from '../autodiff/op.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { arg1d, type KernelSpec, type Runtime } from '../runtime/runtime.js';
import { asArg, runPointwise } from './elementwise.js';
import { channelSums } from './conv/reduce.js';
import { checkLabels, softmaxKernel, softmaxRef } from './softmax-cross-entropy.js';

const OP = 'softDice';

/** The smoothing term ε of the Dice ratio (see the header). */
export const DICE_EPS = 1;

const show = (s: Shape): string => `[${s.join(', ')}]`;

/** Throws OpShapeError unless logits are [N, K ≥ 2, H, W] and labels [N, 1, H, W]. */
const checkShapes = (logits: Shape, labels: Shape): void => {
  const [n, k, h, w] = logits;
  if (k < 2) throw new OpShapeError(`${OP}: logits ${show(logits)} have ${k} classes; expected at least 2 (class 0 is background)`);
  if (labels[0] !== n || labels[1] !== 1 || labels[2] !== h || labels[3] !== w) {
    throw new OpShapeError(`${OP}: labels ${show(labels)} do not match logits ${show(logits)}; expected ${show([n, 1, h, w])}`);
  }
};

/** Per-class sums in float64: I_k = Σ p_k y_k, S_k = Σ p_k + Σ y_k + ε, D_k = (2 I_k + ε) / S_k. */
export interface DiceSums {
  readonly s: Float64Array;
  readonly d: Float64Array;
}

export const diceSums = (probs: ArrayLike<number>, labels: ArrayLike<number>, [n, k, h, w]: Shape): DiceSums => {
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
  return diceOf(inter, sumP, sumY, k);
};

/** S_k and D_k (k ≥ 1) from the per-class sums I_k, Σp_k, Σy_k, in float64. */
const diceOf = (inter: ArrayLike<number>, sumP: ArrayLike<number>, sumY: ArrayLike<number>, k: number): DiceSums => {
  const s = new Float64Array(k);
  const d = new Float64Array(k);
  for (let c = 1; c < k; c++) {
    s[c] = sumP[c]! + sumY[c]! + DICE_EPS;
    d[c] = (2 * inter[c]! + DICE_EPS) / s[c]!;
  }
  return { s, d };
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
 * The per-class sums of the probabilities `probs` and labels: on the device on a resident
 * runtime (only the 3K sums are read back), on the host in float64 elsewhere (see the header).
 */
/**
 * The per-class sums on the device (the resident path, header): the terms kernel and a two-stage
 * float32 sum; only 3K numbers come back. Exported so it is tested on every backend.
 */
export const diceSumsOnDevice = (rt: Runtime, probs: AnyTensor, labels: AnyTensor): Promise<DiceSums> =>
  rt.scope(async () => {
    const [n, k, h, w] = probs.shape;
    const spec: KernelSpec = { op: `${OP}.terms`, source: termsKernel, output: [w, h, n * 3 * k], constants: { K: k } };
    const terms = tensorOf([n, 3 * k, h, w], await rt.compute(spec, [asArg(probs), asArg(labels)]));
    const sums = await channelSums(rt, `${OP}.classSums`, terms);
    return diceOf(sums.subarray(k, 2 * k), sums.subarray(0, k), sums.subarray(2 * k, 3 * k), k);
  });

const diceSumsOf = async (rt: Runtime, probs: AnyTensor, labels: AnyTensor): Promise<DiceSums> =>
  rt.resident
    ? diceSumsOnDevice(rt, probs, labels)
    : diceSums((await readTensor(rt, probs)).data, (await readTensor(rt, labels)).data, probs.shape);

const lossOf = ({ d }: DiceSums, k: number): number => {
  let sum = 0;
  for (let c = 1; c < k; c++) sum += d[c]!;
  return 1 - sum / (k - 1);
};

/** Float64 reference loss 1 − mean_{k≥1} D_k, as a [1, 1, 1, 1] tensor. */
export const softDiceRef = (logits: Tensor64, labels: Tensor64): Tensor64 => {
  const p = softmaxRef(logits);
  return { shape: [1, 1, 1, 1], data: Float64Array.of(lossOf(diceSums(p.data, labels.data, logits.shape), logits.shape[1])) };
};

/** Float64 reference VJP: dlogits_j = p_j (g_j − Σ_k p_k g_k), g_k = α_k (D_k − 2 y_k), g_0 = 0. */
export const softDiceRefVjp = (logits: Tensor64, labels: Tensor64, dy: Tensor64): Tensor64 => {
  const [n, k, h, w] = logits.shape;
  const plane = h * w;
  const p = softmaxRef(logits);
  const { s, d } = diceSums(p.data, labels.data, logits.shape);
  const out = new Float64Array(logits.data.length);
  const g = new Float64Array(k);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < plane; q++) {
      const label = labels.data[b * plane + q]!;
      let pg = 0;
      for (let c = 1; c < k; c++) {
        g[c] = (dy.data[0]! / ((k - 1) * s[c]!)) * (d[c]! - (c === label ? 2 : 0));
        pg += p.data[(b * k + c) * plane + q]! * g[c]!;
      }
      for (let c = 0; c < k; c++) {
        const i = (b * k + c) * plane + q;
        out[i] = p.data[i]! * (g[c]! - pg);
      }
    }
  }
  return { shape: logits.shape, data: out };
};

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

export const softDice: OpRule<'softDice'> = {
  forward: async (rt, [logits, labels]) => {
    checkShapes(logits.shape, labels.shape);
    const k = logits.shape[1];
    checkLabels(OP, await readTensor(rt, labels), k);
    const probs = await runPointwise(rt, `${OP}.softmax`, softmaxKernel, logits.shape, [logits], { K: k });
    const loss = lossOf(await diceSumsOf(rt, probs, labels), k);
    return { out: unsafeTensor([1, 1, 1, 1], Float32Array.of(loss)), saved: { probs } };
  },
  vjp: async (rt, dy, [logits, labels], _out, _attrs, { probs }) => {
    checkShapes(logits.shape, labels.shape);
    if (dy.shape.join() !== '1,1,1,1') throw new OpShapeError(`${OP}.vjp: cotangent of shape ${show(dy.shape)}, expected the scalar [1, 1, 1, 1]`);
    if (probs.shape.join() !== logits.shape.join()) throw new OpShapeError(`${OP}.vjp: saved probs ${show(probs.shape)} do not match logits ${show(logits.shape)}`);
    const k = logits.shape[1];
    const { s, d } = await diceSumsOf(rt, probs, labels);
    const dy0 = (await readTensor(rt, dy)).data[0]!;
    const coef = new Float32Array(2 * k);
    for (let c = 1; c < k; c++) {
      coef[c] = dy0 / ((k - 1) * s[c]!);
      coef[k + c] = d[c]!;
    }
    const spec: KernelSpec = { op: `${OP}.vjp`, source: vjpKernel, output: [logits.shape[3], logits.shape[2], logits.shape[0] * k], constants: { K: k } };
    const dlogits = tensorOf(logits.shape, await rt.compute(spec, [asArg(probs), asArg(labels), arg1d(coef)]));
    return [dlogits, null] as const;
  },
};
