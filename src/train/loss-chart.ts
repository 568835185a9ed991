/**
 * `loss.png`: the training loss (and its running mean) and the validation metrics against
 * the step, drawn from log.jsonl by the project's own PNG renderer.
 */
import { readFileSync } from 'node:fs';
import { lineChart, type Series } from '../plot/line-chart.js';
import { encodeRgbPng } from '../data/png.js';
import { sideBySide } from '../plot/overlay.js';
import { writeFileAtomic } from '../io/atomic.js';

interface LogLine {
  readonly type: string;
  readonly step: number;
  readonly [k: string]: unknown;
}

const readLog = (file: string): LogLine[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LogLine);

/** Exponential moving average, the usual way to read a noisy batch-1 loss. */
const smooth = (pts: readonly (readonly [number, number])[], alpha = 0.1): [number, number][] => {
  let m = pts[0]?.[1] ?? 0;
  return pts.map(([x, y]) => [x, (m = alpha * y + (1 - alpha) * m)]);
};

/** Renders the loss and validation curves of `logFile` to `pngFile` (atomically). */
export const writeLossChart = async (logFile: string, pngFile: string): Promise<void> => {
  const log = readLog(logFile);
  const loss = log.filter((l) => l.type === 'step').map((l) => [l.step, Number(l['loss'])] as [number, number]);
  const vals = log.filter((l) => l.type === 'validation');
  const lossSeries: Series[] = [
    { name: 'loss', points: loss, color: [170, 200, 230] },
    { name: 'loss (EMA 0.1)', points: smooth(loss), color: [31, 119, 180] },
  ];
  const charts = [lineChart({ title: 'training loss (weighted cross-entropy)', series: lossSeries, xLabel: 'step', yLabel: 'loss', logY: loss.every(([, y]) => y > 0), width: 800, height: 420 })];
  const metricNames = ['iou', 'pixelError', 'randError'].filter((k) => vals.some((v) => typeof v[k] === 'number'));
  if (vals.length > 0 && metricNames.length > 0) {
    const series: Series[] = metricNames.map((k) => ({ name: k, points: vals.map((v) => [v.step, Number(v[k])] as [number, number]) }));
    charts.push(lineChart({ title: 'validation', series, xLabel: 'step', yLabel: 'metric', width: 800, height: 420 }));
  }
  writeFileAtomic(pngFile, encodeRgbPng(charts.length === 1 ? charts[0]! : sideBySide(charts, 8)));
};
