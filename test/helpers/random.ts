import { randomNormal, type Shape, type Tensor } from '../../src/tensor/tensor.js';
import { orThrow } from '../../src/tensor/shape-error.js';

/** A seeded random float32 tensor (values N(0, scale²)): the tensor module's `randomNormal`. */
export const randomTensor = (shape: Shape, seed: number, scale = 1): Tensor => orThrow(randomNormal(seed, 0, scale)(shape));

/** A float64 copy of a float32 tensor, so reference and kernel see the same values. */
export { to64 as as64 } from '../../src/tensor/tensor64.js';
