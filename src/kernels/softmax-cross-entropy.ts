/**
 * GPU.js kernels of the weighted softmax cross-entropy (the math, reference and VJP:
 * src/layers/softmax-cross-entropy.ts).
 *
 * Kernels (the [W, H, N·C] 3-D layout of ./pointwise.ts):
 *   - `softmax`: probs [N, K, H, W] (one thread per (pixel, class)); saved for the VJP;
 *   - `pixelLoss`: w(x)·(−log p_ℓ(x)) per pixel [N, 1, H, W];
 *   - `vjp`: dlogits [N, K, H, W] from the saved probs.
 * REDUCTION of the per-pixel losses: on the CPU-side backends (cpu, webasm) they are summed on
 * the HOST in float64 (at most 388² = 150 k pixels per tile at paper size, well under a
 * millisecond; no float32 accumulation error). On a resident runtime (webgpu) they stay on
 * the DEVICE and are reduced there by the two-stage float32 sum of ./reduce.ts
 * (`channelSums`: sequential sums of ~4096 non-negative terms, then one sum of the partials;
 * relative error ~1e-6 at paper size); only the scalar comes back, not a [N, 1, H, W] map.
 * Σw is summed on the host in float64 on every backend: the weights are a network input (a
 * host tensor, read back only if a caller put it on the device).
 * Labels are validated on the host before any kernel runs.
 */
import type { Shape } from '../tensor/tensor.js';
import { tensorOf, type AnyTensor } from '../tensor/device-tensor.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { arg1d, type KernelSpec, type Runtime } from '../runtime/core.js';
import { asArg } from './pointwise.js';
import { channelSums } from './reduce.js';

const OP = 'softmaxCrossEntropy';

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
export const pixelLossSumOnHost = async (rt: Runtime, logits: AnyTensor, labels: AnyTensor, weights: AnyTensor): Promise<number> => {
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

/** Σ_x w(x)·(−log p_ℓ(x)(x)): on the device on a resident runtime, on the host in float64 elsewhere (header). */
export const pixelLossSum = (rt: Runtime, logits: AnyTensor, labels: AnyTensor, weights: AnyTensor): Promise<number> =>
  (rt.resident ? pixelLossSumOnDevice : pixelLossSumOnHost)(rt, logits, labels, weights);

/** dlogits = g · w · (p − onehot(ℓ)) from the saved probs, with g = dy / Σw. */
export const crossEntropyGrad = async (rt: Runtime, probs: AnyTensor, labels: AnyTensor, weights: AnyTensor, g: number): Promise<AnyTensor> => {
  const [n, k, h, w] = probs.shape;
  const spec: KernelSpec = { op: `${OP}.vjp`, source: vjpKernel, output: [w, h, n * k], constants: { K: k } };
  return tensorOf(probs.shape, await rt.compute(spec, [asArg(probs), asArg(labels), asArg(weights), arg1d(Float32Array.of(g))]));
};
