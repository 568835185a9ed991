import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricError } from '../../src/metrics/metric-error.js';
import { confusionMatrix, overlapScores } from '../../src/metrics/overlap.js';
import { labelMap, labelPair } from './arbitraries.js';

const row = (data: number[]) => ({ width: data.length, height: 1, data });

describe('overlapScores', () => {
  it('hand example: gt 0 0 1 1, pred 0 1 1 1', () => {
    // class 0: TP 1, FP 0, FN 1 → IoU 1/2, Dice 2/3
    // class 1: TP 2, FP 1, FN 0 → IoU 2/3, Dice 4/5
    const s = overlapScores(row([0, 1, 1, 1]), row([0, 0, 1, 1]), 2);
    expect(s.iou[0]).toBeCloseTo(1 / 2, 12);
    expect(s.iou[1]).toBeCloseTo(2 / 3, 12);
    expect(s.dice[0]).toBeCloseTo(2 / 3, 12);
    expect(s.dice[1]).toBeCloseTo(4 / 5, 12);
    expect(s.meanIoU).toBeCloseTo((1 / 2 + 2 / 3) / 2, 12);
    expect(s.meanDice).toBeCloseTo((2 / 3 + 4 / 5) / 2, 12);
    // rows = truth, columns = prediction: [[1, 1], [0, 2]]
    expect([...s.confusion]).toEqual([1, 1, 0, 2]);
  });

  it('a class in neither map is NaN and left out of the means', () => {
    const s = overlapScores(row([0, 1, 1, 1]), row([0, 0, 1, 1]), 3);
    expect(s.iou[2]).toBeNaN();
    expect(s.meanIoU).toBeCloseTo((1 / 2 + 2 / 3) / 2, 12);
    // default class count = 1 + largest label
    expect(overlapScores(row([0, 2]), row([0, 2])).iou).toEqual([1, NaN, 1]);
  });

  it('rejects labels outside the classes', () => {
    const r = () => confusionMatrix(row([0, 2]), row([0, 1]), 2);
    expect(r).toThrow(MetricError);
    expect(r).toThrow('confusionMatrix: label 2 at pixel 1 is not a class in 0 … 1');
  });

  it('identical maps score 1; scores in [0, 1]; symmetric; Dice = 2 IoU / (1 + IoU)', () => {
    fc.assert(fc.property(labelMap(3), (m) => overlapScores(m, m, 4).meanIoU === 1));
    fc.assert(
      fc.property(labelPair(3), ([a, b]) => {
        const s = overlapScores(a, b, 4);
        const t = overlapScores(b, a, 4);
        s.iou.forEach((iou, c) => {
          if (Number.isNaN(iou)) return;
          expect(iou).toBeGreaterThanOrEqual(0);
          expect(iou).toBeLessThanOrEqual(1);
          expect(t.iou[c]).toBeCloseTo(iou, 12);
          expect(s.dice[c]).toBeCloseTo((2 * iou) / (1 + iou), 12);
        });
      }),
    );
  });
});
