/**
 * Input checks shared by the ops, run before any kernel: a tensor holds as many values as its
 * shape says, a cotangent has its output's shape, labels are class indices. Each error names
 * the op, the input and what was expected.
 */
import { sameShape, size, type Shape, type Tensor } from '../tensor/tensor.js';
import { OpShapeError, showShape } from '../tensor/shape-error.js';
import { storedOf, type AnyTensor } from '../tensor/device-tensor.js';

/** Throws OpShapeError unless each named tensor holds as many values as its shape says. */
export const checkData = (op: string, tensors: Readonly<Record<string, AnyTensor>>): void => {
  for (const [name, t] of Object.entries(tensors)) {
    const have = storedOf(t).length;
    if (have !== size(t.shape)) throw new OpShapeError(`${op}: ${name} ${showShape(t.shape)} holds ${have} values, expected ${size(t.shape)}`);
  }
};

/** Throws OpShapeError unless the cotangent dy has the op's output shape (and its data matches it). */
export const checkCotangent = (op: string, dy: AnyTensor, out: Shape): void => {
  if (!sameShape(dy.shape, out)) throw new OpShapeError(`${op}: cotangent ${showShape(dy.shape)} does not match the output ${showShape(out)}`);
  checkData(op, { cotangent: dy });
};

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
