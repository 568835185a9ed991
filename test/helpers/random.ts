import { rng } from '../../src/tensor/random.js';
import type { Shape, Tensor } from '../../src/tensor/tensor.js';
import type { Tensor64 } from '../../src/tensor/tensor64.js';

/** A seeded random float32 tensor (values N(0, scale²)). */
export const randomTensor = (shape: Shape, seed: number, scale = 1): Tensor => {
  const r = rng(seed);
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = scale * r.normal();
  return { shape, data };
};

/** A float64 copy of a float32 tensor, so reference and kernel see the same values. */
export const as64 = (t: Tensor): Tensor64 => ({ shape: t.shape, data: Float64Array.from(t.data) });
