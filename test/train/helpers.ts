import { synthetic } from '../../src/data/synthetic.js';
import { image, normalize } from '../../src/data/image.js';
import { labelsFromImage } from '../../src/data/labels.js';
import { weightMapCache } from '../../src/data/weight-map.js';
import type { TrainingItem } from '../../src/data/tiles.js';
import type { UNetConfig } from '../../src/unet/config.js';

/** A small network that trains fast on the cpu backend: depth 2, base 4, tile 60 → 20. */
export const smallConfig: UNetConfig = { inChannels: 1, classes: 2, depth: 2, base: 4, dropout: 0.5, padding: 'valid', tile: 60 };

/** `n` synthetic 96×96 images with their weight maps. */
export const syntheticItems = (n: number): TrainingItem[] => {
  const cache = weightMapCache();
  return Array.from({ length: n }, (_, i) => {
    const s = synthetic({ width: 96, height: 96, radius: [5, 10] })(i);
    const labels = labelsFromImage({ kind: 'instances' })(image(96, 96, 1, Float32Array.from(s.instances.data)));
    return { image: normalize('per-image')(s.image), classes: labels.classes, weights: cache.get(`t/${i}`, labels) };
  });
};
