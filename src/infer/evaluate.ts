/**
 * Evaluation of a model on labelled images: overlap-tile segmentation (tiles.ts) of each
 * image, then the metrics of the paper's benchmarks (Sec. 4):
 * - pixel error (fraction of wrongly classified pixels, ISBI 2012);
 * - foreground IoU and Dice (class 1; for more classes the mean over classes 1…K−1);
 * - the ISBI 2012 Rand error and V_Info: the foreground probability thresholded at
 *   0, 0.1, …, 1, its 4-connected components scored against the ground-truth objects
 *   restricted to the ground-truth foreground; the best threshold counts;
 * - SEG (Cell Tracking Challenge, Sec. 4's PhC-U373 / DIC-HeLa IoU measure) of the
 *   predicted objects (components of class 1) when `instances` is set.
 * Images are segmented one at a time, so `entries` may be a lazy iterable.
 *
 * @example
 * import { evaluateModel } from './evaluate.js';
 * const ds = openDataset({ imagesDir: 'val/images', labelsDir: 'val/labels', kind: 'binary' });
 * const { images, mean } = await evaluateModel(rt, model, ds.entries.map(loadEntry(ds)));
 * mean.randError; // the mean ISBI Rand error
 */
import type { LoadedEntry } from '../data/dataset.js';
import { overlapScores, pixelError, randError, segScore } from '../metrics/index.js';
import { instanceMap } from './outputs.js';
import { segmentImage, tileForward, type Engine, type Model, type Segmentation, type TileChoice, type TileProgress } from './tiles.js';
import { InferenceError } from './inference-error.js';

/** The metrics of one image (NaN where undefined, e.g. IoU with no foreground anywhere). */
export interface ImageMetrics {
  readonly name: string;
  readonly pixelError: number;
  readonly iou: number;
  readonly dice: number;
  /** 1 − best V_Rand over the thresholds. */
  readonly randError: number;
  /** The best V_Info over the thresholds (1 = perfect). */
  readonly vInfo: number;
  /** The threshold of the best V_Rand. */
  readonly threshold: number;
  /** Mean SEG Jaccard over the ground-truth objects (with `instances`). */
  readonly seg?: number;
}

export type MetricName = 'pixelError' | 'iou' | 'dice' | 'randError' | 'vInfo' | 'seg';

export interface Evaluation {
  readonly images: readonly ImageMetrics[];
  /** Mean of each metric over the images where it is defined (NaN if nowhere). */
  readonly mean: Readonly<Partial<Record<MetricName, number>>>;
}

export interface EvaluateOptions {
  /** As `segmentImage`'s: 'auto' (default) per image, or a fixed valid size. */
  readonly tile?: TileChoice;
  readonly tta?: boolean;
  /** Also score objects with SEG. */
  readonly instances?: boolean;
  /** Rand thresholds (default 0, 0.1, …, 1). */
  readonly thresholds?: readonly number[];
  /** Called after every tile of image `index`. */
  readonly onTile?: (p: TileProgress, index: number, entry: LoadedEntry) => void;
  /** Called with each image's segmentation and metrics (e.g. to write outputs, print a row). */
  readonly onImage?: (m: ImageMetrics, seg: Segmentation, entry: LoadedEntry, index: number) => void;
}

/** The metric names reported for these options, in table order. */
export const metricNames = (instances: boolean): readonly MetricName[] =>
  instances ? ['pixelError', 'iou', 'dice', 'randError', 'vInfo', 'seg'] : ['pixelError', 'iou', 'dice', 'randError', 'vInfo'];

const meanOf = (xs: readonly number[]): number => {
  const ok = xs.filter((x) => !Number.isNaN(x));
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
};

/**
 * The mean of each named metric over the images where it is defined (NaN if nowhere).
 *
 * @example
 * meanMetrics([{ name: 'a', pixelError: 0.1, iou: NaN, dice: 1, randError: 0, vInfo: 1, threshold: 0 }], ['pixelError', 'iou']);
 * // { pixelError: 0.1, iou: NaN }
 */
export const meanMetrics = (images: readonly ImageMetrics[], names: readonly MetricName[]): Readonly<Partial<Record<MetricName, number>>> =>
  Object.fromEntries(names.map((n) => [n, meanOf(images.map((m) => m[n] ?? NaN))]));

/**
 * The metrics of one segmentation against its ground truth (see the module comment).
 *
 * @example
 * declare const ds: Dataset;
 * declare const seg: Segmentation; // of ds.entries[0]
 * scoreSegmentation(seg, loadEntry(ds)(ds.entries[0]!), { instances: true }).seg;
 */
export const scoreSegmentation = (
  seg: Segmentation,
  truth: Pick<LoadedEntry, 'stem' | 'labels'>,
  opts: Pick<EvaluateOptions, 'instances' | 'thresholds'> = {},
): ImageMetrics => {
  const { width, height, classes: k } = seg;
  const pred = { width, height, data: seg.labels };
  const gt = truth.labels.classes;
  const overlap = overlapScores(pred, gt, k);
  const fgMean = (xs: readonly number[]): number => meanOf(xs.slice(1));
  // P(not background): class 1 for two classes, 1 − P(class 0) otherwise
  const fg = k === 2 && seg.foreground ? seg.foreground : seg.probs[0]?.map((p) => 1 - p);
  if (!fg) throw new InferenceError('scoreSegmentation: the segmentation kept no probability map; segment with keep "foreground" or "all"');
  const rand = randError(fg, truth.labels.instances, opts.thresholds ? { thresholds: opts.thresholds } : {});
  return {
    name: truth.stem,
    pixelError: pixelError(pred, gt),
    iou: fgMean(overlap.iou),
    dice: fgMean(overlap.dice),
    randError: rand.randError,
    vInfo: 1 - rand.infoError,
    threshold: rand.threshold,
    ...(opts.instances ? { seg: segScore(instanceMap(seg.labels, width, height).map, truth.labels.instances).seg } : {}),
  };
};

/**
 * Segments and scores every entry, one at a time, on `engine`: a Runtime (GPU.js) or a
 * `TileForward` made for `model` (e.g. `onnxForward(model)`), as `segmentImage` takes.
 *
 * @example
 * declare const entry: LoadedEntry;
 * const r = await evaluateModel(rt, model, [entry], { tta: true });
 * r.images[0]!.pixelError;
 */
export const evaluateModel = async (engine: Engine, model: Model, entries: Iterable<LoadedEntry>, opts: EvaluateOptions = {}): Promise<Evaluation> => {
  const forward = tileForward(engine, model);
  const images: ImageMetrics[] = [];
  let index = 0;
  for (const entry of entries) {
    const i = index++;
    const seg = await segmentImage(forward, model, entry.image, {
      ...(opts.tile !== undefined ? { tile: opts.tile } : {}),
      tta: opts.tta ?? false,
      keep: model.config.classes === 2 ? 'foreground' : 'all',
      onTile: (p) => opts.onTile?.(p, i, entry),
    });
    const m = scoreSegmentation(seg, entry, opts);
    images.push(m);
    opts.onImage?.(m, seg, entry, i);
  }
  return { images, mean: meanMetrics(images, metricNames(opts.instances ?? false)) };
};
