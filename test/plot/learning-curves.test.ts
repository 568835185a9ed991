import { describe, expect, it } from 'vitest';
import { CurveError, curveSeries, learningCurvesChart, learningCurvesLineSpec, parseCurve, type CurveRun } from '../../src/plot/learning-curves.js';
import { chartLayout, dashes, PALETTE } from '../../src/plot/line-chart.js';
import { pixel } from '../../src/plot/raster.js';

const log = [
  '{"type":"step","step":1,"loss":0.69,"lr":0.001,"seconds":2.1}',
  '{"type":"validation","step":100,"elapsed":60,"pixelError":0.21,"iou":0.78,"randError":0.4,"score":-0.21}',
  '',
  '{"type":"snapshot","step":150,"elapsed":90,"file":"snap-90-150.safetensors","loss":0.3}',
  '{"type":"step","step":200,"loss":0.35,"lr":0.0009,"seconds":2.0}',
  '{"type":"validation","step":200,"elapsed":125.5,"pixelError":0.15,"iou":null,"randError":0.3}',
].join('\n');

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CurveError);
    return (e as Error).message;
  }
  throw new Error('expected a CurveError');
};

describe('parseCurve', () => {
  it("the 'training' clock sums step seconds up to each validation; without step seconds it keeps elapsed", () => {
    const log = ['{"type":"step","step":1,"seconds":2,"elapsed":2}', '{"type":"step","step":2,"seconds":3,"elapsed":5}', '{"type":"validation","step":2,"elapsed":15,"iou":0.5}', '{"type":"step","step":3,"seconds":4,"elapsed":19}', '{"type":"validation","step":3,"elapsed":29,"iou":0.6}'].join('\n');
    expect(parseCurve(log, 'log.jsonl', 'iou', 'training').map((p) => p.elapsed)).toEqual([5, 9]);
    expect(parseCurve(log, 'log.jsonl', 'iou').map((p) => p.elapsed)).toEqual([15, 29]);
    expect(parseCurve('{"type":"validation","step":7,"elapsed":60,"iou":0.5}', 'curve.jsonl', 'iou', 'training')[0]!.elapsed).toBe(60);
  });

  it('takes the validation lines only, with step, elapsed and the chosen metric', () => {
    expect(parseCurve(log, 'log.jsonl', 'pixelError')).toEqual([
      { step: 100, elapsed: 60, value: 0.21 },
      { step: 200, elapsed: 125.5, value: 0.15 },
    ]);
    expect(parseCurve(log, 'log.jsonl', 'randError').map((p) => p.value)).toEqual([0.4, 0.3]);
  });

  it('reads a null metric (NaN written as JSON) as NaN', () => {
    const pts = parseCurve(log, 'log.jsonl', 'iou');
    expect(pts[0]!.value).toBe(0.78);
    expect(Number.isNaN(pts[1]!.value)).toBe(true);
  });

  it('names the file and line of a line that is not JSON', () => {
    const text = '{"type":"step","step":1,"loss":0.7}\n{"type":"validation","step":2,"elapsed":3,"iou":0.5}\n{"type":"valid';
    expect(errorOf(() => parseCurve(text, 'runs/a/log.jsonl', 'iou'))).toMatch(/^runs\/a\/log\.jsonl:3: not a JSON line/);
  });

  it('rejects lines that are not objects with a string type', () => {
    expect(errorOf(() => parseCurve('[1, 2]\n', 'f.jsonl', 'iou'))).toMatch(/^f\.jsonl:1: expected a JSON object with a string "type"/);
    expect(errorOf(() => parseCurve('\n{"step":3}\n', 'f.jsonl', 'iou'))).toMatch(/^f\.jsonl:2: /);
  });

  it('rejects a validation line without elapsed, step or the metric, naming what is missing', () => {
    expect(errorOf(() => parseCurve('{"type":"validation","step":5,"iou":0.5}', 'old.jsonl', 'iou'))).toMatch(/^old\.jsonl:1: .*"elapsed"/);
    expect(errorOf(() => parseCurve('{"type":"validation","elapsed":5,"iou":0.5}', 'f.jsonl', 'iou'))).toMatch(/^f\.jsonl:1: .*"step"/);
    expect(errorOf(() => parseCurve('{"type":"validation","step":1,"elapsed":5,"iou":0.5}', 'f.jsonl', 'seg'))).toMatch(/^f\.jsonl:1: validation line without "seg" \(it has step, elapsed, iou\)/);
    expect(errorOf(() => parseCurve('{"type":"validation","step":1,"elapsed":-2,"iou":0.5}', 'f.jsonl', 'iou'))).toMatch(/"elapsed" is -2/);
    expect(errorOf(() => parseCurve('{"type":"validation","step":1,"elapsed":2,"iou":"0.5"}', 'f.jsonl', 'iou'))).toMatch(/"iou" is "0.5"/);
  });
});

describe('curveSeries', () => {
  const runs: CurveRun[] = [
    { name: 'unet-ts webasm', points: parseCurve(log, 'a', 'pixelError') },
    { name: 'PyTorch 1.13 CPU', points: [{ step: 1000, elapsed: 30, value: 0.3 }, { step: 3000, elapsed: 90, value: 0.1 }] },
  ];

  it('puts minutes (elapsed / 60) or steps on x, one series per run', () => {
    const m = curveSeries({ runs, metric: 'pixelError', x: 'minutes' });
    expect(m.map((s) => s.name)).toEqual(['unet-ts webasm', 'PyTorch 1.13 CPU']);
    expect(m[0]!.points).toEqual([[1, 0.21], [125.5 / 60, 0.15]]);
    expect(curveSeries({ runs, metric: 'pixelError', x: 'steps' })[1]!.points).toEqual([[1000, 0.3], [3000, 0.1]]);
  });

  it('adds the baseline as a dashed line over the x range of the runs', () => {
    const s = curveSeries({ runs, metric: 'pixelError', x: 'minutes', baseline: { value: 0.196, name: 'all interior' } });
    expect(s).toHaveLength(3);
    expect(s[2]).toMatchObject({ name: 'all interior', dashed: true, points: [[0, 0.196], [125.5 / 60, 0.196]] });
  });
});

describe('learningCurvesChart', () => {
  const run = (values: readonly number[]): CurveRun => ({ name: 'run', points: values.map((v, i) => ({ step: 100 * (i + 1), elapsed: 60 * (i + 1), value: v })) });

  it('draws different data differently', () => {
    const a = learningCurvesChart({ runs: [run([0.3, 0.2, 0.1])], metric: 'pixelError', x: 'minutes' });
    const b = learningCurvesChart({ runs: [run([0.3, 0.25, 0.1])], metric: 'pixelError', x: 'minutes' });
    const c = learningCurvesChart({ runs: [run([0.3, 0.2, 0.1])], metric: 'pixelError', x: 'minutes' });
    expect(Buffer.from(a.data).equals(Buffer.from(c.data))).toBe(true);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(false);
  });

  it('draws each run in its colour where its points are', () => {
    const runs = [run([0.3, 0.2, 0.1]), { ...run([0.15, 0.15, 0.15]), name: 'flat' }];
    const spec = { runs, metric: 'pixelError', x: 'minutes' } as const;
    const chart = learningCurvesChart(spec);
    const L = chartLayout(learningCurvesLineSpec(spec));
    // the flat run: a horizontal line in the second colour at y = 0.15, between minutes 1.2 and 1.8
    const [x0, y] = L.toPixel(1.2, 0.15);
    const [x1] = L.toPixel(1.8, 0.15);
    for (let x = Math.ceil(x0); x < x1; x++) expect(pixel(chart, x, Math.floor(y))).toEqual(PALETTE[1]);
  });

  it('draws the baseline dashed: gaps along its row', () => {
    const spec = { runs: [run([0.3, 0.2, 0.1])], metric: 'pixelError', x: 'minutes', baseline: { value: 0.25, name: 'constant' } } as const;
    const chart = learningCurvesChart(spec);
    const L = chartLayout(learningCurvesLineSpec(spec));
    const [xa, y] = L.toPixel(0.1, 0.25);
    const [xb] = L.toPixel(0.9, 0.25);
    const row = Array.from({ length: Math.floor(xb - xa) }, (_, i) => pixel(chart, Math.ceil(xa) + i, Math.floor(y)));
    const white = row.filter((p) => p?.[0] === 255 && p[1] === 255 && p[2] === 255).length;
    const grey = row.filter((p) => p?.[0] === 110 && p[1] === 110 && p[2] === 110).length;
    expect(grey).toBeGreaterThan(row.length / 4);
    expect(white).toBeGreaterThan(row.length / 8);
  });
});

describe('dashes', () => {
  it('cuts a polyline into pieces of the given length and gap, across its corners', () => {
    expect(dashes([[0, 0], [20, 0]], 6, 4)).toEqual([[[0, 0], [6, 0]], [[10, 0], [16, 0]]]);
    expect(dashes([[0, 0], [4, 0], [4, 8]], 6, 4)).toEqual([[[0, 0], [4, 0], [4, 2]], [[4, 6], [4, 8]]]);
    expect(dashes([[1, 1]], 6, 4)).toEqual([]);
  });
});
