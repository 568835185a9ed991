import { describe, expect, it } from 'vitest';
import { image } from '../../src/data/image.js';
import { labelsFromImage, type LabelOptions } from '../../src/data/labels.js';
import {
  baselineEvaluation,
  baselineNames,
  baselineScores,
  constantSegmentation,
  CONSTANT_BASELINE,
  majorityClass,
  oracleSegmentation,
  ORACLE_BASELINE,
  type BaselineEntry,
} from '../../src/infer/baseline.js';

const truth = (stem: string, w: number, h: number, values: readonly number[], opts: LabelOptions): BaselineEntry => ({
  stem,
  labels: labelsFromImage(opts)(image(w, h, 1, Float32Array.from(values))),
});

// two objects touching along an edge (columns 2 | 3), a background row under them: 12 of 18 pixels foreground
const TOUCHING = [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0];

describe('majorityClass', () => {
  it('is the most frequent class; ties go to the lowest class index', () => {
    expect(majorityClass([0, 1, 1, 0, 1])).toBe(1);
    expect(majorityClass([0, 0, 1, 0, 1])).toBe(0);
    expect(majorityClass([1, 0])).toBe(0); // tie 0/1
    expect(majorityClass([0, 1, 1, 2, 2])).toBe(1); // tie 1/2
    expect(majorityClass([2, 2, 0, 1])).toBe(2);
    expect(majorityClass([], 3)).toBe(0);
    expect(majorityClass([1, 1, 1], 4)).toBe(1);
  });
});

describe('constant baseline', () => {
  it('predicts the majority class everywhere; its pixel error is the minority fraction', () => {
    // 4 of 15 pixels foreground: constant background, pixel error 4/15, no foreground found
    const sparse = truth('s', 5, 3, [0, 255, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 255, 0, 0], { kind: 'binary' });
    expect([...new Set(constantSegmentation(sparse).labels)]).toEqual([0]);
    const [m] = baselineScores(sparse);
    expect(m!.pixelError).toBeCloseTo(4 / 15, 12);
    expect(m!.iou).toBe(0);
    expect(m!.dice).toBe(0);
    // a certain all-background map: every Rand threshold sees no object, the worst score
    expect(m!.randError).toBe(1);
    expect(m!.vInfo).toBe(0);
    expect(m!.seg).toBeUndefined();
  });

  it('with a foreground majority: all foreground, one segment merging every object', () => {
    const t = truth('t', 6, 3, TOUCHING, { kind: 'instances', separateTouching: false });
    const [m] = baselineScores(t, { instances: true });
    expect(m!.pixelError).toBeCloseTo(6 / 18, 12);
    expect(m!.iou).toBeCloseTo(12 / 18, 12);
    // restricted to the 12 object pixels: one segment against 6 + 6, V_Rand = 2·72 / (144 + 72)
    expect(m!.randError).toBeCloseTo(1 - 144 / 216, 12);
    expect(m!.seg).toBeCloseTo(6 / 18, 12); // each object inside the image-wide one: J = 6/18
  });

  it('multiclass: the majority of three classes, a tie to the lower one', () => {
    const t = truth('m', 6, 1, [0, 1, 1, 2, 2, 2], { kind: 'multiclass', numClasses: 3 });
    expect(constantSegmentation(t).labels).toEqual(new Uint8Array(6).fill(2));
    expect(baselineScores(t)[0]!.pixelError).toBeCloseTo(3 / 6, 12);
    const tie = truth('m', 4, 1, [2, 1, 1, 2], { kind: 'multiclass', numClasses: 3 });
    expect(constantSegmentation(tie).labels[0]).toBe(1);
    expect(baselineScores(tie)[0]!.pixelError).toBe(0.5);
  });
});

describe('oracle baseline (instances)', () => {
  it('the true mask merges touching objects: IoU 1, pixel error 0, SEG < 1', () => {
    const t = truth('t', 6, 3, TOUCHING, { kind: 'instances', separateTouching: false });
    expect(oracleSegmentation(t).labels).toEqual(Uint8Array.from(TOUCHING, (v) => (v > 0 ? 1 : 0)));
    const [, m] = baselineScores(t, { instances: true });
    expect(m!.pixelError).toBe(0);
    expect(m!.iou).toBe(1);
    expect(m!.dice).toBe(1);
    expect(m!.seg).toBeCloseTo(0.5, 12); // each 6-pixel object in the 12-pixel component
  });

  it('separated truth + the drawn objects: pixel error = the separation borders, SEG against the separated objects', () => {
    const t = truth('t', 6, 3, TOUCHING, { kind: 'instances' }); // columns 2, 3 of rows 0, 1 become border
    const drawn = truth('t', 6, 3, TOUCHING, { kind: 'instances', separateTouching: false }).labels.instances;
    const [, withDrawn] = baselineScores({ ...t, objects: drawn }, { instances: true });
    expect(withDrawn!.pixelError).toBeCloseTo(4 / 18, 12);
    expect(withDrawn!.iou).toBeCloseTo(8 / 12, 12);
    expect(withDrawn!.seg).toBeCloseTo(4 / 12, 12);
    // without them the oracle is the separated class map: its components are the objects
    const [, alone] = baselineScores(t, { instances: true });
    expect(alone!.pixelError).toBe(0);
    expect(alone!.seg).toBe(1);
  });
});

describe('baselineEvaluation', () => {
  it('one entry per baseline, per image and the mean (NaN skipped)', () => {
    const a = truth('a', 6, 3, TOUCHING, { kind: 'instances', separateTouching: false });
    const empty = truth('e', 2, 2, [0, 0, 0, 0], { kind: 'instances' });
    expect(baselineNames(false)).toEqual([CONSTANT_BASELINE]);
    expect(baselineEvaluation([a, empty]).map((b) => b.name)).toEqual([CONSTANT_BASELINE]);
    const [constant, oracle] = baselineEvaluation([a, empty], { instances: true });
    expect([constant!.name, oracle!.name]).toEqual([CONSTANT_BASELINE, ORACLE_BASELINE]);
    expect(constant!.images.map((m) => m.name)).toEqual(['a', 'e']);
    expect(constant!.images[1]!.pixelError).toBe(0); // all background: the constant is right everywhere
    expect(constant!.mean.pixelError).toBeCloseTo((6 / 18 + 0) / 2, 12);
    expect(oracle!.mean.seg).toBeCloseTo(0.5, 12); // the empty image has no objects: SEG NaN, skipped
    expect(Object.keys(oracle!.mean)).toEqual(['pixelError', 'iou', 'dice', 'randError', 'vInfo', 'seg']);
  });
});
