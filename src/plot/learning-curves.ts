/**
 * Learning curves of several training runs side by side: one held-out metric against
 * wall-clock minutes (or steps), one labelled line per run, from JSONL logs whose
 * `{"type":"validation", ...}` lines carry `step`, `elapsed` (seconds since the run's start)
 * and the metric — unet-ts's log.jsonl and the curve.jsonl that
 * scripts/reference/evaluate-snapshots.ts writes for a PyTorch reference run alike. Other
 * line types (step, snapshot) are skipped; a line that is not a JSON object with a string
 * `type`, or a validation line without a numeric step, elapsed or the metric, is an error
 * naming the file and the line. A metric of `null` (NaN written as JSON) is a gap in the line.
 *
 * Two clocks: 'wall' takes `elapsed` as written (unet-ts's includes the time its in-run
 * validations took); 'training' counts only training: where the log has step lines with
 * `seconds` (unet-ts's), a validation's time is the sum of the step seconds up to its step,
 * so runs scored during training compare fairly with a reference scored afterwards (whose
 * `elapsed` is training time already; logs without step seconds keep `elapsed`).
 *
 * @example
 * // from a module elsewhere in src/ (plot is not exported by 'unet-ts'):
 * import { encodeRgbPng } from '../data/png.js';
 * const text = '{"type":"validation","step":100,"elapsed":60,"pixelError":0.2}\n';
 * const run = { name: 'unet-ts webasm', points: parseCurve(text, 'log.jsonl', 'pixelError') };
 * encodeRgbPng(learningCurvesChart({ runs: [run], metric: 'pixelError', x: 'minutes', baseline: { value: 0.196, name: 'all interior' } }));
 */
import { lineChart, type LineChartSpec, type Series } from './line-chart.js';
import type { Raster, Rgb } from './raster.js';

/** The held-out metrics of unet-ts's evaluation (src/infer/evaluate.ts `ImageMetrics`). */
export const CURVE_METRICS = ['pixelError', 'iou', 'dice', 'randError', 'vInfo', 'seg'] as const;
export type CurveMetric = (typeof CURVE_METRICS)[number];

/** Axis labels of the metrics. */
const METRIC_LABEL: Readonly<Record<CurveMetric, string>> = {
  pixelError: 'pixel error',
  iou: 'foreground IoU',
  dice: 'Dice',
  randError: 'Rand error',
  vInfo: 'V_Info',
  seg: 'SEG',
};

export const isCurveMetric = (s: string): s is CurveMetric => (CURVE_METRICS as readonly string[]).includes(s);

/** A malformed log line (the message names the file and the 1-based line). */
export class CurveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CurveError';
  }
}

/** One validation of a run: `value` is NaN where the log holds null. */
export interface CurvePoint {
  readonly step: number;
  /** Seconds since the run's start, on the clock `parseCurve` was asked for. */
  readonly elapsed: number;
  readonly value: number;
}

/**
 * The validation points of one JSONL log, in file order. Throws a CurveError naming `file`
 * and the line for a line that is not a JSON object with a string `type`, or a validation
 * line whose step, elapsed or `metric` is missing or not a number.
 *
 * @example
 * parseCurve('{"type":"step","step":1,"loss":0.7}\n{"type":"validation","step":2,"elapsed":30,"iou":0.8}\n', 'log.jsonl', 'iou');
 * // [{ step: 2, elapsed: 30, value: 0.8 }]
 */
export const parseCurve = (text: string, file: string, metric: CurveMetric, clock: 'wall' | 'training' = 'wall'): CurvePoint[] => {
  const points: CurvePoint[] = [];
  let trained = 0;
  let stepSeconds = false;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      throw new CurveError(`${where}: not a JSON line: ${line.slice(0, 60)}${line.length > 60 ? '…' : ''}`);
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || typeof (entry as Record<string, unknown>)['type'] !== 'string') {
      throw new CurveError(`${where}: expected a JSON object with a string "type" (step, validation, snapshot, …)`);
    }
    const e = entry as Record<string, unknown>;
    if (e['type'] === 'step' && typeof e['seconds'] === 'number') {
      trained += e['seconds'];
      stepSeconds = true;
    }
    if (e['type'] !== 'validation') return;
    const { step, elapsed } = e;
    const value = e[metric];
    if (typeof step !== 'number' || !Number.isFinite(step)) throw new CurveError(`${where}: validation line without a numeric "step"`);
    if (elapsed === undefined) {
      throw new CurveError(`${where}: validation line without "elapsed" (seconds since the run's start); a log written before the trainer recorded it cannot be drawn against time`);
    }
    if (typeof elapsed !== 'number' || !Number.isFinite(elapsed) || elapsed < 0) throw new CurveError(`${where}: "elapsed" is ${JSON.stringify(elapsed)}; expected seconds ≥ 0`);
    if (value === undefined) {
      throw new CurveError(`${where}: validation line without "${metric}" (it has ${Object.keys(e).filter((k) => k !== 'type').join(', ')}); evaluate with --instances for seg`);
    }
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw new CurveError(`${where}: "${metric}" is ${JSON.stringify(value)}; expected a number or null`);
    points.push({ step, elapsed: clock === 'training' && stepSeconds ? Math.round(trained * 100) / 100 : elapsed, value: value === null ? NaN : value });
  });
  return points;
};

/** One run of a learning-curve chart. */
export interface CurveRun {
  readonly name: string;
  readonly points: readonly CurvePoint[];
  readonly color?: Rgb;
}

export interface LearningCurvesSpec {
  readonly runs: readonly CurveRun[];
  readonly metric: CurveMetric;
  /** The x axis: wall-clock minutes since each run's start, or training steps. */
  readonly x: 'minutes' | 'steps';
  /** A constant drawn dashed across the chart (e.g. the score of labelling every pixel foreground). */
  readonly baseline?: { readonly value: number; readonly name: string };
  /** Default: "held-out <metric> vs wall-clock time" (or "vs step"). */
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
}

const BASELINE_COLOR: Rgb = [110, 110, 110];

/**
 * The line-chart series of a spec: one per run (x in minutes = elapsed / 60, or the step),
 * then the baseline as a dashed line across the runs' x range.
 *
 * @example
 * curveSeries({ runs: [{ name: 'a', points: [{ step: 10, elapsed: 120, value: 0.3 }] }], metric: 'iou', x: 'minutes' })[0]!.points;
 * // [[2, 0.3]]
 */
export const curveSeries = (spec: LearningCurvesSpec): Series[] => {
  const xOf = (p: CurvePoint): number => (spec.x === 'minutes' ? p.elapsed / 60 : p.step);
  const runs: Series[] = spec.runs.map((r) => ({ name: r.name, points: r.points.map((p) => [xOf(p), p.value] as const), ...(r.color ? { color: r.color } : {}) }));
  if (spec.baseline === undefined) return runs;
  const xs = runs.flatMap((s) => s.points.map(([x]) => x)).filter(Number.isFinite);
  const [lo, hi] = xs.length > 0 ? [Math.min(0, ...xs), Math.max(...xs)] : [0, 1];
  const { value, name } = spec.baseline;
  return [...runs, { name, points: [[lo, value], [hi > lo ? hi : lo + 1, value]], color: BASELINE_COLOR, dashed: true }];
};

/**
 * The line chart that draws `spec` (title, axis labels, series), exposed so callers and tests
 * can map data to pixels with `chartLayout`.
 *
 * @example
 * learningCurvesLineSpec({ runs: [], metric: 'seg', x: 'minutes' }).yLabel; // 'SEG'
 */
export const learningCurvesLineSpec = (spec: LearningCurvesSpec): LineChartSpec => {
  const label = METRIC_LABEL[spec.metric];
  return {
    title: spec.title ?? `held-out ${label} vs ${spec.x === 'minutes' ? 'wall-clock time' : 'step'}`,
    series: curveSeries(spec),
    xLabel: spec.x === 'minutes' ? 'minutes of training (wall clock)' : 'step',
    yLabel: label,
    width: spec.width ?? 800,
    height: spec.height ?? 480,
  };
};

/**
 * The chart of `spec` as a raster (see the module comment).
 *
 * @example
 * learningCurvesChart({ runs: [], metric: 'randError', x: 'steps' }).width; // 800
 */
export const learningCurvesChart = (spec: LearningCurvesSpec): Raster => lineChart(learningCurvesLineSpec(spec));
