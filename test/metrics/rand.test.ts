import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricError } from '../../src/metrics/metric-error.js';
import { connectedComponents } from '../../src/metrics/components.js';
import { randError, randScores } from '../../src/metrics/rand.js';
import { labelMap, labelPair, relabel } from './arbitraries.js';

const row = (data: number[]) => ({ width: data.length, height: 1, data });

describe('randScores (foreground-restricted Rand and information scores)', () => {
  it('a split: gt 1 1 1 1, pred 1 1 2 2', () => {
    // Σn_ij² = 2² + 2² = 8, Σs_i² = 8, Σt_j² = 4² = 16
    // split = 8/16, merge = 8/8, V_Rand = 2·8/(8+16) = 2/3
    // H(S) = ln 2, H(T) = 0, I = 0 → info split 0, merge 1 (H(T) = 0), V_Info = 0
    const s = randScores(row([1, 1, 2, 2]), row([1, 1, 1, 1]));
    expect(s.vRandSplit).toBeCloseTo(0.5, 12);
    expect(s.vRandMerge).toBeCloseTo(1, 12);
    expect(s.vRand).toBeCloseTo(2 / 3, 12);
    expect(s.vInfoSplit).toBeCloseTo(0, 12);
    expect(s.vInfoMerge).toBe(1);
    expect(s.vInfo).toBeCloseTo(0, 12);
  });

  it('a merge: gt 1 1 2 2, pred 1 1 1 1', () => {
    // Σn² = 8, Σs² = 16, Σt² = 8 → split 1, merge 1/2, V_Rand 2/3; info split 1, merge 0
    const s = randScores(row([1, 1, 1, 1]), row([1, 1, 2, 2]));
    expect([s.vRandSplit, s.vRandMerge, s.vInfoSplit, s.vInfoMerge]).toEqual([1, 0.5, 1, 0]);
    expect(s.vRand).toBeCloseTo(2 / 3, 12);
  });

  it('a mixed table: gt 1 1 2 2, pred 1 1 1 2', () => {
    // n = [[2, 1], [0, 1]], s = [3, 1], t = [2, 2]: Σn² = 6, Σs² = 10, Σt² = 8
    // split 6/8, merge 6/10, V_Rand 12/18
    // H(S) = −(¾ ln ¾ + ¼ ln ¼) = 0.5623351446, H(T) = ln 2 = 0.6931471806
    // I = ½ ln(½/(¾·½)) + ¼ ln(¼/(¾·½)) + ¼ ln(¼/(¼·½)) = 0.2157615543
    // info split I/H(S) = 0.3836885466, merge I/H(T) = 0.3112781245, V_Info 2I/(H(S)+H(T)) = 0.3437110185
    const s = randScores(row([1, 1, 1, 2]), row([1, 1, 2, 2]));
    expect(s.vRandSplit).toBeCloseTo(0.75, 12);
    expect(s.vRandMerge).toBeCloseTo(0.6, 12);
    expect(s.vRand).toBeCloseTo(2 / 3, 12);
    expect(s.vInfoSplit).toBeCloseTo(0.3836885466, 9);
    expect(s.vInfoMerge).toBeCloseTo(0.3112781245, 9);
    expect(s.vInfo).toBeCloseTo(0.3437110185, 9);
  });

  it('counts only ground-truth foreground', () => {
    // pixel 2 is gt background: the pred's merge through it is not seen
    const s = randScores(row([1, 1, 1, 2, 2]), row([1, 1, 0, 2, 2]));
    expect(s).toMatchObject({ vRand: 1, vInfo: 1, pixels: 4 });
    expect(randScores(row([1, 1, 0]), row([0, 0, 0])).vRand).toBe(0); // false objects, nothing true: worst (was NaN)
  });

  it('scores unassigned pixels as singletons, or ignores them', () => {
    // gt 1 1 1 1, pred 1 1 1 0: rows {3 px}, {1 px}: Σn² = 10, Σs² = 10, Σt² = 16 → V_Rand 20/26
    const s = randScores(row([1, 1, 1, 0]), row([1, 1, 1, 1]));
    expect(s.vRandSplit).toBeCloseTo(10 / 16, 12);
    expect(s.vRand).toBeCloseTo(20 / 26, 12);
    expect(randScores(row([1, 1, 1, 0]), row([1, 1, 1, 1]), { unassigned: 'ignore' })).toMatchObject({ vRand: 1, pixels: 3 });
  });

  it('thinning assigns boundary pixels first', () => {
    // gt 1 1 1 2 2, pred 1 0 0 0 2
    // plain: all five pixels singletons: Σn² = 5, Σs² = 5, Σt² = 9 + 4 = 13 → V_Rand 10/18
    // thinned pred 1 1 0 2 2: rows {0,1}, {2}, {3,4}: Σn² = 4 + 1 + 4 = 9 = Σs², Σt² = 13 → 18/22
    const pred = row([1, 0, 0, 0, 2]);
    const gt = row([1, 1, 1, 2, 2]);
    expect(randScores(pred, gt).vRand).toBeCloseTo(10 / 18, 12);
    expect(randScores(pred, gt, { thin: true }).vRand).toBeCloseTo(18 / 22, 12);
  });

  it('rejects different sizes', () => {
    const r = () => randScores(row([1, 2]), row([1]));
    expect(r).toThrow(MetricError);
    expect(r).toThrow('randScores: prediction is 2×1, ground truth is 1×1');
  });

  it('properties: perfect on itself, in [0, 1], label-name invariant, symmetric without background', () => {
    fc.assert(
      fc.property(labelMap(3), (m) => {
        const s = randScores(m, m);
        if (s.pixels === 0) return;
        expect(s).toMatchObject({ vRand: 1, vRandSplit: 1, vRandMerge: 1 }); // integer sums: exact
        expect(s.vInfo).toBeCloseTo(1, 12);
      }),
    );
    fc.assert(
      fc.property(labelPair(3), fc.boolean(), ([a, b], thin) => {
        const s = randScores(a, b, { thin });
        if (s.pixels === 0) return;
        for (const v of [s.vRand, s.vRandSplit, s.vRandMerge, s.vInfo, s.vInfoSplit, s.vInfoMerge]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        const r = randScores(relabel(a, 3), relabel(b, 1), { thin });
        expect(r.vRand).toBeCloseTo(s.vRand, 12);
        expect(r.vInfo).toBeCloseTo(s.vInfo, 12);
      }),
    );
    // no 0 labels: nothing restricted or unassigned, so swapping S and T swaps split and merge
    fc.assert(
      fc.property(labelPair(3), ([a, b]) => {
        const pos = (m: typeof a) => ({ ...m, data: Int32Array.from(m.data, (v) => v + 1) });
        const s = randScores(pos(a), pos(b));
        const t = randScores(pos(b), pos(a));
        expect(t.vRand).toBeCloseTo(s.vRand, 12);
        expect(t.vRandSplit).toBeCloseTo(s.vRandMerge, 12);
        expect(t.vInfo).toBeCloseTo(s.vInfo, 12);
        expect(t.vInfoSplit).toBeCloseTo(s.vInfoMerge, 12);
      }),
      { numRuns: 50 },
    );
  });
});

describe('randScores: empty and all-covering predictions (issue 18)', () => {
  const all = (v: number) => ({ vRand: v, vRandSplit: v, vRandMerge: v, vInfo: v, vInfoSplit: v, vInfoMerge: v });

  it('both without objects: perfect', () => {
    expect(randScores(row([0, 0, 0]), row([0, 0, 0]))).toEqual({ ...all(1), pixels: 0 });
  });

  it('prediction empty, truth with objects: worst (was 2/(1+m) Rand and V_Info up to ~0.8 from singletons)', () => {
    expect(randScores(row([0, 0, 0, 0, 0]), row([0, 1, 1, 1, 0]))).toEqual({ ...all(0), pixels: 3 });
    // many one-pixel objects: singletons used to match them exactly (V_Rand 1)
    expect(randScores(row([0, 0, 0, 0]), row([1, 0, 2, 0]))).toMatchObject(all(0));
    expect(randScores(row([0, 0, 0, 0]), row([1, 0, 2, 0]), { unassigned: 'ignore' })).toMatchObject(all(0)); // was NaN
  });

  it('truth without objects, prediction with some: worst', () => {
    expect(randScores(row([0, 5, 5, 0]), row([0, 0, 0, 0]))).toEqual({ ...all(0), pixels: 0 });
  });

  it('prediction one segment over the whole image, truth one object with background: worst (was perfect)', () => {
    expect(randScores(row([1, 1, 1, 1, 1]), row([0, 1, 1, 1, 0]))).toMatchObject(all(0));
    // two true objects: the table charges the whole-image segment as their merge, as before
    const m = randScores(row([1, 1, 1, 1, 1]), row([1, 1, 0, 2, 2]));
    expect(m.vRand).toBeCloseTo(2 / 3, 12);
    expect(m.vInfo).toBe(0);
  });

  it('the whole image as one object is perfect where the truth is one object without background too', () => {
    expect(randScores(row([7, 7, 7]), row([1, 1, 1]))).toMatchObject(all(1));
    // truth without background, several objects: the table covers every pixel, scored as usual
    const s = randScores(row([1, 1, 1, 1]), row([1, 1, 2, 2]));
    expect(s.vRand).toBeCloseTo(2 / 3, 12);
    expect(s.vInfo).toBe(0);
  });

  it('a prediction that marks background is scored by the table, even one segment on one object', () => {
    // the foreground restriction as ISBI 2012 defines it: the bleed into pixel 0 is not seen
    expect(randScores(row([1, 1, 1, 1, 0]), row([0, 1, 1, 1, 0]))).toMatchObject(all(1));
    // one true object, prediction splits it: V_Info 0 (H(T) = 0, I = 0), Rand 2·(1+4)/(5+9) = 5/7
    const s = randScores(row([0, 1, 2, 2, 0]), row([0, 1, 1, 1, 0]));
    expect(s.vRand).toBeCloseTo(10 / 14, 12);
    expect(s.vInfo).toBe(0);
    expect(s.vInfoMerge).toBe(1);
  });

  it('no prediction pixel on the true objects under unassigned: ignore is worst, not NaN', () => {
    expect(randScores(row([1, 0, 0, 0]), row([0, 1, 1, 0]), { unassigned: 'ignore' })).toEqual({ ...all(0), pixels: 0 });
  });
});

describe('randError', () => {
  it('an all-background prediction of an image with objects is the worst, not perfect (issue 18)', () => {
    // confident background everywhere: threshold 0 makes it one segment over the whole image
    // (the restricted table called that perfect for one true object), every other threshold nothing
    const gt = { width: 4, height: 2, data: [0, 1, 1, 0, 0, 1, 1, 0] };
    const r = randError(new Float32Array(8).fill(0.01), gt);
    expect(r.randError).toBe(1);
    expect(r.infoError).toBe(1);
    // a map of exact zeros (nothing at any threshold) and several objects: worst too
    const r2 = randError(new Float32Array(8), { width: 4, height: 2, data: [1, 0, 2, 0, 1, 0, 2, 0] });
    expect([r2.randError, r2.infoError]).toEqual([1, 1]);
    // confident background and several objects: at best the whole-image merge, never perfect
    const r3 = randError(new Float32Array(8).fill(0.01), { width: 4, height: 2, data: [1, 0, 2, 0, 1, 0, 2, 0] });
    expect(r3.randError).toBeCloseTo(1 - 2 * 8 / (16 + 8), 12);
    expect(r3.infoError).toBe(1);
  });

  it('an image without objects: perfect at a threshold that predicts nothing (threshold 1 always does)', () => {
    const r = randError(new Float32Array([0.9, 0.2, 0.1, 0.95]), row([0, 0, 0, 0]));
    expect(r.randError).toBe(0);
    expect(r.threshold).toBe(1); // float32 0.9 < 0.9 but 0.95 > 0.9: only 1 predicts nothing
    // only thresholds that leave objects: worst
    expect(randError(new Float32Array([0.9, 0.2, 0.1, 0.95]), row([0, 0, 0, 0]), { thresholds: [0.5] }).randError).toBe(1);
  });

  it('picks the best threshold (hand example)', () => {
    // gt 1 1 0 2 2, probability .9 .9 .45 .9 .9
    // t ≤ 0.4: one component over the gt foreground = a merge of 2+2 pixels: V_Rand 2·8/(16+8) = 2/3
    // 0.5 ≤ t ≤ 0.8: components {0,1}, {3,4} = gt: V_Rand 1
    // t ≥ 0.9 (float32 0.9 is just below 0.9): nothing predicted: worst, 0 (issue 18; four singletons gave 2/3)
    const r = randError(new Float32Array([0.9, 0.9, 0.45, 0.9, 0.9]), row([1, 1, 0, 2, 2]));
    expect(r.randError).toBe(0);
    expect(r.infoError).toBeCloseTo(0, 12);
    expect(r.threshold).toBe(0.5);
    const v = r.perThreshold.map((p) => p.scores.vRand);
    expect(r.perThreshold.map((p) => p.threshold)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    [0, 1, 2, 3, 4].forEach((k) => expect(v[k]).toBeCloseTo(2 / 3, 12));
    [9, 10].forEach((k) => expect(v[k]).toBe(0));
    [5, 6, 7, 8].forEach((k) => expect(v[k]).toBe(1));
  });

  it('reports the best V_Rand with custom thresholds', () => {
    const r = randError(new Float32Array([0.9, 0.9, 0.45, 0.9, 0.9]), row([1, 1, 0, 2, 2]), { thresholds: [0.3, 0.5] });
    expect(r.randError).toBe(0);
    expect(r.threshold).toBe(0.5);
    // 0.2: the two objects merged, 2/3; 0.95: nothing predicted, 0
    expect(randError(new Float32Array([0.9, 0.9, 0.45, 0.9, 0.9]), row([1, 1, 0, 2, 2]), { thresholds: [0.2, 0.95] }).randError).toBeCloseTo(1 / 3, 12);
  });

  it('rejects a probability map of the wrong size and an empty threshold list', () => {
    expect(() => randError(new Float32Array(3), row([1, 1]))).toThrow(new MetricError('randError', 'randError: probability map has 3 values, ground truth is 2×1'));
    expect(() => randError(new Float32Array(2), row([1, 1]), { thresholds: [] })).toThrow('randError: no thresholds; expected at least one');
  });

  it('is 0 for the ground truth mask as probabilities', () => {
    fc.assert(
      fc.property(labelMap(1, 10), fc.boolean(), (mask, thin) => {
        const gt = connectedComponents(mask).labels;
        if (gt.data.every((v) => v === 0)) return;
        const r = randError(Float32Array.from(mask.data), gt, { thin });
        expect(r.randError).toBe(0);
        expect(r.infoError).toBeCloseTo(0, 12);
      }),
      { numRuns: 50 },
    );
  });
});
