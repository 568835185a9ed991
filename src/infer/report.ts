/**
 * The evaluation report: a fixed-width text table (one row per image and the mean) and
 * the same numbers as JSON (NaN, an undefined metric, becomes null).
 *
 * @example
 * import { tableHeader, tableRow } from './report.js';
 * console.log(tableHeader(['pixelError', 'iou']));
 * console.log(tableRow('img01', ['pixelError', 'iou'], { pixelError: 0.06, iou: 0.91 }));
 */
import { CONSTANT_BASELINE, ORACLE_BASELINE, type BaselineEvaluation } from './baseline.js';
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

/** What each baseline row is, for the lines under the table. */
const BASELINE_NOTES: Readonly<Record<string, string>> = {
  [CONSTANT_BASELINE]: "every pixel the most frequent class of the image's own ground truth (ties: the lowest class); no constant has a lower pixel error",
  [ORACLE_BASELINE]:
    'the true foreground without separation borders, each 4-connected component one object (oracle mask: pixel error = the separation borders only, 0 without them); its SEG is what merging touching objects costs',
};

/**
 * The lines printed under the model's mean row: each baseline's mean row, whether the model
 * beats the constant on pixel error image by image, and what the baselines are. The model's
 * and the baselines' images are matched by position.
 *
 * @example
 * declare const evaluation: Evaluation;
 * declare const truths: LoadedEntry[];
 * console.log(baselineLines(['pixelError', 'iou'], evaluation, baselineEvaluation(truths)).join('\n'));
 */
export const baselineLines = (names: readonly MetricName[], ev: Evaluation, baselines: readonly BaselineEvaluation[]): string[] => {
  const rows = baselines.map((b) => tableRow(b.name, names, b.mean));
  const constant = baselines.find((b) => b.name === CONSTANT_BASELINE);
  const beats = constant === undefined ? [] : [beatsConstant(ev, constant)];
  const notes = baselines.map((b) => `  ${b.name}: ${BASELINE_NOTES[b.name] ?? 'a baseline'}`);
  return [...rows, ...beats, 'baselines (from each ground truth, scored as the model):', ...notes];
};

/** "model beats the constant on pixel error in k of n images", naming the others. */
const beatsConstant = (ev: Evaluation, constant: BaselineEvaluation): string => {
  const lost = ev.images.filter((m, i) => !(m.pixelError < (constant.images[i]?.pixelError ?? NaN))).map((m) => m.name);
  const n = ev.images.length;
  const tail = lost.length === 0 ? '' : ` (not in: ${lost.length > 8 ? `${lost.slice(0, 8).join(', ')}, …` : lost.join(', ')})`;
  return `model beats the constant on pixel error in ${n - lost.length} of ${n} images${tail}`;
};

/**
 * The report as a JSON value (NaN → null, through JSON.stringify); the baselines, when
 * given, as `baselines: [{ name, images, mean }]`.
 *
 * @example
 * declare const evaluation: Evaluation;
 * JSON.stringify(reportJson({ model: 'm.safetensors', tile: 252, tta: false }, evaluation), null, 2);
 */
export const reportJson = (settings: Readonly<Record<string, unknown>>, ev: Evaluation, baselines?: readonly BaselineEvaluation[]): unknown => ({
  ...settings,
  images: ev.images,
  mean: ev.mean,
  ...(baselines !== undefined ? { baselines } : {}),
});
