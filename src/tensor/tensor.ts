/**
 * The immutable tensor: NCHW, float32. The one data layout of unet-ts.
 *
 * A `Tensor` is a plain record of a readonly shape tuple and a `Float32Array`.
 * Nothing in the library writes to `data` after construction: every function returns
 * a new tensor (tests check input buffers before and after). TypeScript cannot freeze a
 * typed array, so this is a contract of the library, enforced by its tests.
 *
 * @example
 * import { fromArray, zeros } from 'unet-ts';
 * const t = fromArray([1, 1, 2, 2], [1, 2, 3, 4]); // Either<ShapeError, Tensor>
 * const z = zeros([1, 64, 570, 570]);
 */
import * as E from 'fp-ts/lib/Either.js';
import { rng } from './random.js';
import { ShapeError, shapeError, showShape } from './shape-error.js';

/** [batch N, channels C, height H, width W]. */
export type Shape = readonly [n: number, c: number, h: number, w: number];

export interface Tensor {
  readonly shape: Shape;
  readonly data: Float32Array;
}

/** Number of elements of a shape. */
export const size = (s: Shape): number => s[0] * s[1] * s[2] * s[3];

const isDim = (d: number): boolean => Number.isInteger(d) && d >= 0;

/** Checks a shape: four non-negative integers. */
export const checkShape = (op: string, s: readonly number[]): E.Either<ShapeError, Shape> =>
  s.length === 4 && s.every(isDim)
    ? E.right([s[0]!, s[1]!, s[2]!, s[3]!] as const)
    : E.left(shapeError(op, `got shape ${showShape(s)}, expected 4 non-negative integers [N, C, H, W]`));

/**
 * A tensor over existing data (no copy). Fails when data.length ≠ product of the shape.
 * The caller hands over ownership: it must not write to `data` afterwards.
 */
export const tensor = (shape: readonly number[], data: Float32Array): E.Either<ShapeError, Tensor> =>
  E.chain((s: Shape) =>
    data.length === size(s)
      ? E.right({ shape: s, data })
      : E.left(shapeError('tensor', `data has ${data.length} values, shape ${showShape(s)} needs ${size(s)}`)),
  )(checkShape('tensor', shape));

/** A tensor copied from numbers (float64 values are rounded to float32). */
export const fromArray = (shape: readonly number[], values: ArrayLike<number>): E.Either<ShapeError, Tensor> =>
  tensor(shape, Float32Array.from(values as ArrayLike<number>));

/**
 * The tensor for a shape already known to be valid and data of the right length;
 * throws (a programming error, not bad input) otherwise. Used by ops after their shape rule.
 */
export const unsafeTensor = (shape: Shape, data: Float32Array): Tensor => {
  if (data.length !== size(shape) || !shape.every(isDim)) {
    throw new Error(`unsafeTensor: data has ${data.length} values, shape ${showShape(shape)} needs ${size(shape)}`);
  }
  return { shape, data };
};

const filled = (shape: readonly number[], make: (n: number) => Float32Array): E.Either<ShapeError, Tensor> =>
  E.map((s: Shape) => ({ shape: s, data: make(size(s)) }))(checkShape('tensor', shape));

/** All zeros. */
export const zeros = (shape: readonly number[]): E.Either<ShapeError, Tensor> =>
  filled(shape, (n) => new Float32Array(n));

/** Every element equal to `value`. */
export const fill = (value: number) => (shape: readonly number[]): E.Either<ShapeError, Tensor> =>
  filled(shape, (n) => new Float32Array(n).fill(value));

/** Independent N(mean, std²) values from a seeded generator. */
export const randomNormal =
  (seed: number, mean = 0, std = 1) =>
  (shape: readonly number[]): E.Either<ShapeError, Tensor> =>
    filled(shape, (n) => {
      const r = rng(seed);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = mean + std * r.normal();
      return out;
    });

/** Flat index of (n, c, y, x). */
export const offset = (s: Shape, n: number, c: number, y: number, x: number): number =>
  ((n * s[1] + c) * s[2] + y) * s[3] + x;

/** Element (n, c, y, x). */
export const at = (t: Tensor, n: number, c: number, y: number, x: number): number =>
  t.data[offset(t.shape, n, c, y, x)] ?? NaN;

/** Same shape, values mapped (a new tensor). */
export const map = (f: (v: number, i: number) => number) => (t: Tensor): Tensor => {
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(t.data[i]!, i);
  return { shape: t.shape, data: out };
};

/** Two shapes are equal. */
export const sameShape = (a: Shape, b: Shape): boolean =>
  a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
