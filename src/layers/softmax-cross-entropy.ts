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
 * Kernels (the [W, H, N·C] 3-D layout of ./elementwise.ts):
 *   - `softmax`: probs [N, K, H, W] (one thread per (pixel, class)); saved for the VJP;
 *   - `pixelLoss`: w(x)·(−log p_ℓ(x)) per pixel [N, 1, H, W];
 *   - `vjp`: dlogits [N, K, H, W] from the saved probs.
 * REDUCTION of the per-pixel losses: on the CPU-side backends (cpu, webasm) they are summed on
 * the HOST in float64 (at most 388² = 150 k pixels per tile at paper size, well under a
 * millisecond; no float32 accumulation error). On a resident runtime (webgpu) they stay on
 * the DEVICE and are reduced there by the two-stage float32 sum of ./conv/reduce.ts
 * (`channelSums`: sequential sums of ~4096 non-negative terms, then one sum of the partials;
 * relative error ~1e-6 at paper size); only the scalar comes back, not a [N, 1, H, W] map.
 * Σw is summed on the host in float64 on every backend: the weights are a network input (a
 * host tensor, read back only if a caller put it on the device).
 * Labels are validated on the host before any kernel runs.
 */
import { softmaxCrossEntropyShape } from '../tensor/shape.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import { unsafeTensor } from '../tensor/tensor.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { readTensor, tensorOf, type AnyTensor } from '../tensor/device-tensor.js';
import type { OpRule } from '../autodiff/op.js';
import { OpShapeError, shapeOrThrow } from '../autodiff/op.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { arg1d, type KernelSpec, type Runtime } from '../runtime/runtime.js';
import { asArg, runPointwise } from './elementwise.js';
import { channelSums } from './conv/reduce.js';

const OP = 'softmaxCrossEntropy';

/** Throws unless every label is an integer class index in [0, K); the error names the op and the value. */
export const checkLabels = (op: string, labels: Tensor, k: number): void => {
  const [, , h, w] = labels.shape;
  const d = labels.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < k)) {
      const x = i % w;
      const y = Math.floor(i / w) % h;
      const n = Math.floor(i / (w * h));
      throw new RangeError(`${op}: label ${v} at [${n}, 0, ${y}, ${x}] is not a class index in [0, ${k}) (the logits have ${k} classes)`);
    }
  }
};

/** Σ w in float64; throws unless it is positive and finite (the loss divides by it). */
const weightSum = (weights: Tensor): number => {
  let s = 0;
  for (const v of weights.data) s += v;
  if (!(s > 0 && Number.isFinite(s))) throw new RangeError(`${OP}: the weights sum to ${s}; expected a positive finite sum (the loss is normalised by Σw)`);
  return s;
};

/** Float64 reference: the pixel-wise softmax p_k(x) (max-subtracted), shape of the logits. */
export const softmaxRef = (logits: Tensor64): Tensor64 => {
  const [n, k, h, w] = logits.shape;
  const plane = h * w;
  const p = new Float64Array(logits.data.length);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < plane; q++) {
      const at = (c: number): number => (b * k + c) * plane + q;
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, logits.data[at(c)]!);
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(logits.data[at(c)]! - m);
      for (let c = 0; c < k; c++) p[at(c)] = Math.exp(logits.data[at(c)]! - m) / s;
    }
  }
  return { shape: logits.shape, data: p };
};

/** Float64 reference loss −Σ w log p_ℓ / Σ w, as a [1, 1, 1, 1] tensor. */
export const softmaxCrossEntropyRef = (logits: Tensor64, labels: Tensor64, weights: Tensor64): Tensor64 => {
  const [n, k, h, w] = logits.shape;
  const plane = h * w;
  let num = 0;
  let den = 0;
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < plane; q++) {
      const at = (c: number): number => (b * k + c) * plane + q;
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, logits.data[at(c)]!);
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(logits.data[at(c)]! - m);
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

// Thread (x, y, z) of probs [W, H, N·K], z = n·K + k (shared with the soft Dice loss).
export function softmaxKernel(this: KernelThis, logits: number[][][]): number {
  const base = Math.floor(this.thread.z / this.constants.K!) * this.constants.K!;
  let m = logits[base]![this.thread.y]![this.thread.x]!;
  for (let j = 1; j < this.constants.K!; j++) {
    m = Math.max(m, logits[base + j]![this.thread.y]![this.thread.x]!);
  }
  let s = 0;
  for (let j = 0; j < this.constants.K!; j++) {
    s += Math.exp(logits[base + j]![this.thread.y]![this.thread.x]! - m);
  }
  return Math.exp(logits[this.thread.z]![this.thread.y]![this.thread.x]! - m) / s;
}

// Thread (x, y, n) of the per-pixel loss [W, H, N]: w · (log s + (m − a_ℓ)).
function pixelLossKernel(this: KernelThis, logits: number[][][], labels: number[][][], weights: number[][][]): number {
  const base = this.thread.z * this.constants.K!;
  const label = labels[this.thread.z]![this.thread.y]![this.thread.x]!;
  let m = logits[base]![this.thread.y]![this.thread.x]!;
  for (let j = 1; j < this.constants.K!; j++) {
    m = Math.max(m, logits[base + j]![this.thread.y]![this.thread.x]!);
  }
  let s = 0;
  let al = 0;
  for (let j = 0; j < this.constants.K!; j++) {
    const a = logits[base + j]![this.thread.y]![this.thread.x]!;
    s += Math.exp(a - m);
    if (Math.abs(j - label) < 0.5) {
      al = a;
    }
  }
  return weights[this.thread.z]![this.thread.y]![this.thread.x]! * (Math.log(s) + (m - al));
}

// Thread (x, y, z) of dlogits [W, H, N·K]: g · w · (p − [k = ℓ]), g = dy / Σw (a 1-value argument,
// not a constant, so the kernel is not recompiled for every tile).
function vjpKernel(this: KernelThis, probs: number[][][], labels: number[][][], weights: number[][][], g: number[]): number {
  const n = Math.floor(this.thread.z / this.constants.K!);
  const k = this.thread.z - n * this.constants.K!;
  let d = probs[this.thread.z]![this.thread.y]![this.thread.x]!;
  if (Math.abs(k - labels[n]![this.thread.y]![this.thread.x]!) < 0.5) {
    d = d - 1;
  }
  return g[0]! * weights[n]![this.thread.y]![this.thread.x]! * d;
}

const pixelLossSpec = ([n, k, h, w]: Shape): KernelSpec => ({ op: `${OP}.pixelLoss`, source: pixelLossKernel, output: [w, h, n], constants: { K: k } });

/** Σ_x w(x)·(log s + (m − a_ℓ)): the per-pixel kernel, read back and summed in float64 (CPU-side backends). */
const pixelLossSumOnHost = async (rt: Runtime, logits: AnyTensor, labels: AnyTensor, weights: AnyTensor): Promise<number> => {
  let num = 0;
  for (const v of await rt.run(pixelLossSpec(logits.shape), [asArg(logits), asArg(labels), asArg(weights)])) num += v;
  return num;
};

/**
 * The same sum on the device (the resident path, header): the per-pixel map stays there and
 * only its two-stage float32 sum comes back. Exported so it is tested on every backend.
 */
export const pixelLossSumOnDevice = (rt: Runtime, logits: AnyTensor, labels: AnyTensor, weights: AnyTensor): Promise<number> =>
  rt.scope(async () => {
    const [n, , h, w] = logits.shape;
    const perPixel = tensorOf([n, 1, h, w], await rt.compute(pixelLossSpec(logits.shape), [asArg(logits), asArg(labels), asArg(weights)]));
    return (await channelSums(rt, `${OP}.lossSum`, perPixel))[0]!;
  });

export const softmaxCrossEntropy: OpRule<'softmaxCrossEntropy'> = {
  forward: async (rt, [logits, labels, weights]) => {
    const shape = shapeOrThrow(softmaxCrossEntropyShape(logits.shape, labels.shape, weights.shape));
    const k = logits.shape[1];
    checkLabels(OP, await readTensor(rt, labels), k);
    const den = weightSum(await readTensor(rt, weights));
    const constants = { K: k };
    const probs = await runPointwise(rt, `${OP}.softmax`, softmaxKernel, logits.shape, [logits], constants);
    const num = await (rt.resident ? pixelLossSumOnDevice : pixelLossSumOnHost)(rt, logits, labels, weights);
    return { out: unsafeTensor(shape, Float32Array.of(num / den)), saved: { probs } };
  },
  vjp: async (rt, dy, [logits, labels, weights], _out, _attrs, { probs }) => {
    shapeOrThrow(softmaxCrossEntropyShape(logits.shape, labels.shape, weights.shape));
    if (dy.shape.join() !== '1,1,1,1') throw new OpShapeError(`${OP}.vjp: cotangent of shape [${dy.shape.join(', ')}], expected the scalar [1, 1, 1, 1]`);
    if (probs.shape.join() !== logits.shape.join()) throw new OpShapeError(`${OP}.vjp: saved probs [${probs.shape.join(', ')}] do not match logits [${logits.shape.join(', ')}]`);
    const dy0 = (await readTensor(rt, dy)).data[0]!;
    const g = Float32Array.of(dy0 / weightSum(await readTensor(rt, weights)));
    const spec: KernelSpec = { op: `${OP}.vjp`, source: vjpKernel, output: [logits.shape[3], logits.shape[2], logits.shape[0] * logits.shape[1]], constants: { K: logits.shape[1] } };
    const dlogits = tensorOf(logits.shape, await rt.compute(spec, [asArg(probs), asArg(labels), asArg(weights), arg1d(g)]));
    return [dlogits, null, null] as const;
  },
};
