/**
 * Inference: overlap-tile segmentation of images of any size (paper Sec. 2, Fig. 2),
 * test-time augmentation, output files and evaluation.
 *
 * @example
 * import { segmentImage, writeOutputs } from 'unet-ts';
 * const seg = await segmentImage(rt, model, img);
 * writeOutputs('out', 'cells', img, seg).files; // ['out/cells_prob0.png', …]
 */
export { InferenceError } from './inference-error.js';
export { autoTile, tileCount, tileOrigins, tilePlan, tilingCost, type TilePlan } from './plan.js';
export { DIHEDRAL, IDENTITY, frameSize, sourceTables, transformImage, type Dihedral } from './dihedral.js';
export { gpujsForward, imagePlan, predictStrips, readTile, segmentImage, tileForward } from './tiles.js';
export type { Engine, Model, SegmentOptions, Segmentation, Strip, TileChoice, TileForward, TileProgress } from './tiles.js';
export { MAX_ID16, displayGrey, instanceMap, overlayRaster, probabilityImage, writeOutputs } from './outputs.js';
export type { OutputOptions, Written } from './outputs.js';
export { evaluateModel, meanMetrics, metricNames, scoreSegmentation } from './evaluate.js';
export type { EvaluateOptions, Evaluation, ImageMetrics, MetricName } from './evaluate.js';
export {
  baselineEvaluation,
  baselineNames,
  baselineScores,
  constantSegmentation,
  CONSTANT_BASELINE,
  majorityClass,
  oracleSegmentation,
  ORACLE_BASELINE,
} from './baseline.js';
export type { BaselineEntry, BaselineEvaluation } from './baseline.js';
export { baselineLines, formatTable, reportJson, tableHeader, tableRow } from './report.js';
export { checkChannels, checkedPlan, imageInputs, loadModel, stemOf } from './files.js';
export { readInputImage, segmentFile, type SegmentFileOptions, type SegmentedFile } from './segment-file.js';
export { assembleStrips, decodeStrip, encodeStrip, segmentStrip, stripRows, type StripResult, type StripRows } from './strips.js';
