/**
 * The evaluation report: a fixed-width text table (one row per image and the mean) and
 * the same numbers as JSON (NaN, an undefined metric, becomes null).
 *
 * @example
 * import { tableHeader, tableRow } from './report.js';
 * console.log(tableHeader(['pixelError', 'iou']));
 * console.log(tableRow('img01', ['pixelError', 'iou'], { pixelError: 0.06, iou: 0.91 }));
 */
import type { Evaluation, MetricName } from './evaluate.js';

const TITLES: Readonly<Record<MetricName, string>> = {
  pixelError: 'pixel err',
  iou: 'fg IoU',
  dice: 'Dice',
  randError: 'Rand err',
  vInfo: 'V_Info',
  seg: 'SEG',
};

const NAME = 24;
const COL = 10;

/**
 * The header line (and a rule under it).
 *
 * @example
 * tableHeader(['iou']); // 'image                        fg IoU\n------…'
 */
export const tableHeader = (names: readonly MetricName[]): string => {
  const head = 'image'.padEnd(NAME) + names.map((n) => TITLES[n].padStart(COL)).join('');
  return `${head}\n${'-'.repeat(head.length)}`;
};

/**
 * One row: the name (cut to fit) and each metric with 4 decimals ('–' when undefined).
 *
 * @example
 * tableRow('mean', ['iou'], { iou: 0.5 }); // 'mean                         0.5000'
 */
export const tableRow = (name: string, names: readonly MetricName[], values: Readonly<Partial<Record<MetricName, number>>>): string => {
  const cell = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(4)).padStart(COL);
  const label = name.length > NAME - 1 ? `${name.slice(0, NAME - 2)}…` : name;
  return label.padEnd(NAME) + names.map((n) => cell(values[n])).join('');
};

/**
 * The whole table: header, image rows, a rule and the mean.
 *
 * @example
 * declare const evaluation: Evaluation;
 * console.log(formatTable(['pixelError'], evaluation));
 */
export const formatTable = (names: readonly MetricName[], ev: Evaluation): string => {
  const header = tableHeader(names);
  const rule = '-'.repeat(header.split('\n')[0]!.length);
  return [header, ...ev.images.map((m) => tableRow(m.name, names, m)), rule, tableRow('mean', names, ev.mean)].join('\n');
};

/**
 * The report as a JSON value (NaN → null, through JSON.stringify).
 *
 * @example
 * declare const evaluation: Evaluation;
 * JSON.stringify(reportJson({ model: 'm.safetensors', tile: 252, tta: false }, evaluation), null, 2);
 */
export const reportJson = (settings: Readonly<Record<string, unknown>>, ev: Evaluation): unknown => ({ ...settings, images: ev.images, mean: ev.mean });
