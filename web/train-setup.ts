/**
 * What the page's train tab trains, as data: the `tiny` preset (depth 3, base 8) at a chosen
 * training tile, on synthetic cells (seeds 0…images−1) with Eq. 2 weight maps, Adam with a
 * polynomial decay over the run, and held-out images (seeds 1000…) to segment afterwards.
 * Platform-free: test/browser/web-train.test.ts builds the same run in Node to compare.
 */
import { adam, PRESETS, syntheticLabelled, trainingItemOf, type LabelledImage, type Runtime, type TrainingItem, type TrainSetup, type UNetConfig } from '../src/portable.js';

/** The choices of the train tab's form. */
export interface TrainChoice {
  readonly steps: number;
  /** Training input tile (one of TRAIN_TILES). */
  readonly tile: number;
  readonly lr: number;
  /** Number of synthetic training images … */
  readonly images: number;
  /** … of size × size pixels (also the held-out images' size). */
  readonly size: number;
  readonly heldOut: number;
  readonly seed: number;
}

/** A held-out image's result. */
export interface HeldOutResult {
  readonly seed: number;
  readonly iou: number;
  readonly seconds: number;
  readonly tiles: number;
  readonly tile: number;
}

/** What a training run did, for tests (test/browser/web-train.test.ts) and the console. */
export interface TrainReport {
  readonly backend: string;
  readonly choice: TrainChoice;
  readonly losses: readonly number[];
  readonly stepSeconds: readonly number[];
  /** Making the synthetic images and weight maps. */
  readonly dataSeconds: number;
  readonly heldOut: readonly HeldOutResult[];
  /** Timer ticks (50 ms) while the steps ran: the main thread was free between steps. */
  readonly ticks: number;
  readonly stopped: boolean;
}

/** Valid training tiles of the tiny preset (output 36, 68, 100, 164 pixels). */
export const TRAIN_TILES = [124, 156, 188, 252] as const;

/** The form's defaults: the demo's recipe (`unet-ts demo`) at a smaller tile, for software adapters. */
export const DEFAULT_TRAIN: TrainChoice = { steps: 150, tile: 124, lr: 0.002, images: 16, size: 256, heldOut: 2, seed: 0 };

/** The network trained: the tiny preset at the training tile. */
export const trainConfig = (c: TrainChoice): UNetConfig => ({ ...PRESETS.tiny, tile: c.tile });

/** The held-out images to segment after training (seeds 1000, 1001, …). */
export const heldOutImages = (c: TrainChoice): readonly LabelledImage[] =>
  Array.from({ length: c.heldOut }, (_, i) => syntheticLabelled({ width: c.size, height: c.size })(1000 + i));

/** The training images with their weight maps. */
export const trainingItems = (c: TrainChoice): readonly TrainingItem[] =>
  Array.from({ length: c.images }, (_, i) => trainingItemOf(syntheticLabelled({ width: c.size, height: c.size })(i)));

/** The run: Adam, lr · (1 − step/steps)^0.9, seed `c.seed`. */
export const trainSetup = (rt: Runtime, c: TrainChoice, items: readonly TrainingItem[]): TrainSetup => ({
  rt,
  config: trainConfig(c),
  items,
  optimizer: adam(),
  lr: c.lr,
  schedule: { kind: 'poly', total: c.steps, power: 0.9 },
  seed: c.seed,
});
