/**
 * The training loop: seeded tile sampling, steps, learning-rate schedule, validation,
 * checkpoints and the log. Every random choice of step s comes from a generator seeded by
 * (seed, s), so a run resumed from a checkpoint at step k ends with the same weights as an
 * uninterrupted one (bit-exact on cpu/webasm).
 *
 * Files in `outDir`: last.safetensors (every `checkpointEvery` steps and at the end),
 * best.safetensors (best validation score), log.jsonl (one JSON line per step and per
 * validation). A resumed run first drops the log lines after its checkpoint's step (written
 * by the interrupted run after its last checkpoint), so the log never repeats a step.
 *
 * Non-finite values: the training images and weight maps are checked before the first step
 * (a TrainingError names the image and what is not finite), and a NaN/Inf loss or gradient
 * stops training with an error naming the step and the likeliest cause; the checkpoints
 * already written stay untouched, and the message names the last one only if it exists.
 *
 * `signal` stops a run between steps (the CLI aborts it on SIGINT/SIGTERM): the step under
 * way is finished (or, between the micro-steps of `accumulate`, abandoned), last.safetensors
 * is written and the result says `interrupted`.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from '../runtime/runtime.js';
import * as E from 'fp-ts/lib/Either.js';
import type { Sample, TrainingItem } from '../data/tiles.js';
import type { AugmentOptions } from '../data/augment.js';
import type { UNetConfig } from '../unet/config.js';
import type { Params } from '../unet/params.js';
import { writeFileAtomic } from '../io/atomic.js';
import { saveCheckpoint } from '../train/checkpoint.js';
import { initState, meanGrads, update, type OptimizerConfig, type OptimizerState } from './optim.js';
import { learningRate, type Schedule } from './schedule.js';
import type { LossKind } from './step.js';
import { stepRng, tileGradients, tileSetup } from './session.js';

export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

/** Validation result: metrics by name and the score that picks best.safetensors (higher is better). */
export interface Validation {
  readonly metrics: Readonly<Record<string, number>>;
  readonly score: number;
}

export interface StepInfo {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly seconds: number;
}

export interface TrainOptions {
  readonly rt: Runtime;
  readonly config: UNetConfig;
  readonly params: Params;
  readonly items: readonly TrainingItem[];
  readonly optimizer: OptimizerConfig;
  /** 'ce' (paper Eq. 1, default) or 'dice+ce' (adds the soft Dice loss). */
  readonly loss?: LossKind;
  readonly lr: number;
  readonly schedule: Schedule;
  /** Linear warm-up steps before the schedule (default 0; `learningRate`). */
  readonly warmup?: number;
  /** Stop after this many steps (counted from 0, including resumed ones) … */
  readonly steps: number;
  /** … or after this many minutes of this run, whichever comes first. */
  readonly minutes?: number;
  readonly seed: number;
  /** Micro-steps whose gradients are averaged into one update (default 1). */
  readonly accumulate?: number;
  readonly tile?: number;
  readonly augment?: AugmentOptions;
  readonly outDir: string;
  readonly checkpointEvery?: number;
  readonly validateEvery?: number;
  readonly validate?: (params: Params, step: number) => Promise<Validation>;
  /**
   * Resume: the optimizer state, step and best score of a training checkpoint, and the file
   * it came from (named as the last good checkpoint if training stops before writing one).
   */
  readonly resume?: { readonly state: OptimizerState; readonly step: number; readonly best: number; readonly from?: string };
  /** Names of `items` (e.g. file stems), used in error messages; default "training image i". */
  readonly names?: readonly string[];
  /** Aborting it stops training after the current step with a checkpoint (see the module comment). */
  readonly signal?: AbortSignal;
  readonly onStep?: (s: StepInfo) => void;
  readonly onValidation?: (step: number, v: Validation) => void;
}

export interface TrainResult {
  readonly params: Params;
  readonly state: OptimizerState;
  readonly steps: number;
  readonly best: number;
  readonly lastLoss: number;
  /** True when `signal` stopped the run before `steps` (last.safetensors holds where it stopped). */
  readonly interrupted: boolean;
  /** The last.safetensors written at the end. */
  readonly checkpoint: string;
}

/** The first index of a non-finite value in `xs`, or -1; also counts them. */
const nonFinite = (xs: Float32Array): { readonly first: number; readonly count: number } => {
  let first = -1;
  let count = 0;
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]!)) {
      if (first < 0) first = i;
      count++;
    }
  }
  return { first, count };
};

/**
 * Why an item cannot be trained on, or undefined: non-finite image values or weights, or
 * classes outside [0, classes) (a label the network has no output for). The weight map
 * comes from the labels, so non-finite weights name the labels as well.
 */
const badItem = (item: TrainingItem, classes: number): string | undefined => {
  const img = nonFinite(item.image.data);
  if (img.count > 0) return `its image has ${img.count} non-finite value(s) (NaN/Infinity; the first at index ${img.first}); expected finite intensities`;
  const w = nonFinite(item.weights.data);
  if (w.count > 0) return `its weight map (computed from its labels) has ${w.count} non-finite value(s) (the first at index ${w.first})`;
  for (let i = 0; i < item.classes.data.length; i++) {
    const c = item.classes.data[i]!;
    if (c < 0 || c >= classes) return `its labels hold class ${c} at index ${i}; the network has ${classes} classes (0…${classes - 1})`;
  }
  return undefined;
};

/** The first parameter holding NaN or ±Infinity, if any. */
const nonFiniteParam = (params: Params): string | undefined => Object.entries(params).find(([, t]) => nonFinite(t.data).count > 0)?.[0];

/**
 * log.jsonl cut back to the lines of steps ≤ `step`: what a run resumed from a checkpoint at
 * `step` keeps. A line that does not parse (the torn tail of a killed append) is dropped.
 */
export const logUpTo = (text: string, step: number): string =>
  text
    .split('\n')
    .filter((line) => {
      if (line.trim() === '') return false;
      try {
        const entry: unknown = JSON.parse(line);
        const s = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['step'] : undefined;
        return typeof s === 'number' && s <= step;
      } catch {
        return false;
      }
    })
    .map((line) => line + '\n')
    .join('');

/** The largest `elapsed` of the log's lines (0 if none): where a resumed run's clock starts. */
export const lastElapsed = (text: string): number =>
  text.split('\n').reduce((m, line) => {
    try {
      const e: unknown = JSON.parse(line);
      const v = typeof e === 'object' && e !== null ? (e as Record<string, unknown>)['elapsed'] : undefined;
      return typeof v === 'number' && v > m ? v : m;
    } catch {
      return m;
    }
  }, 0);

// The generator of step `s` lives with the in-memory step (session.ts), which draws the same tiles.
export { stepRng };

export const train = async (o: TrainOptions): Promise<TrainResult> => {
  const t = tileSetup(o.config, o.tile, o.augment);
  if (E.isLeft(t)) throw new TrainingError(t.left);
  const tiles = t.right;
  if (o.items.length === 0) throw new TrainingError('no training images');
  const nameOf = (i: number): string => (o.names?.[i] !== undefined ? `training image ${o.names[i]}` : `training image ${i + 1} of ${o.items.length}`);
  o.items.forEach((item, i) => {
    const bad = badItem(item, o.config.classes);
    if (bad !== undefined) throw new TrainingError(`${nameOf(i)}: ${bad}; cannot train on it`);
  });
  const badParam = nonFiniteParam(o.params);
  if (badParam !== undefined) throw new TrainingError(`the starting weights are not finite (parameter ${badParam}${o.resume?.from ? ` in ${o.resume.from}` : ''}); cannot train from them`);
  mkdirSync(o.outDir, { recursive: true });
  const log = join(o.outDir, 'log.jsonl');
  // A fresh run starts a fresh log; a resumed one keeps the lines up to its checkpoint's step
  // (lines after it were written by the interrupted run and are about to be redone).
  if (!o.resume) writeFileSync(log, '');
  else if (existsSync(log)) writeFileAtomic(log, new TextEncoder().encode(logUpTo(readFileSync(log, 'utf8'), o.resume.step)));
  const accumulate = Math.max(1, o.accumulate ?? 1);
  const lrAt = learningRate(o.schedule, o.lr, o.warmup ?? 0);
  let params = o.params;
  let state = o.resume?.state ?? initState(o.optimizer, params);
  let best = o.resume?.best ?? -Infinity;
  let step = o.resume?.step ?? 0;
  let lastLoss = NaN;
  const started = Date.now();
  // `elapsed` in the log: wall seconds since the run began, validation included, carried
  // over a resume (from the kept log), so learning curves can be drawn against time.
  const elapsedBefore = o.resume && existsSync(log) ? lastElapsed(readFileSync(log, 'utf8')) : 0;
  const elapsed = (): number => Math.round((elapsedBefore + (Date.now() - started) / 1000) * 100) / 100;
  // The last checkpoint of this run that is known good (the one resumed from, at first).
  let good: { readonly file: string; readonly step: number } | undefined = o.resume?.from !== undefined ? { file: o.resume.from, step: o.resume.step } : undefined;
  const checkpoint = async (file: string): Promise<void> => {
    const path = join(o.outDir, file);
    await saveCheckpoint(path, {
      config: o.config,
      params,
      training: { optimizer: o.optimizer, state, step, seed: o.seed, extra: JSON.stringify({ best }) },
    });
    if (file === 'last.safetensors') good = { file: path, step };
  };
  const kept = (): string => (good ? `the last good checkpoint, ${good.file} (step ${good.step}), is kept` : 'no checkpoint was written');
  /** Why the loss or a gradient of `sample` at `stepNo` (1-based) is not finite, as best we can tell. */
  const cause = (sample: Sample, stepNo: number): string => {
    const img = nonFinite(sample.image.data).count;
    if (img > 0) return `the input tile has ${img} non-finite value(s) (augmentation of finite data should not produce them; check the images)`;
    const w = nonFinite(sample.weights.data).count;
    if (w > 0) return `the tile's weights have ${w} non-finite value(s) (check the labels)`;
    const p = nonFiniteParam(params);
    if (p !== undefined) return `the weights became non-finite (parameter ${p}); try a lower --lr`;
    if (stepNo === (o.resume?.step ?? 0) + 1) return `this run's first step already fails, with finite inputs and weights: check the data, labels and configuration before the learning rate`;
    return 'the updates diverged; try a lower --lr';
  };
  const interrupted = (): boolean => o.signal?.aborted === true;
  let validatedAt = step;
  const validate = async (): Promise<void> => {
    if (!o.validate) return;
    validatedAt = step;
    const v = await o.validate(params, step);
    appendFileSync(log, JSON.stringify({ type: 'validation', step, ...v.metrics, score: v.score, elapsed: elapsed() }) + '\n');
    o.onValidation?.(step, v);
    if (v.score > best) {
      best = v.score;
      await checkpoint('best.safetensors');
    }
  };
  let abandoned = false;
  while (step < o.steps && (o.minutes === undefined || Date.now() - started < o.minutes * 60_000)) {
    // Let pending events run: on the cpu backend a step never waits on I/O, so without this
    // a SIGINT handler (which aborts `signal`) would not run before the loop ends.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (interrupted()) break;
    const t0 = performance.now();
    const r = stepRng(o.seed, step);
    const all: Params[] = [];
    let loss = 0;
    for (let m = 0; m < accumulate; m++) {
      // Between micro-steps the step is abandoned: params are untouched, so the checkpoint
      // below is exactly the state after the previous step.
      if (m > 0 && interrupted()) {
        abandoned = true;
        break;
      }
      const res = await tileGradients(o, tiles, r, params);
      if (res.problem !== undefined) throw new TrainingError(`step ${step + 1}: ${res.problem}: ${cause(res.sample, step + 1)}; training stopped, ${kept()}`);
      loss += res.loss / accumulate;
      all.push(res.grads);
    }
    if (abandoned) break;
    const lr = lrAt(step);
    ({ params, state } = update(o.optimizer, state, params, accumulate === 1 ? all[0]! : meanGrads(all), lr));
    step++;
    lastLoss = loss;
    const seconds = (performance.now() - t0) / 1000;
    appendFileSync(log, JSON.stringify({ type: 'step', step, loss, lr, seconds, elapsed: elapsed() }) + '\n');
    o.onStep?.({ step, loss, lr, seconds });
    if (o.validateEvery && step % o.validateEvery === 0) await validate();
    if (o.checkpointEvery && step % o.checkpointEvery === 0) await checkpoint('last.safetensors');
  }
  const stopped = interrupted() && step < o.steps;
  // A run that ends between validations (the step or time budget) is validated once more;
  // an interrupted one is not (it should stop quickly; resuming validates at the next turn).
  if (validatedAt !== step && !stopped) await validate();
  await checkpoint('last.safetensors');
  return { params, state, steps: step, best, lastLoss, interrupted: stopped, checkpoint: join(o.outDir, 'last.safetensors') };
};
