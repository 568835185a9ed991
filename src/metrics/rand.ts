/**
 * Foreground-restricted Rand and information scores of the ISBI 2012 EM segmentation
 * challenge (Arganda-Carreras et al., "Crowdsourcing the creation of image segmentation
 * algorithms for connectomics", Front. Neuroanat. 9:142, 2015; the metric of Table 1 of
 * Ronneberger et al., MICCAI 2015).
 *
 * Table: n_ij = pixels in predicted segment i and ground-truth segment j, counted only
 * where the ground truth is foreground (label ≠ 0); p_ij = n_ij / n, s_i = Σ_j p_ij,
 * t_j = Σ_i p_ij (see `contingency.ts`). Then
 *
 *   V_Rand_split = Σ_ij p_ij² / Σ_j t_j²        V_Rand_merge = Σ_ij p_ij² / Σ_i s_i²
 *   V_Rand = 2 Σ p_ij² / (Σ s_i² + Σ t_j²)      (harmonic mean of split and merge: the Rand F-score)
 *
 *   V_Info_split = I(S;T) / H(S)                V_Info_merge = I(S;T) / H(T)
 *   V_Info = 2 I(S;T) / (H(S) + H(T))           (harmonic mean), with
 *   H(S) = −Σ s_i log s_i,  H(T) = −Σ t_j log t_j,  I(S;T) = Σ p_ij log(p_ij / (s_i t_j)).
 *
 * All scores lie in [0, 1], 1 = perfect; splitting a true segment lowers the split score,
 * merging two lowers the merge score. When H(S) = 0 (one predicted segment) nothing can be
 * split and V_Info_split = 1; likewise V_Info_merge = 1 when H(T) = 0; V_Info = 1 when both.
 *
 * Empty and all-covering predictions (our definition; the paper and the ISBI 2012 scripts do
 * not cover them). The foreground restriction is blind to where the prediction puts its
 * background: the table only sees how the true objects are cut up. That is the intent on EM
 * data (the true background, membranes, is thin), but it makes two degenerate predictions
 * look good, and a Rand error of 0 / V_Info of 1 for a prediction that found nothing is
 * wrong, so `randScores` scores them before the table:
 * - truth and prediction both without objects (all 0): every score 1 — they agree;
 * - exactly one of them without objects: every score 0 (worst) — a prediction of nothing
 *   for an image with objects (with 'singleton' it would otherwise score 2/(1 + m) for an
 *   m-pixel object, and V_Info up to ~0.8 for many small ones; with 'ignore' the table would
 *   be empty, NaN), and false objects on an image that has none; likewise when no predicted
 *   object pixel lies in the truth's foreground under `unassigned: 'ignore'`;
 * - the prediction one segment covering the whole image (no 0 anywhere) while the truth is
 *   one object with background around it: every score 0. That prediction marks no boundary
 *   and no background at all, and it is what `randError`'s threshold 0 makes of any map
 *   whose values are all above 0 — every softmax output, a confident all-background one
 *   included — yet the restricted table sees one segment against one segment and calls it
 *   perfect: every image with a single object would score Rand error 0 whatever the
 *   network said. With two or more true objects the table already charges the whole-image
 *   segment as a merge of them (V_Rand < 1, V_Info 0), and with no true background it
 *   covers every pixel; both are scored as usual.
 * So an all-background probability map of an image with objects never scores perfect in
 * `randError`: with one object its Rand error is 1 and V_Info 0 (every threshold gives
 * nothing or everything), with more the whole-image merge is the best it gets. A prediction
 * with objects that marks some background is scored by the table as before; the best
 * threshold of a real prediction is such a one, so the README's measured numbers stand. `scoresOfTable` alone
 * knows only the table: NaN for an empty one.
 *
 * Predicted boundary pixels (label 0) inside the ground-truth foreground belong to no
 * segment. By default (`unassigned: 'singleton'`) each is a segment of its own, as in the
 * SNEMI3D/CREMI `adapted_rand` reference code; that code adds the singletons as (count)/n to
 * sums of squared counts, we count them exactly (+1 per pixel to Σn_ij² and to Σs_i²), so
 * values can differ slightly from it when many pixels are unassigned. `'ignore'` drops those
 * pixels from the table instead. With `thin: true` the predicted boundaries are first thinned (see
 * `thinning.ts`), so fewer pixels are unassigned.
 *
 * @example
 * import { metrics } from 'unet-ts';
 * // gt = one segment 1 1 1 1, pred splits it into 1 1 2 2: Σp² ∝ 8, Σs² ∝ 8, Σt² ∝ 16
 * metrics.randScores({ width: 4, height: 1, data: [1, 1, 2, 2] }, { width: 4, height: 1, data: [1, 1, 1, 1] });
 * // { vRandSplit: 0.5, vRandMerge: 1, vRand: 0.667, vInfoSplit: 0, vInfoMerge: 1, vInfo: 0, pixels: 4 }
 */
import { thresholdComponents } from './components.js';
import { contingency, type Contingency } from './contingency.js';
import { samePixels, type Labels } from './labels.js';
import { MetricError, orThrowMetric } from './metric-error.js';
import { thinBoundaries } from './thinning.js';

/** Options of `randScores`: e.g. `{ thin: true, unassigned: 'ignore' }`. */
export interface RandOptions {
  /** Thin the predicted 0-boundaries before scoring (default false). */
  readonly thin?: boolean;
  /** Predicted label-0 pixels in the ground-truth foreground: own segment each (default) or not counted. */
  readonly unassigned?: 'singleton' | 'ignore';
}

/** Rand and information F-scores with their split and merge parts, all in [0, 1] (1 = perfect). */
export interface RandScores {
  readonly vRand: number;
  readonly vRandSplit: number;
  readonly vRandMerge: number;
  readonly vInfo: number;
  readonly vInfoSplit: number;
  readonly vInfoMerge: number;
  /** Pixels in the table (ground-truth foreground, minus ignored unassigned pixels). */
  readonly pixels: number;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Σ x log x over counts (0 log 0 = 0). */
const xlogx = (xs: Float64Array): number => {
  let acc = 0;
  for (const x of xs) if (x > 0) acc += x * Math.log(x);
  return acc;
};

const sumSquares = (xs: Float64Array): number => {
  let acc = 0;
  for (const x of xs) acc += x * x;
  return acc;
};

/**
 * The six scores of a contingency table (rows = prediction, columns = ground truth).
 *
 * @example
 * scoresOfTable(metrics.contingency(2, (i) => i, () => 1)).vRandSplit; // 0.5: two halves of one segment
 */
export const scoresOfTable = (table: Contingency): RandScores => {
  const { n } = table;
  if (n === 0) return { vRand: NaN, vRandSplit: NaN, vRandMerge: NaN, vInfo: NaN, vInfoSplit: NaN, vInfoMerge: NaN, pixels: 0 };
  // Rand: counts instead of probabilities, the 1/n² cancels in every ratio
  const sumP2 = sumSquares(table.cellCount);
  const sumS2 = sumSquares(table.rowSums);
  const sumT2 = sumSquares(table.colSums);
  // entropies from counts: H = log n − (1/n) Σ c log c;  I = (1/n) Σ n_ij log(n·n_ij / (s_i t_j))
  const hS = Math.max(0, Math.log(n) - xlogx(table.rowSums) / n);
  const hT = Math.max(0, Math.log(n) - xlogx(table.colSums) / n);
  let info = 0;
  for (let k = 0; k < table.cellCount.length; k++) {
    const c = table.cellCount[k]!;
    info += c * Math.log((n * c) / (table.rowSums[table.cellRow[k]!]! * table.colSums[table.cellCol[k]!]!));
  }
  const mi = Math.max(0, info / n);
  const eps = 1e-12; // entropies below this are rounding noise of a single segment
  return {
    vRand: clamp01((2 * sumP2) / (sumS2 + sumT2)),
    vRandSplit: clamp01(sumP2 / sumT2),
    vRandMerge: clamp01(sumP2 / sumS2),
    vInfo: hS + hT < eps ? 1 : clamp01((2 * mi) / (hS + hT)),
    vInfoSplit: hS < eps ? 1 : clamp01(mi / hS),
    vInfoMerge: hT < eps ? 1 : clamp01(mi / hT),
    pixels: n,
  };
};

/**
 * Foreground-restricted Rand and information scores of a predicted instance map against a
 * ground-truth instance map (0 = background in both), with the empty and all-covering
 * predictions scored as the module comment says. Throws a MetricError when the sizes
 * differ.
 *
 * @example
 * declare const gt: metrics.Labels; // an instance map, 0 = background
 * randScores(gt, gt); // { vRand: 1, vInfo: 1, ... }
 */
export const randScores = (pred: Labels, gt: Labels, opts: RandOptions = {}): RandScores => {
  const n = orThrowMetric(samePixels('randScores', pred, gt));
  // typed copies keep the per-pixel reads below monomorphic (fast) whatever ArrayLike came in
  const raw = Int32Array.from(pred.data);
  const p = opts.thin === true ? thinBoundaries(pred).data : raw;
  const g = Int32Array.from(gt.data);
  // the degenerate cases of the module comment, decided before the table — on the prediction
  // as given: thinning hands boundary pixels to segments, so a thinned map may have no 0 left
  const truth = contents(g);
  const predicted = contents(raw);
  if (truth.objects === 0 && predicted.objects === 0) return uniform(1, 0);
  if (truth.objects === 0 || predicted.objects === 0) return uniform(0, truth.objects);
  if (predicted.background === 0 && predicted.single && truth.background > 0 && truth.single) return uniform(0, truth.objects);
  const unassigned = opts.unassigned === 'ignore' ? undefined : ('singleton' as const);
  const table = contingency(
    n,
    (i) => (p[i] === 0 ? unassigned : p[i]),
    (i) => (g[i] === 0 ? undefined : g[i]),
  );
  // 'ignore' and no predicted object pixel on the true objects: they were all missed
  return table.n === 0 ? uniform(0, 0) : scoresOfTable(table);
};

/** Object (non-zero) and background pixel counts of a map, and whether all objects share one label. */
const contents = (m: Int32Array): { readonly objects: number; readonly background: number; readonly single: boolean } => {
  let objects = 0;
  let first = 0;
  let single = true;
  for (const v of m) {
    if (v === 0) continue;
    if (objects++ === 0) first = v;
    else if (v !== first) single = false;
  }
  return { objects, background: m.length - objects, single };
};

/** Every score `v` (1: agreement, 0: worst), over `pixels` counted pixels. */
const uniform = (v: number, pixels: number): RandScores => ({ vRand: v, vRandSplit: v, vRandMerge: v, vInfo: v, vInfoSplit: v, vInfoMerge: v, pixels });

/** Options of `randError`: those of `randScores` plus the thresholds, e.g. `{ thresholds: [0.5] }`. */
export interface RandErrorOptions extends RandOptions {
  /** Foreground thresholds to try (default 0, 0.1, …, 1). */
  readonly thresholds?: readonly number[];
}

/** Result of `randError`: the errors at the best threshold and the scores at every threshold. */
export interface RandErrorResult {
  /** 1 − max over thresholds of V_Rand (the ISBI 2012 "Rand error"). */
  readonly randError: number;
  /** The threshold reaching the best V_Rand (the first, on ties). */
  readonly threshold: number;
  /** 1 − max over thresholds of V_Info (the ISBI 2012 "information error"). */
  readonly infoError: number;
  /** The scores at every threshold. */
  readonly perThreshold: readonly { readonly threshold: number; readonly scores: RandScores }[];
}

/** 0, 0.1, …, 1.0 (computed as k/10, so exactly the decimal values). */
export const defaultThresholds: readonly number[] = Array.from({ length: 11 }, (_, k) => k / 10);

/**
 * ISBI 2012 Rand error of a foreground probability map (row-major, the size of `gt`): at
 * each threshold t the predicted segments are the 4-connected components of
 * `probability > t`, scored by `randScores`; the error is 1 − the best V_Rand.
 * Throws a MetricError when the sizes differ or no threshold is given.
 *
 * @example
 * import { metrics } from 'unet-ts';
 * metrics.randError(new Float32Array([1, 1, 0, 1]), { width: 4, height: 1, data: [1, 1, 0, 2] });
 * // { randError: 0, threshold: 0, infoError: 0, perThreshold: [...] }
 */
export const randError = (
  probability: ArrayLike<number>,
  gt: Labels,
  opts: RandErrorOptions = {},
): RandErrorResult => {
  const thresholds = opts.thresholds ?? defaultThresholds;
  if (probability.length !== gt.width * gt.height) {
    throw new MetricError('randError', `randError: probability map has ${probability.length} values, ground truth is ${gt.width}×${gt.height}`);
  }
  if (thresholds.length === 0) throw new MetricError('randError', 'randError: no thresholds; expected at least one, e.g. [0.5]');
  const perThreshold = thresholds.map((threshold) => ({
    threshold,
    scores: randScores(thresholdComponents(probability, gt.width, gt.height, threshold).labels, gt, opts),
  }));
  // NaN (empty table) never wins: `>` is false for NaN
  const best = perThreshold.reduce((a, b) => (b.scores.vRand > a.scores.vRand || Number.isNaN(a.scores.vRand) ? b : a));
  const infos = perThreshold.map((r) => r.scores.vInfo).filter((v) => !Number.isNaN(v));
  const bestInfo = infos.length === 0 ? NaN : Math.max(...infos);
  return { randError: 1 - best.scores.vRand, threshold: best.threshold, infoError: 1 - bestInfo, perThreshold };
};
