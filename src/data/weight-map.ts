/**
 * The paper's pixel-wise loss weight (Sec. 3, Eq. 2):
 *
 *   w(x) = w_c(x) + w0 · exp(−(d1(x) + d2(x))² / (2σ²))
 *
 * - w_c balances the class frequencies. Choice made here ('balanced', default): inverse
 *   frequency in the label image, normalised so the mean weight over the image's pixels
 *   is 1: w_c(k) = N / (K·n_k), with N pixels, n_k pixels of class k and K classes present
 *   (Σ_x w_c = Σ_k n_k·N/(K·n_k) = N). 'none' gives 1 everywhere; an array gives fixed
 *   per-class weights, e.g. the data-set-wide balance of `datasetClassWeights`, which is
 *   milder on images with few objects (per image, 3 % foreground weighs 16.7 per pixel).
 * - d1, d2: distance to the border of the nearest and second-nearest object (instance),
 *   in pixels between centres. The term is added to background pixels only: it is there
 *   to make the network learn the thin background gaps that separate touching objects
 *   (the paper's Fig. 3c/d). Defaults w0 = 10, σ = 5 px, as in the paper.
 *
 * d1/d2 come from one exact EDT per object (Felzenszwalb–Huttenlocher, distance.ts),
 * each computed only in the object's bounding box grown by R = σ·√(2·ln(w0/tol)). Where
 * the term is ≥ tol, d1 + d2 ≤ R, so both nearest objects lie within R, their windows
 * contain the pixel and hold the whole object: d1, d2 are exact there. Elsewhere the term
 * is set from the objects within R (or 0) and is off by less than tol (default 1e-4).
 *
 * @example
 * declare const labels: Labels;
 * const w = weightMap()(labels); // { width, height, data: Float32Array }
 */
import * as E from 'fp-ts/lib/Either.js';
import { edtSquared } from './distance.js';
import type { LabelMap, Labels } from './labels.js';

export interface WeightMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export interface WeightMapOptions {
  /** Border weight w0 (default 10). */
  readonly w0?: number;
  /** Border width σ in pixels (default 5). */
  readonly sigma?: number;
  /** Class balancing: 'balanced' (default), 'none' or fixed weights per class. */
  readonly classWeights?: 'balanced' | 'none' | readonly number[];
  /** Largest error allowed in the border term far from objects (default 1e-4). */
  readonly tolerance?: number;
}

/** What `--class-weights` asks for: WeightMapOptions' classWeights, or 'dataset' (computed from the training labels by `datasetClassWeights`). */
export type ClassWeightsChoice = 'balanced' | 'dataset' | 'none' | readonly number[];

/**
 * Parses a class-weight choice as the `train` flag and the reference export spell it:
 * balanced, dataset, none, or one finite weight ≥ 0 per class ("W0,W1,..."). The error
 * says which value was given and what was expected.
 *
 * @example
 * parseClassWeights(2)('1,5'); // right([1, 5])
 * parseClassWeights(2)('1');   // left('--class-weights 1 gives 1 weight(s); the network has 2 classes')
 */
export const parseClassWeights = (classes: number) => (flag: string): E.Either<string, ClassWeightsChoice> => {
  if (flag === 'balanced' || flag === 'dataset' || flag === 'none') return E.right(flag);
  const ws = flag.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  if (ws.some((x) => !Number.isFinite(x) || x < 0)) return E.left(`--class-weights ${flag}; expected balanced, dataset, none or comma-separated numbers ≥ 0 (one per class)`);
  if (ws.length !== classes) return E.left(`--class-weights ${flag} gives ${ws.length} weight(s); the network has ${classes} classes`);
  return E.right(ws);
};

/**
 * The class-balancing weights w_c(k) of one class map (see the module comment).
 *
 * @example
 * import { labelMap } from './labels.js';
 * classBalance(2)(labelMap(4, 1, Int32Array.of(0, 0, 0, 1))); // [0.667, 2]
 */
export const classBalance = (numClasses: number) => (classes: LabelMap): Float64Array => {
  const counts = new Float64Array(numClasses);
  for (const c of classes.data) if (c >= 0 && c < numClasses) counts[c]!++;
  const present = counts.filter((n) => n > 0).length;
  const total = classes.data.length;
  return counts.map((n) => (n > 0 ? total / (present * n) : 0));
};

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Bounding box of every object id (inclusive corners). */
const boxes = (m: LabelMap): Map<number, Box> => {
  const out = new Map<number, Box>();
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      const id = m.data[y * m.width + x]!;
      if (id === 0) continue;
      const b = out.get(id);
      if (b === undefined) out.set(id, { x0: x, y0: y, x1: x, y1: y });
      else {
        b.x0 = Math.min(b.x0, x);
        b.x1 = Math.max(b.x1, x);
        b.y0 = Math.min(b.y0, y);
        b.y1 = Math.max(b.y1, y);
      }
    }
  }
  return out;
};

/**
 * Distances d1, d2 of every pixel to the nearest and second-nearest object (exact where
 * d1 + d2 ≤ radius, see the module comment; +∞ where fewer objects lie within the windows).
 *
 * @example
 * declare const instances: LabelMap; // 0 = background, 1…n = objects
 * const { d1, d2 } = nearestTwo(24)(instances);
 */
export const nearestTwo =
  (radius: number) =>
  (instances: LabelMap): { readonly d1: Float64Array; readonly d2: Float64Array } => {
    const { width: w, height: h, data } = instances;
    const d1 = new Float64Array(w * h).fill(Infinity);
    const d2 = new Float64Array(w * h).fill(Infinity);
    const r = Math.ceil(radius);
    for (const [id, b] of boxes(instances)) {
      const x0 = Math.max(0, b.x0 - r);
      const y0 = Math.max(0, b.y0 - r);
      const ww = Math.min(w - 1, b.x1 + r) - x0 + 1;
      const wh = Math.min(h - 1, b.y1 + r) - y0 + 1;
      const mask = new Uint8Array(ww * wh);
      for (let y = 0; y < wh; y++) {
        for (let x = 0; x < ww; x++) mask[y * ww + x] = data[(y + y0) * w + x + x0] === id ? 1 : 0;
      }
      const sq = edtSquared({ width: ww, height: wh, data: mask });
      for (let y = 0; y < wh; y++) {
        for (let x = 0; x < ww; x++) {
          const d = sq[y * ww + x]!;
          const i = (y + y0) * w + x + x0;
          if (d < d1[i]!) {
            d2[i] = d1[i]!;
            d1[i] = d;
          } else if (d < d2[i]!) d2[i] = d;
        }
      }
    }
    for (let i = 0; i < w * h; i++) {
      d1[i] = Math.sqrt(d1[i]!);
      d2[i] = Math.sqrt(d2[i]!);
    }
    return { d1, d2 };
  };

/**
 * The Eq. 2 weight map of one label image (class map + instance map).
 *
 * @example
 * weightMap({ w0: 10, sigma: 5 })(labelsFromImage({ kind: 'instances' })(img)).data;
 */
export const weightMap =
  (opts: WeightMapOptions = {}) =>
  (labels: Labels): WeightMap => {
    const w0 = opts.w0 ?? 10;
    const sigma = opts.sigma ?? 5;
    const tol = opts.tolerance ?? 1e-4;
    const { classes, instances, numClasses } = labels;
    const cw = opts.classWeights ?? 'balanced';
    const wc = cw === 'balanced' ? classBalance(numClasses)(classes) : Float64Array.from({ length: numClasses }, (_, k) => (cw === 'none' ? 1 : cw[k] ?? 1));
    const n = classes.data.length;
    const out = new Float32Array(n);
    const radius = w0 > tol ? sigma * Math.sqrt(2 * Math.log(w0 / tol)) : 0;
    const { d1, d2 } = w0 > 0 ? nearestTwo(radius)(instances) : { d1: undefined, d2: undefined };
    for (let i = 0; i < n; i++) {
      const c = classes.data[i]!;
      let v = wc[c] ?? 0;
      if (c === 0 && d1 !== undefined && d2 !== undefined) {
        const s = d1[i]! + d2[i]!;
        if (s < Infinity) v += w0 * Math.exp((-s * s) / (2 * sigma * sigma));
      }
      out[i] = v;
    }
    return { width: classes.width, height: classes.height, data: out };
  };

/** A memo of weight maps keyed by `dataset/file`: computed once per label image. */
export interface WeightMapCache {
  /** The weight map for `key`, computed from `labels` on the first request only. */
  readonly get: (key: string, labels: Labels) => WeightMap;
  readonly size: () => number;
}

/**
 * A weight-map cache for one set of options. The one stateful object of the module: a
 * plain memo, so results are the same with or without it.
 *
 * @example
 * declare const labels: Labels;
 * const cache = weightMapCache();
 * cache.get('dsb2018/00071198d059', labels); // computed
 * cache.get('dsb2018/00071198d059', labels); // from the cache
 */
export const weightMapCache = (opts: WeightMapOptions = {}): WeightMapCache => {
  const memo = new Map<string, WeightMap>();
  const compute = weightMap(opts);
  return {
    get: (key, labels) => {
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
      const w = compute(labels);
      memo.set(key, w);
      return w;
    },
    size: () => memo.size,
  };
};
