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
    expect(randScores(row([1, 1]), row([0, 0])).vRand).toBeNaN();
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

describe('randError', () => {
  it('picks the best threshold (hand example)', () => {
    // gt 1 1 0 2 2, probability .9 .9 .45 .9 .9
    // t ≤ 0.4: one component over the gt foreground = a merge of 2+2 pixels: V_Rand 2·8/(16+8) = 2/3
    // 0.5 ≤ t ≤ 0.8: components {0,1}, {3,4} = gt: V_Rand 1
    // t ≥ 0.9 (float32 0.9 is just below 0.9): nothing, four singletons: 2·4/(4+8) = 2/3
    const r = randError(new Float32Array([0.9, 0.9, 0.45, 0.9, 0.9]), row([1, 1, 0, 2, 2]));
    expect(r.randError).toBe(0);
    expect(r.infoError).toBeCloseTo(0, 12);
    expect(r.threshold).toBe(0.5);
    const v = r.perThreshold.map((p) => p.scores.vRand);
    expect(r.perThreshold.map((p) => p.threshold)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    [0, 1, 2, 3, 4, 9, 10].forEach((k) => expect(v[k]).toBeCloseTo(2 / 3, 12));
    [5, 6, 7, 8].forEach((k) => expect(v[k]).toBe(1));
  });

  it('reports the best V_Rand with custom thresholds', () => {
    const r = randError(new Float32Array([0.9, 0.9, 0.45, 0.9, 0.9]), row([1, 1, 0, 2, 2]), { thresholds: [0.2, 0.95] });
    expect(r.randError).toBeCloseTo(1 / 3, 12);
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
