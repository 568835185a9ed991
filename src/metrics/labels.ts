/**
 * Label maps: the plain input of every metric in `unet-ts/metrics`.
 *
 * A label map is a row-major `width × height` array of integers, pixel (x, y) at
 * `data[y * width + x]`. Two kinds are used:
 * - class maps (semantic segmentation): values 0 … K−1, one class per pixel;
 * - instance maps (objects): 0 = background / boundary, every other value names one object.
 *
 * @example
 * import { metrics } from 'unet-ts';
 * const gt = metrics.labels(3, 2, [0, 1, 1, 0, 1, 2]); // { width: 3, height: 2, data: Int32Array }
 */
import * as E from 'fp-ts/lib/Either.js';
import { shapeError, type ShapeError } from '../tensor/shape-error.js';
import { orThrowMetric } from './metric-error.js';

/** A row-major `width × height` map of integer labels. */
export interface Labels {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
}

const isDim = (d: number): boolean => Number.isInteger(d) && d >= 0;

/**
 * Checks and builds a label map (copies `data` into an `Int32Array`).
 * Throws a MetricError when the sizes are not non-negative integers,
 * `data.length ≠ width·height`, or a value is not an integer.
 *
 * @example
 * labels(2, 1, [0, 3]); // { width: 2, height: 1, data: Int32Array [0, 3] }
 * labels(2, 2, [0, 3]); // throws MetricError "labels: 2 values, 2×2 needs 4"
 */
export const labels = (width: number, height: number, data: ArrayLike<number>): Labels => orThrowMetric(checkedLabels(width, height, data));

/** The checks of `labels`, as an Either. */
const checkedLabels = (width: number, height: number, data: ArrayLike<number>): E.Either<ShapeError, Labels> => {
  if (!isDim(width) || !isDim(height)) return E.left(shapeError('labels', `size ${width}×${height} is not two non-negative integers`));
  if (data.length !== width * height) {
    return E.left(shapeError('labels', `${data.length} values, ${width}×${height} needs ${width * height}`));
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isInteger(data[i])) return E.left(shapeError('labels', `value ${data[i]} at index ${i} is not an integer`));
  }
  return E.right({ width, height, data: Int32Array.from(data) });
};

/**
 * The common pixel count of two label maps, or a ShapeError naming `op` when their
 * sizes differ or a map's data does not have `width·height` values. Internal: the shape
 * rule the metrics compose before they throw at their public edge.
 *
 * @example
 * declare const a: Labels; // prediction
 * declare const b: Labels; // ground truth
 * samePixels('pixelError', a, b); // Right(a.width * a.height) when a, b are both 4×3
 */
export const samePixels = (op: string, a: Labels, b: Labels): E.Either<ShapeError, number> => {
  const n = a.width * a.height;
  if (a.data.length !== n) return E.left(shapeError(op, `prediction has ${a.data.length} values, ${a.width}×${a.height} needs ${n}`));
  if (b.data.length !== b.width * b.height) {
    return E.left(shapeError(op, `ground truth has ${b.data.length} values, ${b.width}×${b.height} needs ${b.width * b.height}`));
  }
  return a.width === b.width && a.height === b.height
    ? E.right(n)
    : E.left(shapeError(op, `prediction is ${a.width}×${a.height}, ground truth is ${b.width}×${b.height}`));
};
