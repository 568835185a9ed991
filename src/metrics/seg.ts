/**
 * SEG, the segmentation score of the Cell Tracking Challenge (Maška et al., Bioinformatics
 * 2014; Ulman et al., "An objective comparison of cell-tracking algorithms", Nature
 * Methods 14:1141, 2017).
 *
 * For each ground-truth object R (label ≠ 0) the matching predicted object is the S
 * (label ≠ 0) with |R ∩ S| > ½|R|. At most one S can match: two disjoint sets cannot each
 * hold more than half of R. The object's score is the Jaccard index
 *
 *   J(R, S) = |R ∩ S| / |R ∪ S| = |R ∩ S| / (|R| + |S| − |R ∩ S|)
 *
 * if a match exists, else 0, and SEG is the mean of J over the ground-truth objects.
 * False-positive predicted objects are not penalised (that is the DET score's job). SEG is
 * NaN for a ground truth without objects; pool `jaccard` over images for a dataset score,
 * as the challenge does.
 *
 * @example
 * import { metrics } from 'unet-ts';
 * // gt object 1 = 4 pixels, pred object 7 covers 3 of them plus 1 more: J = 3 / 5
 * metrics.segScore({ width: 5, height: 1, data: [7, 7, 7, 0, 7] }, { width: 5, height: 1, data: [1, 1, 1, 1, 0] });
 * // { seg: 0.6, objects: 1, matched: 1, jaccard: Map { 1 => 0.6 } }
 */
import { contingency } from './contingency.js';
import { samePixels, type Labels } from './labels.js';
import { orThrowMetric } from './metric-error.js';

/** Result of `segScore`. */
export interface SegResult {
  /** Mean Jaccard over ground-truth objects, in [0, 1]; NaN without objects. */
  readonly seg: number;
  /** Number of ground-truth objects. */
  readonly objects: number;
  /** Ground-truth objects with a matching predicted object. */
  readonly matched: number;
  /** Ground-truth label → its Jaccard index (0 when unmatched). */
  readonly jaccard: ReadonlyMap<number, number>;
}

/**
 * The SEG score of a predicted instance map against a ground-truth instance map
 * (0 = background in both). Throws a MetricError when the sizes differ.
 *
 * @example
 * declare const gt: metrics.Labels; // an instance map, 0 = background
 * segScore(gt, gt); // { seg: 1, ... } when gt has an object
 */
export const segScore = (pred: Labels, gt: Labels): SegResult => {
  const n = orThrowMetric(samePixels('segScore', pred, gt));
  // full table over all pixels: row sums = |S| (background row included), column sums = |R|
  const table = contingency(
    n,
    (i) => pred.data[i],
    (i) => gt.data[i],
  );
  const jaccard = new Map<number, number>();
  for (const label of table.colLabels) if (label !== 0) jaccard.set(label, 0);
  let matched = 0;
  for (let k = 0; k < table.cellCount.length; k++) {
    const count = table.cellCount[k]!;
    const r = table.colLabels[table.cellCol[k]!]!;
    const s = table.rowLabels[table.cellRow[k]!]!;
    const sizeR = table.colSums[table.cellCol[k]!]!;
    if (r === 0 || s === 0 || 2 * count <= sizeR) continue; // needs |R∩S| > ½|R|
    jaccard.set(r, count / (sizeR + table.rowSums[table.cellRow[k]!]! - count));
    matched++;
  }
  const js = [...jaccard.values()];
  const seg = js.length === 0 ? NaN : js.reduce((a, b) => a + b, 0) / js.length;
  return { seg, objects: js.length, matched, jaccard };
};
