/**
 * Segmentation metrics: pixel error, IoU/Dice, ISBI 2012 Rand and information scores,
 * Cell Tracking Challenge SEG, and the connected components that turn maps into instances.
 * Every function throws a MetricError for arguments it cannot score (README, "Errors").
 *
 * @example
 * import { metrics } from 'unet-ts';
 * declare const probability: Float32Array; // foreground probability, gt.width × gt.height
 * declare const gt: metrics.Labels;        // ground-truth instance map, 0 = background
 * const { randError, threshold } = metrics.randError(probability, gt); // ISBI 2012 Rand error
 * const pred = metrics.thresholdComponents(probability, gt.width, gt.height, threshold).labels;
 * const { seg } = metrics.segScore(pred, gt);
 */
export { MetricError } from './metric-error.js';
export { labels, type Labels } from './labels.js';
export { componentsWhere, connectedComponents, thresholdComponents, type Components } from './components.js';
export { pixelError } from './pixel-error.js';
export { confusionMatrix, overlapScores, type OverlapScores } from './overlap.js';
export { contingency, type Assignment, type Contingency } from './contingency.js';
export { thinBoundaries } from './thinning.js';
export {
  defaultThresholds,
  randError,
  randScores,
  scoresOfTable,
  type RandErrorOptions,
  type RandErrorResult,
  type RandOptions,
  type RandScores,
} from './rand.js';
export { segScore, type SegResult } from './seg.js';
