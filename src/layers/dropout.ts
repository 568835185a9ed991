/**
 * Inverted dropout — the paper's "drop-out layers at the end of the contracting path"
 * (Sec. 3.1, implicit data augmentation).
 *
 *   m[i] ~ Bernoulli(1 − rate)  (1 = keep),   s = 1 / (1 − rate)
 *   y[i] = x[i] · m[i] · s
 *
 * so E[y] = x and no rescaling is needed at inference (rate = 0 is the identity).
 * VJP: dx = dy · m · s (the op is linear in x for a fixed mask).
 *
 * The mask is drawn on the host from the seeded generator `rng(attrs.seed)` — never
 * Math.random — one uniform u per element in flat NCHW order, kept iff u ≥ rate. It is thus
 * deterministic per seed and identical on every backend. It is saved as a float32 tensor of
 * the per-element factor m·s ∈ {0, fround(s)}, and both kernels multiply by it; the float64
 * reference multiplies by the same float32 factor, so kernel and reference agree exactly after
 * rounding to float32 (one correctly rounded float32 product).
 * On a resident runtime (webgpu) x, y, dy and dx stay on the device; the host mask reaches it
 * as a kernel argument (a host → device copy in the forward and in the VJP), and nothing of
 * activation size is read back. Kernel: src/kernels/dropout.ts.
 */
import { sameShapeRule } from '../tensor/shape.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import { size, unsafeTensor } from '../tensor/tensor.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { rng } from '../tensor/random.js';
import { orThrow } from '../tensor/shape-error.js';
import { applyMask } from '../kernels/dropout.js';
import type { Attrs, OpRule } from './op.js';

type DropoutAttrs = Attrs<'dropout'>;

/** Fails unless 0 ≤ rate < 1 and the seed is an integer. */
const checkAttrs = ({ rate, seed }: DropoutAttrs): void => {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout: rate ${rate}, expected 0 ≤ rate < 1`);
  if (!Number.isInteger(seed)) throw new RangeError(`dropout: seed ${seed}, expected an integer`);
};

/**
 * The scaled mask for `shape`: each element 0 (dropped, probability `rate`) or
 * fround(1 / (1 − rate)) (kept), from `rng(seed)` in flat NCHW order.
 */
export const dropoutMask = (shape: Shape, attrs: DropoutAttrs): Tensor => {
  checkAttrs(attrs);
  const r = rng(attrs.seed);
  const scale = 1 / (1 - attrs.rate);
  const data = new Float32Array(size(shape));
  // rate = 0 keeps every element (u ≥ 0 always): skip the draws, the mask is all ones.
  if (attrs.rate === 0) data.fill(1);
  else for (let i = 0; i < data.length; i++) data[i] = r.uniform() >= attrs.rate ? scale : 0;
  return unsafeTensor(shape, data);
};

/** Float64 reference forward, y = x · mask (mask from `dropoutMask`). */
export const dropoutRef = (x: Tensor64, mask: Tensor64): Tensor64 => ({ shape: x.shape, data: x.data.map((v, i) => v * mask.data[i]!) });

/** Float64 reference VJP, dx = dy · mask. */
export const dropoutRefVjp = (mask: Tensor64, dy: Tensor64): Tensor64 => ({ shape: dy.shape, data: dy.data.map((g, i) => g * mask.data[i]!) });

export const dropout: OpRule<'dropout'> = {
  forward: async (rt, [x], attrs) => {
    const mask = dropoutMask(orThrow(sameShapeRule('dropout', x.shape)), attrs);
    return { out: await applyMask(rt, 'dropout.forward', x, mask), saved: { mask } };
  },
  vjp: async (rt, dy, [x], _out, _attrs, { mask }) => {
    orThrow(sameShapeRule('dropout.vjp', x.shape, dy.shape));
    orThrow(sameShapeRule('dropout.vjp', mask.shape, dy.shape));
    return [await applyMask(rt, 'dropout.vjp', dy, mask)] as const;
  },
};
