/**
 * Segmentation metrics: pixel error, IoU/Dice, ISBI 2012 Rand and information scores,
 * Cell Tracking Challenge SEG, and the connected components that turn maps into instances.
 * Every function throws a MetricError for arguments it cannot score (README, "Errors").
 *
 * @example
 * import { randError, segScore, connectedComponents } from './metrics/index.js';
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
