/**
 * Pixel error: the fraction of pixels whose predicted label differs from the ground truth,
 *
 *   pixel error = (1/n) · Σ_k [pred_k ≠ gt_k]   = 1 − pixel accuracy,
 *
 * the simplest score of the ISBI 2012 EM segmentation challenge ("pixel error", Table 1 of
 * Ronneberger et al., MICCAI 2015; Arganda-Carreras et al., Front. Neuroanat. 2015).
 * It compares labels as numbers, so it suits class maps (0 = membrane, 1 = cell), not
 * instance maps whose numbering is arbitrary (use the Rand scores for those).
 * Undefined (NaN) for an empty image.
 *
 * @example
 * import { metrics } from 'unet-ts';
 * // pred 0 1 1 1 vs gt 0 1 0 1: one of four pixels differs
 * metrics.pixelError({ width: 2, height: 2, data: [0, 1, 1, 1] }, { width: 2, height: 2, data: [0, 1, 0, 1] });
 * // 0.25
 */
import { samePixels, type Labels } from './labels.js';
import { orThrowMetric } from './metric-error.js';

/**
 * Fraction of differing pixels, in [0, 1]; throws a MetricError when the two maps differ
 * in size.
 *
 * @example
 * declare const a: metrics.Labels; // a class map
 * pixelError(a, a); // 0
 */
export const pixelError = (pred: Labels, gt: Labels): number => {
  const n = orThrowMetric(samePixels('pixelError', pred, gt));
  let wrong = 0;
  for (let i = 0; i < n; i++) if (pred.data[i] !== gt.data[i]) wrong++;
  return n === 0 ? NaN : wrong / n;
};
