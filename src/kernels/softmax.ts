/**
 * The pixel-wise softmax as a GPU.js kernel, shared by both losses (src/layers/softmax-cross-entropy.ts,
 * src/layers/soft-dice.ts): p_k = exp(a_k − m) / Σ_j exp(a_j − m), m = max_j a_j, one thread per
 * (pixel, class), layout [W, H, N·K].
 */
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';

// Thread (x, y, z) of probs [W, H, N·K], z = n·K + k (shared with the soft Dice loss).
function softmaxKernel(this: KernelThis, logits: number[][][]): number {
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

/** The class probabilities [N, K, H, W] of `logits`; `op` names the caller ('softmaxCrossEntropy.softmax'). */
export const softmax = (rt: Runtime, op: string, logits: AnyTensor): Promise<AnyTensor> =>
  runPointwise(rt, op, softmaxKernel, logits.shape, [logits], { K: logits.shape[1] });
