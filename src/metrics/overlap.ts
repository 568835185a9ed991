/**
 * Per-class overlap scores of a semantic segmentation: IoU (Jaccard) and Dice.
 *
 * From the K×K confusion matrix C (C[g][p] = pixels of true class g predicted as p), for
 * each class c: TP = C[c][c], FP = Σ_{g≠c} C[g][c], FN = Σ_{p≠c} C[c][p], and
 *
 *   IoU_c  = |P∩G| / |P∪G| = TP / (TP + FP + FN)          (Jaccard, Bull. Soc. Vaud. 1901)
 *   Dice_c = 2|P∩G| / (|P| + |G|) = 2TP / (2TP + FP + FN)  (Dice, Ecology 1945)
 *
 * with Dice = 2·IoU / (1 + IoU). A class absent from both maps has 0/0: its score is
 * NaN and the means (`meanIoU`, `meanDice`) average only the classes that occur.
 *
 * @example
 * import { metrics } from 'unet-ts';
 * // gt 0 0 1 1, pred 0 1 1 1: class 1 has TP 2, FP 1, FN 0 → IoU 2/3, Dice 4/5
 * metrics.overlapScores({ width: 4, height: 1, data: [0, 1, 1, 1] }, { width: 4, height: 1, data: [0, 0, 1, 1] }, 2);
 * // { iou: [0.5, 0.667], dice: [0.667, 0.8], meanIoU: 0.583, meanDice: 0.733, confusion }
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { shapeError, type ShapeError } from '../tensor/shape-error.js';
import { samePixels, type Labels } from './labels.js';
import { orThrowMetric } from './metric-error.js';

/** Result of `overlapScores`: per-class IoU and Dice, their means, the confusion matrix. */
export interface OverlapScores {
  /** IoU per class 0 … K−1 (NaN for a class in neither map). */
  readonly iou: readonly number[];
  /** Dice per class 0 … K−1 (NaN for a class in neither map). */
  readonly dice: readonly number[];
  /** Mean of the defined per-class IoUs (NaN if none). */
  readonly meanIoU: number;
  /** Mean of the defined per-class Dice scores (NaN if none). */
  readonly meanDice: number;
  /** Row-major K×K counts: confusion[g·K + p] = pixels of true class g predicted as p. */
  readonly confusion: Float64Array;
}

/**
 * The K×K confusion matrix, row = ground-truth class, column = predicted class.
 * Throws a MetricError when sizes differ or a label is not in 0 … K−1.
 *
 * @example
 * declare const pred: metrics.Labels; // binary maps, 0 = background, 1 = foreground
 * declare const gt: metrics.Labels;
 * confusionMatrix(pred, gt, 2); // Float64Array [TN, FP, FN, TP]
 */
export const confusionMatrix = (pred: Labels, gt: Labels, classes: number): Float64Array => orThrowMetric(checkedConfusion(pred, gt, classes));

/** `confusionMatrix` with its checks as an Either. */
const checkedConfusion = (pred: Labels, gt: Labels, classes: number): E.Either<ShapeError, Float64Array> =>
  pipe(
    samePixels('confusionMatrix', pred, gt),
    E.chain((n) => {
      if (!Number.isInteger(classes) || classes < 1) return E.left(shapeError('confusionMatrix', `${classes} classes, expected a positive integer`));
      const c = new Float64Array(classes * classes);
      const ok = (v: number | undefined): v is number => v !== undefined && Number.isInteger(v) && v >= 0 && v < classes;
      for (let i = 0; i < n; i++) {
        const p = pred.data[i];
        const g = gt.data[i];
        if (!ok(p) || !ok(g)) {
          return E.left(shapeError('confusionMatrix', `label ${ok(p) ? g : p} at pixel ${i} is not a class in 0 … ${classes - 1}`));
        }
        c[g * classes + p]! += 1;
      }
      return E.right(c);
    }),
  );

const mean = (xs: readonly number[]): number => {
  const defined = xs.filter((x) => !Number.isNaN(x));
  return defined.length === 0 ? NaN : defined.reduce((a, b) => a + b, 0) / defined.length;
};

/**
 * IoU and Dice of every class and their means. `classes` defaults to 1 + the largest
 * label in either map. Throws a MetricError as `confusionMatrix` does.
 *
 * @example
 * declare const gt: metrics.Labels; // a class map
 * overlapScores(gt, gt).meanIoU; // 1
 */
export const overlapScores = (pred: Labels, gt: Labels, classes?: number): OverlapScores => {
  let k = classes;
  if (k === undefined) {
    let max = 0;
    for (let i = 0; i < pred.data.length; i++) max = Math.max(max, pred.data[i]!);
    for (let i = 0; i < gt.data.length; i++) max = Math.max(max, gt.data[i]!);
    k = max + 1;
  }
  const kk = k;
  const confusion = confusionMatrix(pred, gt, kk);
  const iou: number[] = [];
  const dice: number[] = [];
  for (let c = 0; c < kk; c++) {
    let predicted = 0; // |P| = TP + FP, column sum
    let truth = 0; // |G| = TP + FN, row sum
    for (let o = 0; o < kk; o++) {
      predicted += confusion[o * kk + c]!;
      truth += confusion[c * kk + o]!;
    }
    const tp = confusion[c * kk + c]!;
    const union = predicted + truth - tp;
    iou.push(union === 0 ? NaN : tp / union);
    dice.push(union === 0 ? NaN : (2 * tp) / (predicted + truth));
  }
  return { iou, dice, meanIoU: mean(iou), meanDice: mean(dice), confusion };
};
