/**
 * The training loop: seeded tile sampling, steps, learning-rate schedule, validation,
 * checkpoints and the log. Every random choice of step s comes from a generator seeded by
 * (seed, s), so a run resumed from a checkpoint at step k ends with the same weights as an
 * uninterrupted one (bit-exact on cpu/webasm).
 *
 * Files in `outDir`: last.safetensors (every `checkpointEvery` steps and at the end),
 * best.safetensors (best validation score), log.jsonl (one JSON line per step and per
 * validation). A NaN/Inf loss or gradient stops training with an error naming the step;
 * the checkpoints already written stay untouched.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng, type Rng } from '../tensor/random.js';
import type { Runtime } from '../runtime/runtime.js';
import { sampleTile, type TrainingItem } from '../data/tiles.js';
import type { AugmentOptions } from '../data/augment.js';
import { geometry } from '../unet/geometry.js';
import type { UNetConfig } from '../unet/config.js';
import type { Params } from '../unet/params.js';
import { saveCheckpoint } from '../train/checkpoint.js';
import { initState, meanGrads, update, type OptimizerConfig, type OptimizerState } from './optim.js';
import { learningRate, type Schedule } from './schedule.js';
import { lossAndGrads, nonFiniteGradient, type LossKind } from './step.js';

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
  /** Resume: the optimizer state, step and best score of a training checkpoint. */
  readonly resume?: { readonly state: OptimizerState; readonly step: number; readonly best: number };
  readonly onStep?: (s: StepInfo) => void;
  readonly onValidation?: (step: number, v: Validation) => void;
}

export interface TrainResult {
  readonly params: Params;
  readonly state: OptimizerState;
  readonly steps: number;
  readonly best: number;
  readonly lastLoss: number;
}

/** The generator of step `s`: independent of how many steps ran before (resume = uninterrupted). */
export const stepRng = (seed: number, s: number): Rng => rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(s + 1, 0x85ebca6b)) >>> 0);

export const train = async (o: TrainOptions): Promise<TrainResult> => {
  const g = geometry({ depth: o.config.depth, padding: o.config.padding })(o.tile ?? o.config.tile);
  if (g._tag === 'Left') throw new TrainingError(g.left.message);
  if (o.items.length === 0) throw new TrainingError('no training images');
  mkdirSync(o.outDir, { recursive: true });
  const log = join(o.outDir, 'log.jsonl');
  // A fresh run starts a fresh log; a resumed one appends to it.
  if (!o.resume) writeFileSync(log, '');
  const tileOpts = { input: g.right.input, output: g.right.output, ...(o.augment ? { augment: o.augment } : {}) };
  const accumulate = Math.max(1, o.accumulate ?? 1);
  const lrAt = learningRate(o.schedule, o.lr);
  let params = o.params;
  let state = o.resume?.state ?? initState(o.optimizer, params);
  let best = o.resume?.best ?? -Infinity;
  let step = o.resume?.step ?? 0;
  let lastLoss = NaN;
  const started = Date.now();
  const checkpoint = (file: string) =>
    saveCheckpoint(join(o.outDir, file), {
      config: o.config,
      params,
      training: { optimizer: o.optimizer, state, step, seed: o.seed, extra: JSON.stringify({ best }) },
    });
  let validatedAt = step;
  const validate = async (): Promise<void> => {
    if (!o.validate) return;
    validatedAt = step;
    const v = await o.validate(params, step);
    appendFileSync(log, JSON.stringify({ type: 'validation', step, ...v.metrics, score: v.score }) + '\n');
    o.onValidation?.(step, v);
    if (v.score > best) {
      best = v.score;
      await checkpoint('best.safetensors');
    }
  };
  while (step < o.steps && (o.minutes === undefined || Date.now() - started < o.minutes * 60_000)) {
    const t0 = performance.now();
    const r = stepRng(o.seed, step);
    const all: Params[] = [];
    let loss = 0;
    for (let m = 0; m < accumulate; m++) {
      const item = o.items[r.int(o.items.length)]!;
      const sample = sampleTile(tileOpts, r)(item);
      const res = await lossAndGrads(o.rt, o.config, params, sample, r.u32(), o.loss ?? 'ce');
      const bad = Number.isFinite(res.loss) ? nonFiniteGradient(res.grads) : 'the loss';
      if (bad !== undefined) {
        throw new TrainingError(`step ${step + 1}: ${bad === 'the loss' ? `loss is ${res.loss}` : `gradient of ${bad} is not finite`}; training stopped, the last good checkpoint in ${o.outDir} is kept (try a lower --lr)`);
      }
      loss += res.loss / accumulate;
      all.push(res.grads);
    }
    const lr = lrAt(step);
    ({ params, state } = update(o.optimizer, state, params, accumulate === 1 ? all[0]! : meanGrads(all), lr));
    step++;
    lastLoss = loss;
    const seconds = (performance.now() - t0) / 1000;
    appendFileSync(log, JSON.stringify({ type: 'step', step, loss, lr, seconds }) + '\n');
    o.onStep?.({ step, loss, lr, seconds });
    if (o.validateEvery && step % o.validateEvery === 0) await validate();
    if (o.checkpointEvery && step % o.checkpointEvery === 0) await checkpoint('last.safetensors');
  }
  // A run that ends between validations (the step or time budget) is validated once more.
  if (validatedAt !== step) await validate();
  await checkpoint('last.safetensors');
  return { params, state, steps: step, best, lastLoss };
};
