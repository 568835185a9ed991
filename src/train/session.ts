/**
 * Training in memory, one step at a time: the trainer's step (src/train/trainer.ts) without
 * its files, for a page that trains in the browser and draws the loss as it goes. A step is
 * a function of the state before it: it draws the step's generator from (seed, step), picks
 * an item and a random augmented tile of it (sampleTile) with that generator, runs
 * `lossAndGrads` (dropout seeded from the same generator) — `tileGradients`, which `train`
 * calls for each of its micro-steps too — and applies the optimizer at the schedule's
 * learning rate. The same seed and items give the same tiles, losses and (on cpu)
 * the same weights as `train` with `accumulate` 1: test/train/session.test.ts checks it.
 *
 * The caller owns the loop, so it can yield to the browser between steps, stop, or
 * segment with the weights so far.
 *
 * @example
 * const cfg = { ...PRESETS.tiny, tile: 124 };
 * const s = synthetic({ width: 128, height: 128 })(0);
 * const labels = labelsFromImage({ kind: 'instances' })(image(128, 128, 1, Float32Array.from(s.instances.data)));
 * const items = [{ image: normalize('per-image')(s.image), classes: labels.classes, weights: weightMap()(labels) }];
 * const step = trainStep({ rt, config: cfg, items, optimizer: adam(), lr: 2e-3, schedule: { kind: 'constant' }, seed: 0 });
 * let state = startTraining(cfg, adam(), 0);
 * for (let i = 0; i < 3; i++) {
 *   const r = await step(state);
 *   state = r.state;
 *   console.log(r.step.step, r.step.loss);
 * }
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { rng, type Rng } from '../tensor/random.js';
import type { Runtime } from '../runtime/core.js';
import { sampleTile, type Sample, type TrainingItem } from '../data/tiles.js';
import type { AugmentOptions } from '../data/augment.js';
import { geometry } from '../unet/geometry.js';
import type { UNetConfig } from '../unet/config.js';
import { initParams, type Params } from '../unet/params.js';
import { initState, update, type OptimizerConfig, type OptimizerState } from './optim.js';
import { learningRate, type Schedule } from './schedule.js';
import { lossAndGrads, nonFiniteGradient, type LossKind } from './step.js';

/**
 * The generator of step `s`: independent of how many steps ran before (resume = uninterrupted).
 *
 * @example
 * stepRng(0, 5).u32() === stepRng(0, 5).u32(); // true
 */
export const stepRng = (seed: number, s: number): Rng => rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(s + 1, 0x85ebca6b)) >>> 0);

/** The tile geometry of a run: input and output sizes of `tile` (default the config's), augmentation. */
export interface TileSetup {
  readonly input: number;
  readonly output: number;
  readonly augment?: AugmentOptions;
}

/** A run's tile geometry, or why the tile is invalid (naming the nearest valid sizes). */
export const tileSetup = (config: UNetConfig, tile: number | undefined, augment: AugmentOptions | undefined): E.Either<string, TileSetup> =>
  pipe(
    geometry({ depth: config.depth, padding: config.padding })(tile ?? config.tile),
    E.bimap(
      (e) => e.message,
      (g) => ({ input: g.input, output: g.output, ...(augment ? { augment } : {}) }),
    ),
  );

/** One tile's loss and gradients, and what it was cut from; `problem` says which is not finite, if one is not. */
export interface TileGradients {
  readonly loss: number;
  readonly grads: Params;
  readonly item: number;
  readonly sample: Sample;
  readonly problem: string | undefined;
}

/**
 * The core of a training step, shared by `trainStep` and `train` (one call per accumulated
 * micro-step): with the step's generator `r`, pick an item and cut a random augmented tile of
 * it (sampleTile), then the loss and gradients at `params` with dropout seeded by `r` too.
 */
export const tileGradients = async (o: Pick<TrainSetup, 'rt' | 'config' | 'items' | 'loss'>, tiles: TileSetup, r: Rng, params: Params): Promise<TileGradients> => {
  const item = r.int(o.items.length);
  const sample = sampleTile(tiles, r)(o.items[item]!);
  const res = await lossAndGrads(o.rt, o.config, params, sample, r.u32(), o.loss ?? 'ce');
  const bad = Number.isFinite(res.loss) ? nonFiniteGradient(res.grads) : 'the loss';
  const problem = bad === undefined ? undefined : bad === 'the loss' ? `loss is ${res.loss}` : `gradient of ${bad} is not finite`;
  return { loss: res.loss, grads: res.grads, item, sample, problem };
};

/** What stays fixed over a run. */
export interface TrainSetup {
  readonly rt: Runtime;
  readonly config: UNetConfig;
  /** Images with their class and weight maps (see `weightMap`); tiles are cut from them. */
  readonly items: readonly TrainingItem[];
  readonly optimizer: OptimizerConfig;
  /** Base learning rate, shaped by `schedule` (and `warmup`). */
  readonly lr: number;
  readonly schedule: Schedule;
  readonly warmup?: number;
  readonly seed: number;
  /** Input tile size (default `config.tile`); must be valid for the network. */
  readonly tile?: number;
  readonly augment?: AugmentOptions;
  readonly loss?: LossKind;
}

/** The weights, the optimizer's state and the number of steps taken. */
export interface TrainState {
  readonly params: Params;
  readonly optimizer: OptimizerState;
  readonly step: number;
}

/** What one step did: its number (1-based, as the trainer logs it), loss, learning rate and wall time. */
export interface StepReport {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly seconds: number;
  /** The training item the tile was cut from. */
  readonly item: number;
}

/**
 * Fresh weights (`initParams(config, seed)`) and optimizer state, at step 0.
 *
 * @example
 * startTraining(PRESETS.tiny, adam(), 0).step; // 0
 */
export const startTraining = (config: UNetConfig, optimizer: OptimizerConfig, seed: number): TrainState => {
  const params = initParams(config, seed);
  return { params, optimizer: initState(optimizer, params), step: 0 };
};

/**
 * One training step as a function of the state before it. Throws a RangeError for an
 * invalid tile or no items, and an Error naming the step when the loss or a gradient is not
 * finite (the state passed in is untouched).
 *
 * @example
 * declare const setup: TrainSetup;
 * const { state, step } = await trainStep(setup)(startTraining(setup.config, setup.optimizer, setup.seed));
 * step.loss; // the loss of step 1
 */
export const trainStep = (o: TrainSetup): ((s: TrainState) => Promise<{ readonly state: TrainState; readonly step: StepReport }>) => {
  const t = tileSetup(o.config, o.tile, o.augment);
  if (E.isLeft(t)) throw new RangeError(t.left);
  const tiles = t.right;
  if (o.items.length === 0) throw new RangeError('trainStep: no training items');
  const lrAt = learningRate(o.schedule, o.lr, o.warmup ?? 0);
  return async (s) => {
    const t0 = performance.now();
    const { loss, grads, item, problem } = await tileGradients(o, tiles, stepRng(o.seed, s.step), s.params);
    if (problem !== undefined) throw new Error(`step ${s.step + 1}: ${problem}; try a lower learning rate`);
    const lr = lrAt(s.step);
    const next = update(o.optimizer, s.optimizer, s.params, grads, lr);
    return {
      state: { params: next.params, optimizer: next.state, step: s.step + 1 },
      step: { step: s.step + 1, loss, lr, seconds: (performance.now() - t0) / 1000, item },
    };
  };
};
