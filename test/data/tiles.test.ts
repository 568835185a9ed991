import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { rng } from '../../src/tensor/random.js';
import { geometry } from '../../src/unet/geometry.js';
import { noAugmentation } from '../../src/data/augment.js';
import { image } from '../../src/data/image.js';
import { labelMap, labelsFromImage } from '../../src/data/labels.js';
import { synthetic } from '../../src/data/synthetic.js';
import { sampleTile, type TrainingItem } from '../../src/data/tiles.js';
import { weightMap } from '../../src/data/weight-map.js';

const g = E.getOrElseW(() => {
  throw new Error('geometry');
})(geometry({ depth: 2 })(44));

/** An item whose image is 100 × class and whose weights are 1 + class: alignment is checkable. */
const coded = (): TrainingItem => {
  const { instances } = synthetic({ width: 64, height: 48, cells: 12 })(9);
  const classes = labelMap(64, 48, Int32Array.from(instances.data, (v) => (v > 0 ? 1 : 0)));
  return {
    image: image(64, 48, 1, Float32Array.from(classes.data, (c) => 100 * c)),
    classes,
    weights: { width: 64, height: 48, data: Float32Array.from(classes.data, (c) => 1 + c) },
  };
};

describe('tile sampler', () => {
  it('gives [1,C,n,n] input and [1,1,o,o] labels and weights (sizes from geometry)', () => {
    const s = synthetic({ width: 64, height: 64 })(1);
    const labels = labelsFromImage({ kind: 'instances' })(image(64, 64, 1, Float32Array.from(s.instances.data)));
    const item = { image: s.image, classes: labels.classes, weights: weightMap()(labels) };
    const t = sampleTile({ input: g.input, output: g.output }, rng(1))(item);
    expect(t.image.shape).toEqual([1, 1, g.input, g.input]);
    expect(t.labels.shape).toEqual([1, 1, g.output, g.output]);
    expect(t.weights.shape).toEqual([1, 1, g.output, g.output]);
    for (const v of t.labels.data) expect([0, 1]).toContain(v);
  });

  it('labels and weights are the centre (offset halo) of the input tile under every augmentation', () => {
    const item = coded();
    const r = rng(4);
    const seen = new Set<number>();
    for (let k = 0; k < 12; k++) {
      const s = sampleTile({ input: g.input, output: g.output, interpolation: 'nearest', augment: { gray: false, maxShift: 3, maxRotation: Math.PI } }, r)(item);
      for (let y = 0; y < g.output; y++) {
        for (let x = 0; x < g.output; x++) {
          const lab = s.labels.data[y * g.output + x]!;
          seen.add(lab);
          expect(s.image.data[(y + g.halo) * g.input + x + g.halo]).toBe(100 * lab);
          const w = s.weights.data[y * g.output + x]!;
          if (w !== 0) expect(w).toBe(1 + lab);
        }
      }
    }
    expect([...seen].sort()).toEqual([0, 1]);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const item = coded();
    const a = sampleTile({ input: g.input, output: g.output }, rng(7))(item);
    const b = sampleTile({ input: g.input, output: g.output }, rng(7))(item);
    const c = sampleTile({ input: g.input, output: g.output }, rng(8))(item);
    expect(a).toEqual(b);
    expect(a.image.data).not.toEqual(c.image.data);
  });

  it('mirror-pads an image smaller than the tile and gives weight 0 outside it', () => {
    const img = image(6, 6, 1, Float32Array.from({ length: 36 }, (_, i) => i));
    const classes = labelMap(6, 6, new Int32Array(36).fill(1));
    const item = { image: img, classes, weights: { width: 6, height: 6, data: new Float32Array(36).fill(2) } };
    const s = sampleTile({ input: 20, output: 12, augment: noAugmentation }, rng(3))(item);
    const values = new Set(img.data);
    for (const v of s.image.data) expect(values.has(v)).toBe(true);
    expect(Array.from(s.weights.data).filter((w) => w === 2).length).toBe(36);
    expect(Array.from(s.weights.data).filter((w) => w === 0).length).toBe(144 - 36);
  });

  it('rejects mismatched sizes and an odd margin', () => {
    const item = coded();
    expect(() => sampleTile({ input: 21, output: 12 }, rng(1))(item)).toThrow(/integer halo/);
    expect(() => sampleTile({ input: 20, output: 12 }, rng(1))({ ...item, classes: labelMap(1, 1, Int32Array.of(0)) })).toThrow(/expected equal sizes/);
  });
});
