import { describe, expect, it } from 'vitest';
import { rng } from '../../src/tensor/random.js';
import {
  classBalance,
  connectedComponents,
  coordMap,
  crop,
  cropLabels,
  edt,
  elasticField,
  encodePng,
  grayValue,
  image,
  labelsFromImage,
  luminance,
  mirrorPad,
  mirrorPadLabels,
  nearestTwo,
  normalize,
  sampleGray,
  sampleImage,
  sampleLabels,
  samplePlane,
  sampleTile,
  sampleTransform,
  separateTouching,
  synthetic,
  toTensor,
  weightMap,
} from '../../src/data/index.js';
import { snapshot } from './helpers.js';

describe('no function mutates its inputs', () => {
  it('images, label maps, weight maps, transforms and maps are unchanged after use', () => {
    const s = synthetic({ width: 40, height: 30, cells: 6 })(2);
    const rgb = image(40, 30, 3, Float32Array.from({ length: 3600 }, (_, i) => (i * 37) % 256));
    const mask = image(40, 30, 1, Float32Array.from(s.instances.data, (v) => (v > 0 ? 255 : 0)));
    const labels = labelsFromImage({ kind: 'instances' })(image(40, 30, 1, Float32Array.from(s.instances.data)));
    const weights = weightMap()(labels);
    const t = sampleTransform()(rng(1));
    const map = coordMap(t, { width: 20, height: 20 }, { x: 20, y: 15 });
    const inputs: ArrayLike<number>[] = [mask.data, s.image.data, s.instances.data, rgb.data, labels.classes.data, labels.instances.data, weights.data, t.displacements, map.x, map.y];
    const before = inputs.map(snapshot);

    toTensor(s.image);
    normalize('per-image')(s.image);
    normalize('range', 255)(rgb);
    luminance(rgb);
    encodePng(rgb);
    labelsFromImage({ kind: 'binary' })(mask);
    connectedComponents(8)(s.instances);
    separateTouching(s.instances);
    edt(s.instances);
    nearestTwo(10)(s.instances);
    classBalance(2)(labels.classes);
    weightMap({ w0: 5 })(labels);
    mirrorPad(7)(rgb);
    mirrorPadLabels(3)(labels.classes);
    crop({ x: 1, y: 2, width: 5, height: 5 })(rgb);
    cropLabels({ x: 1, y: 2, width: 5, height: 5 })(labels.instances);
    elasticField(t, 20, 20);
    sampleImage(map)(rgb);
    sampleLabels(map)(labels.classes);
    samplePlane(map)(weights);
    grayValue(sampleGray()(rng(2)))(s.image);
    sampleTile({ input: 44, output: 4 }, rng(3))({ image: s.image, classes: labels.classes, weights });

    inputs.forEach((a, i) => expect(snapshot(a)).toEqual(before[i]));
  });
});
