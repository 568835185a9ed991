/**
 * Line charts as rasters: title, axes with ticks and labels, grid, legend, one polyline per
 * series, optional log y axis. Made for training curves (loss and validation metrics per
 * epoch, `loss.png`).
 *
 * Layout (pixels): the title on top, y tick labels and the rotated y label on the left, x
 * tick labels and the x label below, the plot area in between. Data map linearly (or by
 * log₁₀ for `logY`) onto the plot area's edges, the axis ranges widened to whole ticks.
 * Non-finite points (and y ≤ 0 on a log axis) are skipped and break the line.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { encodeRgbPng } from '../data/png.js';
 * const png = encodeRgbPng(lineChart({
 *   title: 'Training', xLabel: 'epoch', yLabel: 'loss', logY: true,
 *   series: [{ name: 'train loss', points: [[1, 0.7], [2, 0.4], [3, 0.3]] }],
 * }));
 * writeFileSync('loss.png', png);
 */
import { BLACK, capHeight, draw, raster, textHeight, textWidth, type Mark, type Raster, type Rgb } from './raster.js';
import { formatTick, linearTicks, logTicks, type Ticks } from './ticks.js';

/** One line of a chart, e.g. `{ name: 'train loss', points: [[1, 0.7], [2, 0.5]] }`. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [x: number, y: number])[];
  /** Defaults to the next colour of `PALETTE`. */
  readonly color?: Rgb;
  /** Draw the line dashed (e.g. a constant baseline); default false. */
  readonly dashed?: boolean;
}

/** What `lineChart` draws. */
export interface LineChartSpec {
  readonly title?: string;
  readonly series: readonly Series[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly logY?: boolean;
  /** Default 800. */
  readonly width?: number;
  /** Default 480. */
  readonly height?: number;
}

/** Series colours by default (Tableau 10, the matplotlib default cycle). */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

const GRID: Rgb = [225, 225, 225];
const FRAME: Rgb = [60, 60, 60];

/** The geometry of a chart, from `chartLayout` (exposed for tests and annotations). */
export interface ChartLayout {
  /** Font scale of ticks, labels and legend; the title is one larger. */
  readonly scale: number;
  /** The plot area in pixels: x ∈ [left, right], y ∈ [top, bottom]. */
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly xTicks: Ticks;
  readonly yTicks: Ticks;
  /** Data → pixel coordinates (continuous; pixel (i, j) covers [i, i+1) × [j, j+1)). */
  readonly toPixel: (x: number, y: number) => readonly [number, number];
}

/** [min, max] by a loop (spreading 10⁵+ values into Math.min overflows the stack); ±∞ when empty. */
export const extent = (vs: readonly number[]): [number, number] => {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of vs) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return [lo, hi];
};

/**
 * Min–max decimation of a polyline in pixel space: of consecutive points in one pixel column
 * keep the first, lowest, highest and last (in order). The drawn envelope is the same, and a
 * chart of 10⁶ training steps costs as much as one of a few thousand.
 *
 * @example
 * decimate([[0.1, 5], [0.2, 9], [0.3, 1], [0.35, 7], [0.4, 4], [1.5, 2]]);
 * // [[0.1, 5], [0.2, 9], [0.3, 1], [0.4, 4], [1.5, 2]]: [0.35, 7] is neither first, last, lowest nor highest
 */
export const decimate = (pts: readonly (readonly [number, number])[]): (readonly [number, number])[] => {
  const out: (readonly [number, number])[] = [];
  let i = 0;
  while (i < pts.length) {
    const column = Math.floor(pts[i]![0]);
    let [j, lo, hi] = [i, i, i];
    for (; j < pts.length && Math.floor(pts[j]![0]) === column; j++) {
      if (pts[j]![1] < pts[lo]![1]) lo = j;
      if (pts[j]![1] > pts[hi]![1]) hi = j;
    }
    for (const k of [...new Set([i, lo, hi, j - 1])].sort((a, b) => a - b)) out.push(pts[k]!);
    i = j;
  }
  return out;
};

const usable = (logY: boolean) => (p: readonly [number, number]): boolean =>
  Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!logY || p[1] > 0);

/**
 * Where everything goes: tick ranges, plot area and the data → pixel map of a chart.
 *
 * @example
 * const l = chartLayout({ series: [{ name: 'a', points: [[0, 1], [10, 1]] }] });
 * l.toPixel(0, 1); // [l.left, …]
 */
export const chartLayout = (spec: LineChartSpec): ChartLayout => {
  const width = spec.width ?? 800;
  const height = spec.height ?? 480;
  const logY = spec.logY ?? false;
  const scale = Math.max(1, Math.min(3, Math.round(Math.min(width / 400, height / 240))));
  const points = spec.series.flatMap((s) => s.points.filter(usable(logY)));
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const xTicks = linearTicks(...extent(xs));
  const yTicks = logY ? logTicks(...extent(ys)) : linearTicks(...extent(ys));
  const pad = 4 * scale;
  const tick = 3 * scale;
  const line = textHeight(scale);
  const yLabelWidth = Math.max(...yTicks.ticks.map((v) => textWidth(formatTick(v, yTicks.step), scale)));
  const lastX = formatTick(xTicks.ticks[xTicks.ticks.length - 1] ?? 0, xTicks.step);
  const left = pad + (spec.yLabel ? line + 2 * pad : 0) + yLabelWidth + tick + pad;
  const right = width - Math.max(2 * pad, textWidth(lastX, scale) / 2 + pad);
  const top = spec.title ? textHeight(scale + 1) + 3 * pad : 2 * pad;
  const bottom = height - (tick + pad + line + pad + (spec.xLabel ? line + 2 * pad : 0));
  const fx = (x: number) => (x - xTicks.min) / (xTicks.max - xTicks.min);
  const fy = logY
    ? (y: number) => (Math.log10(y) - Math.log10(yTicks.min)) / (Math.log10(yTicks.max) - Math.log10(yTicks.min))
    : (y: number) => (y - yTicks.min) / (yTicks.max - yTicks.min);
  const toPixel = (x: number, y: number) => [left + fx(x) * (right - left), bottom - fy(y) * (bottom - top)] as const;
  return { scale, left, right, top, bottom, xTicks, yTicks, toPixel };
};

/** Runs of consecutive usable points (a skipped point breaks the line). */
const runs = (points: Series['points'], ok: (p: readonly [number, number]) => boolean): (readonly [number, number])[][] =>
  points.reduce<(readonly [number, number])[][]>(
    (acc, p) => {
      if (ok(p)) acc[acc.length - 1]!.push(p);
      else if (acc[acc.length - 1]!.length > 0) acc.push([]);
      return acc;
    },
    [[]],
  ).filter((r) => r.length > 0);

/** Points along a polyline, at most 4 px apart (to test what a legend box would hide). */
const densify = (points: readonly (readonly [number, number])[]): (readonly [number, number])[] =>
  points.flatMap((p, k) => {
    const q = points[k + 1];
    if (q === undefined) return [p];
    const n = Math.max(1, Math.ceil(Math.hypot(q[0] - p[0], q[1] - p[1]) / 4));
    return Array.from({ length: n }, (_, i) => [p[0] + ((q[0] - p[0]) * i) / n, p[1] + ((q[1] - p[1]) * i) / n] as const);
  });

/**
 * The dashes of a polyline in pixel space: pieces `on` px long, `off` px apart, along its length.
 *
 * @example
 * dashes([[0, 0], [20, 0]], 6, 4); // [[[0, 0], [6, 0]], [[10, 0], [16, 0]]]
 */
export const dashes = (points: readonly (readonly [number, number])[], on: number, off: number): (readonly [number, number])[][] => {
  const out: (readonly [number, number])[][] = [];
  if (points.length < 2) return out;
  let current: (readonly [number, number])[] | undefined = [points[0]!];
  let phase = 0; // distance into the current on+off period
  for (let k = 1; k < points.length; k++) {
    const [ax, ay] = points[k - 1]!;
    const [bx, by] = points[k]!;
    const len = Math.hypot(bx - ax, by - ay);
    let t = 0;
    while (t < len) {
      const edge = phase < on ? on : on + off; // where the current dash or gap ends
      const step = Math.min(edge - phase, len - t);
      t += step;
      phase += step;
      const p = [ax + ((bx - ax) * t) / len, ay + ((by - ay) * t) / len] as const;
      if (current) current.push(p);
      if (phase >= on + off) (phase = 0), (current = [p]);
      else if (phase >= on && current) out.push(current), (current = undefined);
    }
  }
  if (current && current.length > 1) out.push(current);
  return out;
};

/**
 * The chart as a raster (white background). The legend goes in the corner of the plot area
 * that hides the least of the lines.
 *
 * @example
 * lineChart({ title: 'Loss', xLabel: 'epoch', yLabel: 'loss', series: [{ name: 'train', points: [[1, 0.6], [2, 0.4]] }] });
 */
export const lineChart = (spec: LineChartSpec): Raster => {
  const width = spec.width ?? 800;
  const height = spec.height ?? 480;
  const L = chartLayout(spec);
  const { scale: s, left, right, top, bottom } = L;
  const pad = 4 * s;
  const tick = 3 * s;
  const line = textHeight(s);
  const marks: Mark[] = [];
  const [x0, x1] = [Math.round(left), Math.round(right)];
  const [y0, y1] = [Math.round(top), Math.round(bottom)];
  // grid, tick marks and tick labels
  for (const v of L.yTicks.ticks) {
    const y = Math.round(L.toPixel(L.xTicks.min, v)[1]);
    const label = formatTick(v, L.yTicks.step);
    marks.push({ kind: 'rect', x: x0, y, width: x1 - x0, height: 1, color: GRID });
    marks.push({ kind: 'rect', x: x0 - tick, y, width: tick, height: 1, color: FRAME });
    marks.push({ kind: 'text', x: x0 - tick - pad - textWidth(label, s), y: y - Math.floor(capHeight(s) / 2), text: label, color: BLACK, scale: s });
  }
  for (const v of L.xTicks.ticks) {
    const x = Math.round(L.toPixel(v, L.yTicks.min)[0]);
    const label = formatTick(v, L.xTicks.step);
    marks.push({ kind: 'rect', x, y: y0, width: 1, height: y1 - y0, color: GRID });
    marks.push({ kind: 'rect', x, y: y1 + 1, width: 1, height: tick, color: FRAME });
    marks.push({ kind: 'text', x: x - Math.floor(textWidth(label, s) / 2), y: y1 + tick + pad, text: label, color: BLACK, scale: s });
  }
  // frame
  marks.push(
    { kind: 'rect', x: x0, y: y0, width: x1 - x0 + 1, height: 1, color: FRAME },
    { kind: 'rect', x: x0, y: y1, width: x1 - x0 + 1, height: 1, color: FRAME },
    { kind: 'rect', x: x0, y: y0, width: 1, height: y1 - y0 + 1, color: FRAME },
    { kind: 'rect', x: x1, y: y0, width: 1, height: y1 - y0 + 1, color: FRAME },
  );
  // title and axis labels
  if (spec.title) {
    marks.push({ kind: 'text', x: Math.round((width - textWidth(spec.title, s + 1)) / 2), y: 2 * pad, text: spec.title, color: BLACK, scale: s + 1 });
  }
  if (spec.xLabel) {
    const x = Math.round((x0 + x1 - textWidth(spec.xLabel, s)) / 2);
    marks.push({ kind: 'text', x, y: height - pad - line, text: spec.xLabel, color: BLACK, scale: s });
  }
  if (spec.yLabel) {
    const y = Math.round((y0 + y1 - textWidth(spec.yLabel, s)) / 2);
    marks.push({ kind: 'text', x: 2 * pad, y, text: spec.yLabel, color: BLACK, scale: s, vertical: true });
  }
  // the series, then the legend over them
  const ok = usable(spec.logY ?? false);
  const colors = spec.series.map((sr, k) => sr.color ?? PALETTE[k % PALETTE.length]!);
  const lines = spec.series.map((sr) => runs(sr.points, ok).map((run) => decimate(run.map(([x, y]) => L.toPixel(x, y)))));
  lines.forEach((runsOfSeries, k) => {
    for (const points of runsOfSeries) {
      const [p] = points;
      // a run of one point (e.g. a single validation) has no line to draw: mark it with a dot
      if (points.length === 1 && p) marks.push({ kind: 'rect', x: Math.round(p[0] - 2.5 * s), y: Math.round(p[1] - 2.5 * s), width: Math.round(5 * s), height: Math.round(5 * s), color: colors[k]! });
      else if (spec.series[k]!.dashed) for (const d of dashes(points, 6 * s, 4 * s)) marks.push({ kind: 'polyline', points: d, color: colors[k]!, width: 1.5 * s });
      else marks.push({ kind: 'polyline', points, color: colors[k]!, width: 1.5 * s });
    }
  });
  if (spec.series.length > 0) {
    const swatch = 8 * s;
    const rowH = line + pad;
    const boxW = swatch + 3 * pad + Math.max(...spec.series.map((sr) => textWidth(sr.name, s))) + pad;
    const boxH = spec.series.length * rowH + pad;
    // the plot corner whose box covers the fewest samples of the lines (top right on ties)
    const samples = lines.flat().flatMap(densify);
    const corners = [
      [x1 - pad - boxW, y0 + pad],
      [x0 + pad + 1, y0 + pad],
      [x1 - pad - boxW, y1 - pad - boxH],
      [x0 + pad + 1, y1 - pad - boxH],
    ] as const;
    const covered = ([bx, by]: readonly [number, number]) =>
      samples.filter(([x, y]) => x >= bx - pad && x <= bx + boxW + pad && y >= by - pad && y <= by + boxH + pad).length;
    const [bx, by] = corners.reduce((best, c) => (covered(c) < covered(best) ? c : best));
    marks.push({ kind: 'rect', x: bx - 1, y: by - 1, width: boxW + 2, height: boxH + 2, color: [190, 190, 190] });
    marks.push({ kind: 'rect', x: bx, y: by, width: boxW, height: boxH, color: [255, 255, 255] });
    spec.series.forEach((sr, k) => {
      const ty = by + pad + k * rowH;
      const cy = ty + capHeight(s) / 2;
      const swatchLine = [[bx + pad, cy], [bx + pad + swatch, cy]] as const;
      for (const d of sr.dashed ? dashes(swatchLine, 3 * s, 2 * s) : [swatchLine]) marks.push({ kind: 'polyline', points: d, color: colors[k]!, width: 1.5 * s });
      marks.push({ kind: 'text', x: bx + 2 * pad + swatch, y: ty, text: sr.name, color: BLACK, scale: s });
    });
  }
  return draw(raster(width, height), marks);
};
