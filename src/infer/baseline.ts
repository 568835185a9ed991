/**
 * Trivial baselines for `evaluate`: predictions made from each image's own ground truth,
 * scored by exactly the code that scores the model (`scoreSegmentation`), so a model that
 * is no better than a constant is seen to be so.
 *
 * - `'constant (majority)'`: every pixel the class most frequent in that image's ground
 *   truth (ties → the lowest class index). No constant prediction has a lower pixel error on
 *   that image (its pixel error is 1 − the majority's fraction), so it is an upper bound for
 *   what a constant predictor can do there — on pixel error; IoU, Dice, Rand error and SEG
 *   are those of this one constant. Its probability map is the constant predictor's own,
 *   certain one: P(foreground) = 1 everywhere when the majority class is foreground (≠ 0),
 *   else 0. With majority background (the usual case) the Rand thresholds then see no
 *   object: Rand error 1 and V_Info 0 on an image with objects (the metrics' score of an
 *   empty prediction); with majority foreground every threshold below 1 sees one segment
 *   covering the image, the merge of all true objects.
 * - `'oracle fg components'` (only with `instances`): the true foreground mask with each
 *   4-connected component one object, i.e. no separation of touching objects — what a model
 *   that gets every pixel's class right but never splits touching objects would score. The
 *   mask is `objects` (the object ids as drawn, before separation borders; `≠ 0` is
 *   foreground) when the entry has it, else the truth's class map. Against the class map
 *   its pixel error is 0 and its IoU 1 by construction; against `objects` the pixel error is
 *   the separation borders alone. Its SEG is what merging touching objects costs.
 *
 * @example
 * declare const truths: LoadedEntry[];
 * const [constant, oracle] = baselineEvaluation(truths, { instances: true });
 * constant!.mean.pixelError; // mean minority fraction of the images
 * oracle!.mean.seg;          // SEG with touching objects merged
 */
import type { LoadedEntry } from '../data/dataset.js';
import type { LabelMap } from '../data/labels.js';
import { meanMetrics, metricNames, scoreSegmentation, type EvaluateOptions, type Evaluation, type ImageMetrics } from './evaluate.js';
import type { Segmentation } from './tiles.js';

/** The ground truth a baseline needs: no image. */
export interface BaselineEntry extends Pick<LoadedEntry, 'stem' | 'labels'> {
  /** Object ids as drawn, before separation borders (labels read with `separateTouching: false`). */
  readonly objects?: LabelMap;
}

export const CONSTANT_BASELINE = 'constant (majority)';
export const ORACLE_BASELINE = 'oracle fg components';

/** One baseline's per-image metrics and means (the shape of `evaluateModel`'s result). */
export interface BaselineEvaluation extends Evaluation {
  readonly name: string;
}

/**
 * The most frequent value of `classes` among 0…k−1 (ties → the lowest). `k` defaults to
 * the largest value + 1.
 *
 * @example
 * majorityClass([0, 1, 1, 2, 2]); // 1: a tie of 1 and 2, the lower wins
 */
export const majorityClass = (classes: ArrayLike<number>, k?: number): number => {
  let n = k ?? 1;
  if (k === undefined) for (let i = 0; i < classes.length; i++) n = Math.max(n, classes[i]! + 1);
  const counts = new Float64Array(n);
  for (let i = 0; i < classes.length; i++) counts[classes[i]!]!++;
  let best = 0;
  for (let c = 1; c < n; c++) if (counts[c]! > counts[best]!) best = c;
  return best;
};

/** A certain segmentation with labels `labels` (one-hot probabilities) of `classes` classes. */
const certain = (width: number, height: number, classes: number, labels: Uint8Array): Segmentation => {
  const probs = Array.from({ length: classes }, (_, c) => Float32Array.from(labels, (l) => (l === c ? 1 : 0)));
  return { width, height, classes, probs, foreground: classes === 2 ? probs[1] : undefined, labels, tiles: 0, tile: 0 };
};

/**
 * The constant baseline's segmentation: every pixel the majority class of the truth.
 *
 * @example
 * declare const truth: LoadedEntry;
 * constantSegmentation(truth).labels[0]; // the majority class of truth.labels.classes
 */
export const constantSegmentation = (truth: BaselineEntry): Segmentation => {
  const { width, height, data } = truth.labels.classes;
  const k = truth.labels.numClasses;
  return certain(width, height, k, new Uint8Array(width * height).fill(majorityClass(data, k)));
};

/**
 * The oracle baseline's segmentation: class 1 on the true foreground (`objects ≠ 0` when
 * given, else class ≠ 0), 0 elsewhere, so its objects are the mask's 4-connected components.
 *
 * @example
 * declare const truth: LoadedEntry;
 * oracleSegmentation(truth).labels; // 1 where truth.labels.classes ≠ 0
 */
export const oracleSegmentation = (truth: BaselineEntry): Segmentation => {
  const { width, height } = truth.labels.classes;
  const mask = (truth.objects ?? truth.labels.classes).data;
  return certain(width, height, 2, Uint8Array.from(mask, (v) => (v !== 0 ? 1 : 0)));
};

/** The baselines reported for these options, in order. */
export const baselineNames = (instances: boolean): readonly string[] => (instances ? [CONSTANT_BASELINE, ORACLE_BASELINE] : [CONSTANT_BASELINE]);

/**
 * Each baseline's metrics on one image, in `baselineNames` order.
 *
 * @example
 * declare const truth: LoadedEntry;
 * baselineScores(truth)[0]!.pixelError; // the minority fraction of truth's classes
 */
export const baselineScores = (truth: BaselineEntry, opts: Pick<EvaluateOptions, 'instances' | 'thresholds'> = {}): readonly ImageMetrics[] => {
  const segs = opts.instances ? [constantSegmentation(truth), oracleSegmentation(truth)] : [constantSegmentation(truth)];
  return segs.map((s) => scoreSegmentation(s, truth, opts));
};

/**
 * Every baseline on every entry: per-image metrics and means, as `evaluateModel` reports
 * the model's (the means skip NaN, as there).
 *
 * @example
 * declare const truths: LoadedEntry[];
 * baselineEvaluation(truths).map((b) => `${b.name}: ${b.mean.pixelError}`);
 */
export const baselineEvaluation = (entries: Iterable<BaselineEntry>, opts: Pick<EvaluateOptions, 'instances' | 'thresholds'> = {}): readonly BaselineEvaluation[] => {
  const names = baselineNames(opts.instances ?? false);
  const images = names.map((): ImageMetrics[] => []);
  for (const e of entries) baselineScores(e, opts).forEach((m, b) => images[b]!.push(m));
  return names.map((name, b) => ({ name, images: images[b]!, mean: meanMetrics(images[b]!, metricNames(opts.instances ?? false)) }));
};
