/**
 * Scores every snapshot of a reference run (scripts/reference/torch_unet_train.py) on the
 * held-out images with unet-ts's own `evaluateModel` (src/infer/evaluate.ts), so the PyTorch
 * curve is measured by the same metric code as unet-ts's training validation. For each
 * `{"type":"snapshot",...}` line of DIR/log.jsonl it appends
 *
 *   {"type":"validation","step":..,"elapsed":..,"file":..,"pixelError":..,"iou":..,"dice":..,
 *    "randError":..,"vInfo":..[,"seg":..]}
 *
 * (the means over the held-out images; NaN is written as null) to DIR/curve.jsonl. Snapshots
 * already in curve.jsonl are skipped, so it can be re-run while the run is still going.
 *
 *   npx tsx scripts/reference/evaluate-snapshots.ts --run DIR --images DIR --labels DIR
 *       [--instances] (--names A,B,... | --val-fraction F [--seed N]) [--tile N] [--tta]
 *       [--backend webasm|cpu|...]
 *
 * The held-out split is `splitDataset`'s, i.e. what `unet-ts train` / `unet-ts evaluate` hold
 * out with the same --names or --val-fraction/--seed.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEntry, openDataset, splitDataset } from '../../src/data/dataset.js';
import { evaluateModel } from '../../src/infer/evaluate.js';
import { checkChannels, loadModel } from '../../src/infer/files.js';
import { createRuntime } from '../../src/runtime/runtime.js';

const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    images: { type: 'string' },
    labels: { type: 'string' },
    instances: { type: 'boolean' },
    names: { type: 'string' },
    'val-fraction': { type: 'string' },
    seed: { type: 'string' },
    tile: { type: 'string' },
    tta: { type: 'boolean' },
    backend: { type: 'string' },
  },
});

const fail = (msg: string): never => {
  console.error(`evaluate-snapshots: ${msg}`);
  process.exit(2);
};
const need = (k: 'run' | 'images' | 'labels'): string => values[k] ?? fail(`--${k} is required`);

interface Snapshot {
  readonly step: number;
  readonly elapsed: number;
  readonly file: string;
}

/** The snapshot lines of a log.jsonl, checked; the error names the file and line. */
const snapshotsOf = (logFile: string): Snapshot[] =>
  readFileSync(logFile, 'utf8')
    .split('\n')
    .flatMap((line, i): Snapshot[] => {
      if (line.trim() === '') return [];
      let e: unknown;
      try {
        e = JSON.parse(line);
      } catch {
        return fail(`${logFile}:${i + 1}: not JSON: ${line.slice(0, 80)}`);
      }
      const o = e as Record<string, unknown>;
      if (o['type'] !== 'snapshot') return [];
      const { step, elapsed, file } = o;
      if (typeof step !== 'number' || typeof elapsed !== 'number' || typeof file !== 'string') {
        return fail(`${logFile}:${i + 1}: a snapshot line needs numbers step, elapsed and a string file`);
      }
      return [{ step, elapsed, file }];
    });

const run = need('run');
const logFile = join(run, 'log.jsonl');
if (!existsSync(logFile)) fail(`${logFile} does not exist; expected the folder of a torch_unet_train.py run`);
const curveFile = join(run, 'curve.jsonl');
const done = new Set<string>(
  existsSync(curveFile)
    ? readFileSync(curveFile, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => String((JSON.parse(l) as Record<string, unknown>)['file']))
    : [],
);
const todo = snapshotsOf(logFile).filter((s) => !done.has(s.file));

const instances = values.instances === true;
const all = openDataset({ imagesDir: need('images'), labelsDir: need('labels'), kind: instances ? 'instances' : 'binary' });
if ((values.names === undefined) === (values['val-fraction'] === undefined)) fail('give --names A,B,... or --val-fraction F (the held-out split)');
const held =
  values.names !== undefined
    ? splitDataset({ names: values.names.split(',').map((s) => s.trim()) })(all).validation
    : splitDataset({ fraction: Number(values['val-fraction']), seed: Number(values.seed ?? '0') })(all).validation;
if (held.entries.length === 0) fail('the held-out split is empty');
const entries = held.entries.map(loadEntry(held));
const tile = values.tile === undefined ? 'auto' : Number(values.tile);

const rt = await createRuntime(values.backend !== undefined ? { backend: values.backend } : {});
console.log(`${run}: ${todo.length} snapshot(s) to score on ${entries.length} held-out images (${rt.backend}, tile ${tile}${values.tta ? ', tta' : ''})`);
try {
  for (const s of todo) {
    const t0 = Date.now();
    const model = await loadModel(join(run, s.file));
    for (const e of entries) checkChannels(model.config, e.image, e.stem);
    const ev = await evaluateModel(rt, model, entries, { tile, tta: values.tta === true, instances });
    const metrics = Object.fromEntries(Object.entries(ev.mean).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
    appendFileSync(curveFile, JSON.stringify({ type: 'validation', step: s.step, elapsed: s.elapsed, file: s.file, ...metrics }) + '\n');
    const shown = Object.entries(ev.mean).map(([k, v]) => `${k} ${v?.toFixed(4)}`).join(', ');
    console.log(`${s.file}: step ${s.step}, ${s.elapsed.toFixed(0)} s: ${shown} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
} finally {
  await rt.dispose();
}
console.log(`wrote ${curveFile}`);
