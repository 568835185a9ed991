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
 * Kernels and where the per-class sums I_k, Σp_k, Σy_k are reduced (host float64 or device):
 * src/kernels/soft-dice.ts. D_k, S_k, the loss and the VJP coefficients are formed here, on the
 * host in float64, from those 3K numbers.
 */
import type { Shape } from '../tensor/tensor.js';
import { unsafeTensor } from '../tensor/tensor.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { readTensor } from '../tensor/device-tensor.js';
import { OpShapeError, showShape } from '../tensor/shape-error.js';
import { softmax } from '../kernels/softmax.js';
import { classSums, classSumsOnHost, diceGrad, type ClassSums } from '../kernels/soft-dice.js';
import type { OpRule } from './op.js';
import { checkLabels } from './validate.js';
import { softmaxRef } from './softmax-cross-entropy.js';

const OP = 'softDice';

/** The smoothing term ε of the Dice ratio (see the header). */
export const DICE_EPS = 1;

/** Throws OpShapeError unless logits are [N, K ≥ 2, H, W] and labels [N, 1, H, W]. */
const checkShapes = (logits: Shape, labels: Shape): void => {
  const [n, k, h, w] = logits;
  if (k < 2) throw new OpShapeError(`${OP}: logits ${showShape(logits)} have ${k} classes; expected at least 2 (class 0 is background)`);
  if (labels[0] !== n || labels[1] !== 1 || labels[2] !== h || labels[3] !== w) {
    throw new OpShapeError(`${OP}: labels ${showShape(labels)} do not match logits ${showShape(logits)}; expected ${showShape([n, 1, h, w])}`);
  }
};

/** S_k = Σp_k + Σy_k + ε and D_k = (2 I_k + ε) / S_k for k ≥ 1, in float64 (index 0 unused). */
export interface Dice {
  readonly s: Float64Array;
  readonly d: Float64Array;
}

export const diceOf = ({ inter, sumP, sumY }: ClassSums, k: number): Dice => {
  const s = new Float64Array(k);
  const d = new Float64Array(k);
  for (let c = 1; c < k; c++) {
    s[c] = sumP[c]! + sumY[c]! + DICE_EPS;
    d[c] = (2 * inter[c]! + DICE_EPS) / s[c]!;
  }
  return { s, d };
};

const lossOf = ({ d }: Dice, k: number): number => {
  let sum = 0;
  for (let c = 1; c < k; c++) sum += d[c]!;
  return 1 - sum / (k - 1);
};

/** Float64 reference loss 1 − mean_{k≥1} D_k, as a [1, 1, 1, 1] tensor. */
export const softDiceRef = (logits: Tensor64, labels: Tensor64): Tensor64 => {
  const p = softmaxRef(logits);
  const k = logits.shape[1];
  return { shape: [1, 1, 1, 1], data: Float64Array.of(lossOf(diceOf(classSumsOnHost(p.data, labels.data, logits.shape), k), k)) };
};

/** Float64 reference VJP: dlogits_j = p_j (g_j − Σ_k p_k g_k), g_k = α_k (D_k − 2 y_k), g_0 = 0. */
export const softDiceRefVjp = (logits: Tensor64, labels: Tensor64, dy: Tensor64): Tensor64 => {
  const [n, k, h, w] = logits.shape;
  const plane = h * w;
  const p = softmaxRef(logits);
  const { s, d } = diceOf(classSumsOnHost(p.data, labels.data, logits.shape), k);
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

export const softDice: OpRule<'softDice'> = {
  forward: async (rt, [logits, labels]) => {
    checkShapes(logits.shape, labels.shape);
    const k = logits.shape[1];
    checkLabels(OP, await readTensor(rt, labels), k);
    const probs = await softmax(rt, `${OP}.softmax`, logits);
    const loss = lossOf(diceOf(await classSums(rt, probs, labels), k), k);
    return { out: unsafeTensor([1, 1, 1, 1], Float32Array.of(loss)), saved: { probs } };
  },
  vjp: async (rt, dy, [logits, labels], _out, _attrs, { probs }) => {
    checkShapes(logits.shape, labels.shape);
    if (dy.shape.join() !== '1,1,1,1') throw new OpShapeError(`${OP}.vjp: cotangent of shape ${showShape(dy.shape)}, expected the scalar [1, 1, 1, 1]`);
    if (probs.shape.join() !== logits.shape.join()) throw new OpShapeError(`${OP}.vjp: saved probs ${showShape(probs.shape)} do not match logits ${showShape(logits.shape)}`);
    const k = logits.shape[1];
    const { s, d } = diceOf(await classSums(rt, probs, labels), k);
    const dy0 = (await readTensor(rt, dy)).data[0]!;
    // coef = [α_0 … α_{K−1}, D_0 … D_{K−1}], α_k = dy / ((K − 1) S_k), α_0 = D_0 = 0 (header).
    const coef = new Float32Array(2 * k);
    for (let c = 1; c < k; c++) {
      coef[c] = dy0 / ((k - 1) * s[c]!);
      coef[k + c] = d[c]!;
    }
    return [await diceGrad(rt, probs, labels, coef), null] as const;
  },
};
