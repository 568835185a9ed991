/**
 * Synthetic cells (synthetic.ts) made ready to train on and to score against, with no file
 * in between: the image normalised per image, as `unet-ts segment` and the trainer see it;
 * the instances as labels (classes 0/1 with the 1-px gaps of `separateTouching`, as a
 * label file of instance ids gives them); and the Eq. 2 weight map of those labels.
 *
 * @example
 * const cells = syntheticLabelled({ width: 128, height: 128 });
 * const items = [0, 1, 2].map((seed) => trainingItemOf(cells(seed)));
 * const heldOut = cells(1000); // .image to segment, .labels.classes to score against
 */
import { image, normalize, type Image } from './image.js';
import { labelsFromImage, type Labels } from './labels.js';
import { synthetic, type SyntheticOptions } from './synthetic.js';
import type { TrainingItem } from './tiles.js';
import { weightMap, type WeightMapOptions } from './weight-map.js';

/** One synthetic image as the network sees it, with its labels. */
export interface LabelledImage {
  readonly seed: number;
  /** The raw image, values in [0, 1] (for display). */
  readonly raw: Image;
  /** The image normalised per image (the network's input). */
  readonly image: Image;
  readonly labels: Labels;
}

/**
 * The synthetic image of `seed` with its labels.
 *
 * @example
 * syntheticLabelled({ width: 64, height: 64 })(7).labels.numClasses; // 2
 */
export const syntheticLabelled =
  (opts: SyntheticOptions = {}) =>
  (seed: number): LabelledImage => {
    const s = synthetic(opts)(seed);
    const { width, height } = s.image;
    const labels = labelsFromImage({ kind: 'instances', file: `synthetic-${seed}` })(image(width, height, 1, Float32Array.from(s.instances.data)));
    return { seed, raw: s.image, image: normalize('per-image')(s.image), labels };
  };

/**
 * What the trainer cuts tiles from: the image, its classes and their Eq. 2 weight map.
 *
 * @example
 * trainingItemOf(syntheticLabelled()(0), { w0: 10, sigma: 5 }).weights.width; // 256
 */
export const trainingItemOf = (l: LabelledImage, opts: WeightMapOptions = {}): TrainingItem => ({
  image: l.image,
  classes: l.labels.classes,
  weights: weightMap(opts)(l.labels),
});
