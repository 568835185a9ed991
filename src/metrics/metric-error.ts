/**
 * The error every public metric throws: a caller's mistake in its arguments (maps of
 * different sizes, a label outside the classes, no thresholds), named by the function.
 *
 * Public functions throw (the project's error policy, README "Errors"); the shape checks
 * inside compose as `Either<ShapeError, _>` and become a MetricError at the exported edge,
 * through `orThrowMetric`.
 *
 * @example
 * import { metrics } from 'unet-ts';
 * const a = metrics.labels(2, 1, [0, 1]);
 * const b = metrics.labels(1, 2, [0, 1]);
 * try { metrics.pixelError(a, b); } catch (e) { if (e instanceof metrics.MetricError) console.error(e.message); }
 * // "pixelError: prediction is 2×1, ground truth is 1×2"
 */
import type * as E from 'fp-ts/lib/Either.js';
import type { ShapeError } from '../tensor/shape-error.js';

export class MetricError extends Error {
  readonly _tag = 'MetricError' as const;

  constructor(
    /** The metric function that refused its arguments, e.g. "pixelError". */
    readonly op: string,
    /** The whole message, beginning with `op`. */
    message: string,
  ) {
    super(message);
    this.name = 'MetricError';
  }
}

/**
 * The Right of a shape check, or its ShapeError thrown as a MetricError (same message).
 *
 * @example
 * import { samePixels, type Labels } from './labels.js';
 * declare const a: Labels; // prediction
 * declare const b: Labels; // ground truth
 * orThrowMetric(samePixels('pixelError', a, b)); // a.width * a.height, or throws
 */
export const orThrowMetric = <A>(e: E.Either<ShapeError, A>): A => {
  if (e._tag === 'Left') throw new MetricError(e.left.op, e.left.message);
  return e.right;
};
