/**
 * Whole-model benchmarks: inference (`predictLogits`, no tape) and one training step
 * (`lossAndGrads` — forward on the tape, weighted softmax cross-entropy, backward — plus an
 * Adam `update`, as `unet-ts train` runs it) at a preset's tile, batch 1; and a memory-growth
 * check: the RSS after many training steps against the RSS after 10.
 */
import * as E from 'fp-ts/lib/Either.js';
import { inferenceCtx } from '../autodiff/tape.js';
import type { Sample } from '../data/tiles.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import { rng } from '../tensor/random.js';
import { adam, initState, update } from '../train/optim.js';
import { lossAndGrads } from '../train/step.js';
import { PRESETS, type PresetName, type UNetConfig } from '../unet/config.js';
import { minimumInput, outputFor } from '../unet/geometry.js';
import { predictLogits } from '../unet/model.js';
import { initParams, parameterCount, type Params } from '../unet/params.js';
import { modelForwardFlop, modelTrainFlop } from './flops.js';
import { gflops, peakRssMiB, rssMiB, timeCalls } from './measure.js';
import { randomTensor } from './ops.js';

/** A network to measure: a preset at a tile size. */
export interface ModelTarget {
  readonly preset: PresetName;
  readonly config: UNetConfig;
  readonly tile: number;
  readonly out: number;
}

export type ModelMode = 'forward' | 'train';

export interface ModelRow {
  readonly preset: PresetName;
  readonly mode: ModelMode;
  readonly depth: number;
  readonly base: number;
  readonly tile: number;
  readonly out: number;
  readonly params: number;
  /** Forward FLOP, or 3× that for a training step (see flops.ts). */
  readonly flop: number;
  readonly firstMs: number;
  readonly medianMs: number;
  readonly samplesMs: readonly number[];
  readonly gflops: number | null;
  /** Process-wide peak RSS after this item (cumulative over the whole run), MiB. */
  readonly peakRssMiB: number;
}

export interface MemoryGrowth {
  readonly preset: PresetName;
  readonly tile: number;
  readonly steps: number;
  /** The step of the early reading (10, or fewer for short runs). */
  readonly earlyStep: number;
  readonly rssEarlyMiB: number;
  readonly rssEndMiB: number;
  readonly growthPct: number;
  readonly heapEarlyMiB: number;
  readonly heapEndMiB: number;
  /** Compiled kernels at the early reading and at the end (a growing cache would leak). */
  readonly kernelsEarly: number;
  readonly kernelsEnd: number;
  /** On a resident runtime (webgpu): all GPU buffer memory gpu.js holds, MiB (null elsewhere). */
  readonly gpuEarlyMiB: number | null;
  readonly gpuEndMiB: number | null;
  /** Whether `global.gc` (node --expose-gc) was called before each reading. */
  readonly gcForced: boolean;
  /** RSS every 10 steps (and at the readings): [step, MiB]. */
  readonly trace: readonly (readonly [number, number])[];
}

const outOf = (c: UNetConfig, tile: number): number => {
  const o = outputFor({ depth: c.depth, padding: c.padding })(tile);
  if (E.isLeft(o)) throw new Error(o.left.message);
  return o.right;
};

/**
 * A preset at its own tile, or (quick) a smoke-size version of it: depth 2, base 4, at the
 * smallest valid tile (milliseconds per step even on the cpu backend and on tfjs-cpu).
 */
export const modelTarget = (preset: PresetName, quick: boolean): ModelTarget => {
  const config: UNetConfig = quick ? { ...PRESETS[preset], depth: 2, base: 4 } : PRESETS[preset];
  const tile = quick ? minimumInput({ depth: config.depth, padding: config.padding }) : config.tile;
  return { preset, config, tile, out: outOf(config, tile) };
};

/** A deterministic training sample: random image, random labels, unit weights. */
export const benchSample = (t: ModelTarget, seed = 11): Sample => {
  const r = rng(seed);
  const classes = t.config.classes;
  const plane = t.out * t.out;
  return {
    image: randomTensor([1, t.config.inChannels, t.tile, t.tile], seed),
    labels: { shape: [1, 1, t.out, t.out], data: Float32Array.from({ length: plane }, () => r.int(classes)) },
    weights: { shape: [1, 1, t.out, t.out], data: new Float32Array(plane).fill(1) },
  };
};

/** Logits of the bench input with the bench parameters (also used to compare peers). */
export const benchLogits = (rt: Runtime, t: ModelTarget, params: Params = initParams(t.config, 1)): Promise<Tensor> =>
  predictLogits(inferenceCtx(rt), t.config, params, benchSample(t).image);

/**
 * A training step function threading parameters and Adam state through a closure
 * (each call is one `lossAndGrads` + `update`, as in training).
 */
export const trainStepper = (rt: Runtime, t: ModelTarget, lr = 1e-4): ((i: number) => Promise<number>) => {
  const opt = adam();
  let params = initParams(t.config, 1);
  let state = initState(opt, params);
  const sample = benchSample(t);
  return async (i) => {
    const { loss, grads } = await lossAndGrads(rt, t.config, params, sample, i);
    const u = update(opt, state, params, grads, lr);
    params = u.params;
    state = u.state;
    return loss;
  };
};

/** Times forward or training step: first call, then the median of `reps` more. */
export const benchModel = async (rt: Runtime, t: ModelTarget, mode: ModelMode, reps: number): Promise<ModelRow> => {
  const forward = (): ((i: number) => Promise<unknown>) => {
    const params = initParams(t.config, 1);
    const x = benchSample(t).image;
    return () => predictLogits(inferenceCtx(rt), t.config, params, x);
  };
  const f = mode === 'forward' ? forward() : trainStepper(rt, t);
  const timing = await timeCalls(f, reps);
  const flop = mode === 'forward' ? modelForwardFlop(t.config, t.tile) : modelTrainFlop(t.config, t.tile);
  return {
    preset: t.preset,
    mode,
    depth: t.config.depth,
    base: t.config.base,
    tile: t.tile,
    out: t.out,
    params: parameterCount(t.config),
    flop,
    ...timing,
    gflops: gflops(flop, timing.medianMs),
    peakRssMiB: peakRssMiB(),
  };
};

const gcIfExposed = (): boolean => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
};

/**
 * Runs `steps` training steps and compares the RSS at step 10 (or steps/2 when shorter)
 * with the RSS at the end. `onStep` reports progress.
 */
export const memoryGrowth = async (rt: Runtime, t: ModelTarget, steps: number, onStep: (i: number, n: number) => void = () => {}): Promise<MemoryGrowth> => {
  const n = Math.max(2, steps);
  const earlyStep = n >= 20 ? 10 : Math.max(1, Math.floor(n / 2));
  const step = trainStepper(rt, t);
  const trace: [number, number][] = [];
  let early = { rss: 0, heap: 0, kernels: 0, gpu: 0 };
  let gcForced = false;
  const reading = () => {
    gcForced = gcIfExposed();
    const stats = rt.stats();
    return { rss: rssMiB(), heap: process.memoryUsage().heapUsed / 2 ** 20, kernels: stats.kernels, gpu: stats.gpuBytes / 2 ** 20 };
  };
  for (let i = 1; i <= n; i++) {
    await step(i);
    onStep(i, n);
    if (i === earlyStep) early = reading();
    if (i % 10 === 0 || i === earlyStep || i === n) trace.push([i, i === earlyStep ? early.rss : rssMiB()]);
  }
  const end = reading();
  trace[trace.length - 1] = [n, end.rss];
  return {
    preset: t.preset,
    tile: t.tile,
    steps: n,
    earlyStep,
    rssEarlyMiB: early.rss,
    rssEndMiB: end.rss,
    growthPct: (100 * (end.rss - early.rss)) / early.rss,
    heapEarlyMiB: early.heap,
    heapEndMiB: end.heap,
    kernelsEarly: early.kernels,
    kernelsEnd: end.kernels,
    gpuEarlyMiB: rt.resident ? early.gpu : null,
    gpuEndMiB: rt.resident ? end.gpu : null,
    gcForced,
    trace,
  };
};
