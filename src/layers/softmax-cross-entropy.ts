/**
 * The training loss: weighted pixel-wise softmax cross-entropy (paper Sec. 3, Eq. 1).
 *
 * Pixel-wise softmax over the K class channels, at every pixel x:
 *   p_k(x) = exp(a_k(x)) / Σ_k' exp(a_k'(x))
 * The paper's energy is E = Σ_x w(x) · log p_ℓ(x)(x), with ℓ(x) the true class and w the
 * weight map (Eq. 2). We MINIMISE THE NEGATIVE and NORMALISE BY THE SUM OF THE WEIGHTS:
 *
 *   loss = −Σ_x w(x) · log p_ℓ(x)(x)  /  Σ_x w(x)
 *
 * The normalisation is our choice, not the paper's: it makes the loss (and so the learning
 * rate) independent of the tile size and of the scale of the weight map; multiplying w by a
 * constant leaves the loss unchanged.
 *
 * Numerically stable form, per pixel with m = max_k a_k and s = Σ_k exp(a_k − m):
 *   −log p_ℓ = log s + (m − a_ℓ)       (both terms ≥ 0: no cancellation)
 *   p_k      = exp(a_k − m) / s
 * VJP (dy is the loss's scalar cotangent):
 *   ∂loss/∂a_k(x) = dy · w(x) · (p_k(x) − [k = ℓ(x)]) / Σ_x w(x)
 * Labels and weights are data, not parameters: their cotangents are null.
 *
 * Shapes: logits [N, K, H, W], labels [N, 1, H, W] (class indices stored as float32),
 * weights [N, 1, H, W] → a scalar tensor [1, 1, 1, 1].
 *
 * Kernels (softmax, per-pixel loss and its sum, VJP; where the sum runs):
 * src/kernels/softmax-cross-entropy.ts. Σw is summed on the host in float64 on every backend:
 * the weights are a network input (a host tensor, read back only if a caller put it on the
 * device). Labels are validated on the host before any kernel runs.
 */
import { softmaxCrossEntropyShape } from '../tensor/shape.js';
import { unsafeTensor, type Tensor } from '../tensor/tensor.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { readTensor } from '../tensor/device-tensor.js';
import { OpShapeError, orThrow, showShape } from '../tensor/shape-error.js';
import { softmax } from '../kernels/softmax.js';
import { crossEntropyGrad, pixelLossSum } from '../kernels/softmax-cross-entropy.js';
import type { OpRule } from './op.js';
import { checkLabels } from './validate.js';

const OP = 'softmaxCrossEntropy';

/** Σ w in float64; throws unless it is positive and finite (the loss divides by it). */
const weightSum = (weights: Tensor): number => {
  let s = 0;
  for (const v of weights.data) s += v;
  if (!(s > 0 && Number.isFinite(s))) throw new RangeError(`${OP}: the weights sum to ${s}; expected a positive finite sum (the loss is normalised by Σw)`);
  return s;
};

/** At pixel q of image b: the flat index of class c, m = max_c a_c and s = Σ_c exp(a_c − m). */
const pixelStats = (logits: Tensor64, b: number, q: number): { readonly at: (c: number) => number; readonly m: number; readonly s: number } => {
  const [, k, h, w] = logits.shape;
  const at = (c: number): number => (b * k + c) * h * w + q;
  let m = -Infinity;
  for (let c = 0; c < k; c++) m = Math.max(m, logits.data[at(c)]!);
  let s = 0;
  for (let c = 0; c < k; c++) s += Math.exp(logits.data[at(c)]! - m);
  return { at, m, s };
};

/** Float64 reference: the pixel-wise softmax p_k(x) (max-subtracted), shape of the logits. */
export const softmaxRef = (logits: Tensor64): Tensor64 => {
  const [n, k, h, w] = logits.shape;
  const plane = h * w;
  const p = new Float64Array(logits.data.length);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < plane; q++) {
      const { at, m, s } = pixelStats(logits, b, q);
      for (let c = 0; c < k; c++) p[at(c)] = Math.exp(logits.data[at(c)]! - m) / s;
    }
  }
  return { shape: logits.shape, data: p };
};

/** Float64 reference loss −Σ w log p_ℓ / Σ w, as a [1, 1, 1, 1] tensor. */
export const softmaxCrossEntropyRef = (logits: Tensor64, labels: Tensor64, weights: Tensor64): Tensor64 => {
  const [n, , h, w] = logits.shape;
  const plane = h * w;
  let num = 0;
  let den = 0;
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < plane; q++) {
      const { at, m, s } = pixelStats(logits, b, q);
      const wt = weights.data[b * plane + q]!;
      const label = labels.data[b * plane + q]!;
      num += wt * (Math.log(s) + (m - logits.data[at(label)]!));
      den += wt;
    }
  }
  return { shape: [1, 1, 1, 1], data: Float64Array.of(num / den) };
};

/** Float64 reference VJP: dlogits = dy · w · (p − onehot(ℓ)) / Σ w. */
export const softmaxCrossEntropyRefVjp = (logits: Tensor64, labels: Tensor64, weights: Tensor64, dy: Tensor64): Tensor64 => {
  const [n, k, h, w] = logits.shape;
  const plane = h * w;
  const p = softmaxRef(logits);
  const den = weights.data.reduce((a, b) => a + b, 0);
  const g = dy.data[0]! / den;
  const out = new Float64Array(logits.data.length);
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < k; c++) {
      for (let q = 0; q < plane; q++) {
        const i = (b * k + c) * plane + q;
        const onehot = labels.data[b * plane + q] === c ? 1 : 0;
        out[i] = g * weights.data[b * plane + q]! * (p.data[i]! - onehot);
      }
    }
  }
  return { shape: logits.shape, data: out };
};

export const softmaxCrossEntropy: OpRule<'softmaxCrossEntropy'> = {
  forward: async (rt, [logits, labels, weights]) => {
    const shape = orThrow(softmaxCrossEntropyShape(logits.shape, labels.shape, weights.shape));
    checkLabels(OP, await readTensor(rt, labels), logits.shape[1]);
    const den = weightSum(await readTensor(rt, weights));
    const probs = await softmax(rt, `${OP}.softmax`, logits);
    const num = await pixelLossSum(rt, logits, labels, weights);
    return { out: unsafeTensor(shape, Float32Array.of(num / den)), saved: { probs } };
  },
  vjp: async (rt, dy, [logits, labels, weights], _out, _attrs, { probs }) => {
    orThrow(softmaxCrossEntropyShape(logits.shape, labels.shape, weights.shape));
    if (dy.shape.join() !== '1,1,1,1') throw new OpShapeError(`${OP}.vjp: cotangent of shape ${showShape(dy.shape)}, expected the scalar [1, 1, 1, 1]`);
    if (probs.shape.join() !== logits.shape.join()) throw new OpShapeError(`${OP}.vjp: saved probs ${showShape(probs.shape)} do not match logits ${showShape(logits.shape)}`);
    const dy0 = (await readTensor(rt, dy)).data[0]!;
    return [await crossEntropyGrad(rt, probs, labels, weights, dy0 / weightSum(await readTensor(rt, weights))), null, null] as const;
  },
};
