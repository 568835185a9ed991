/**
 * Learning curves of several runs in one PNG: a held-out metric against wall-clock minutes
 * (and, with --x both, a second panel against steps), one labelled line per run, from the
 * validation lines of JSONL logs (unet-ts's log.jsonl; a PyTorch reference run's curve.jsonl
 * from scripts/reference/evaluate-snapshots.ts). Drawn by src/plot/learning-curves.ts.
 *
 *   npx tsx scripts/learning-curves.ts --metric pixelError --out docs/isbi-curves.png \
 *     --curve "unet-ts webasm=out/ts-isbi/log.jsonl" \
 *     --curve "PyTorch 1.13 CPU=out/torch-isbi/curve.jsonl" \
 *     [--baseline 0.196 --baseline-label "all cell interior"] [--x minutes|steps|both] [--title T]
 *     [--clock training|wall]
 *
 * --clock training (default): minutes of training only — for a unet-ts log the sum of its step
 * seconds (its validations during training do not count), for a reference curve its elapsed
 * (scored after training); --clock wall: each log's elapsed as written.
 *
 * --metric: pixelError, iou, dice, randError, vInfo or seg.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeRgbPng } from '../src/data/png.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { CURVE_METRICS, CurveError, isCurveMetric, learningCurvesChart, parseCurve, type CurveRun, type LearningCurvesSpec } from '../src/plot/learning-curves.js';
import { sideBySide } from '../src/plot/overlay.js';

const fail = (msg: string): never => {
  console.error(`learning-curves: ${msg}`);
  process.exit(2);
};

const { values } = parseArgs({
  options: {
    curve: { type: 'string', multiple: true },
    metric: { type: 'string' },
    out: { type: 'string' },
    baseline: { type: 'string' },
    'baseline-label': { type: 'string' },
    x: { type: 'string' },
    title: { type: 'string' },
    clock: { type: 'string' },
  },
});

const metric = values.metric ?? fail(`--metric is required (${CURVE_METRICS.join(', ')})`);
if (!isCurveMetric(metric)) fail(`--metric ${metric}: expected one of ${CURVE_METRICS.join(', ')}`);
const out = values.out ?? fail('--out FILE.png is required');
const curves = values.curve ?? fail('give at least one --curve "LABEL=FILE.jsonl"');
const x = values.x ?? 'minutes';
if (x !== 'minutes' && x !== 'steps' && x !== 'both') fail(`--x ${x}: expected minutes, steps or both`);
const clock = values.clock ?? 'training';
if (clock !== 'training' && clock !== 'wall') fail(`--clock ${clock}: expected training or wall`);
const baselineValue = values.baseline === undefined ? undefined : Number(values.baseline);
if (baselineValue !== undefined && !Number.isFinite(baselineValue)) fail(`--baseline ${values.baseline}: expected a number`);

const runs: CurveRun[] = curves.map((c) => {
  const eq = c.indexOf('=');
  if (eq <= 0 || eq === c.length - 1) return fail(`--curve ${c}: expected LABEL=FILE.jsonl`);
  const [name, file] = [c.slice(0, eq), c.slice(eq + 1)];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail(`${file}: cannot read (${(e as Error).message})`);
  }
  try {
    const points = parseCurve(text, file, metric as Parameters<typeof parseCurve>[2], clock as 'training' | 'wall');
    if (points.length === 0) console.warn(`learning-curves: ${file} has no validation lines`);
    return { name, points };
  } catch (e) {
    return fail(e instanceof CurveError ? e.message : String(e));
  }
});

const base: Omit<LearningCurvesSpec, 'x'> = {
  runs,
  metric: metric as LearningCurvesSpec['metric'],
  ...(baselineValue !== undefined ? { baseline: { value: baselineValue, name: values['baseline-label'] ?? `baseline ${baselineValue}` } } : {}),
  ...(values.title !== undefined ? { title: values.title } : {}),
};
const axes: readonly ('minutes' | 'steps')[] = x === 'both' ? ['minutes', 'steps'] : [x as 'minutes' | 'steps'];
const panels = axes.map((axis) => learningCurvesChart({ ...base, x: axis }));
writeFileAtomic(out, encodeRgbPng(panels.length === 1 ? panels[0]! : sideBySide(panels, 8)));
for (const r of runs) {
  const last = r.points[r.points.length - 1];
  console.log(`${r.name}: ${r.points.length} validations${last ? `, last at step ${last.step}, ${(last.elapsed / 60).toFixed(1)} min: ${metric} ${last.value.toFixed(4)}` : ''}`);
}
console.log(`wrote ${out}`);
