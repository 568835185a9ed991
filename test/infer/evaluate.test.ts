import { afterAll, describe, expect, it } from 'vitest';
import { image } from '../../src/data/image.js';
import { labelsFromImage } from '../../src/data/labels.js';
import type { LoadedEntry } from '../../src/data/dataset.js';
import { evaluateModel, scoreSegmentation } from '../../src/infer/evaluate.js';
import { segmentImage, type Segmentation } from '../../src/infer/tiles.js';
import { disposeRuntimes, runtimeFor } from '../helpers/backends.js';
import { randomImage, randomModel } from './helpers.js';

afterAll(disposeRuntimes);

/** ISBI-style mask: 255 = cell interior (class 1), 0 = membrane. */
const entry = (stem: string, w: number, h: number, mask: ArrayLike<number>, img = image(w, h, 1, new Float32Array(w * h))): LoadedEntry => ({
  key: `t/${stem}`,
  stem,
  image: img,
  labels: labelsFromImage({ kind: 'binary' })(image(w, h, 1, Float32Array.from(mask))),
});

const segFrom = (w: number, h: number, fg: ArrayLike<number>): Segmentation => {
  const p = Float32Array.from(fg);
  return { width: w, height: h, classes: 2, probs: [], foreground: p, labels: Uint8Array.from(p, (v) => (v > 0.5 ? 1 : 0)), tiles: 1, tile: 60 };
};

// two cells (columns 0–1 and 3–4) split by a membrane column
const MASK = [255, 255, 0, 255, 255, 255, 255, 0, 255, 255, 255, 255, 0, 255, 255];

describe('scoreSegmentation', () => {
  it('a perfect prediction scores 0 errors, IoU/Dice/V_Info/SEG 1', () => {
    const m = scoreSegmentation(segFrom(5, 3, MASK.map((v) => v / 255)), entry('a', 5, 3, MASK), { instances: true });
    expect(m).toEqual({ name: 'a', pixelError: 0, iou: 1, dice: 1, randError: 0, vInfo: 1, threshold: 0, seg: 1 });
  });

  it('merging the two cells (membrane predicted as cell) costs pixels, Rand error and SEG', () => {
    const merged = MASK.map((v, i) => (i % 5 === 2 ? 1 : v / 255));
    const m = scoreSegmentation(segFrom(5, 3, merged), entry('a', 5, 3, MASK), { instances: true });
    expect(m.pixelError).toBeCloseTo(3 / 15, 10);
    expect(m.iou).toBeCloseTo(12 / 15, 10);
    expect(m.dice).toBeCloseTo(24 / 27, 10);
    // no threshold separates them: one segment for two cells; restricted to the 12 cell pixels, V_Rand = 2·(36+36)/(12² + 36+36)
    expect(m.randError).toBeCloseTo(1 - 144 / 216, 10);
    expect(m.vInfo).toBeLessThan(1);
    // each cell lies inside the merged object (6 of 6 px > ½): matched with J = 6/15
    expect(m.seg).toBeCloseTo(6 / 15, 10);
  });

  it('a membrane predicted at 0.9 is split by the thresholds ≥ 0.9: the best threshold counts', () => {
    const m = scoreSegmentation(segFrom(5, 3, MASK.map((v, i) => (i % 5 === 2 ? 0.9 : v / 255))), entry('a', 5, 3, MASK));
    expect(m.randError).toBe(0);
    expect(m.threshold).toBe(0.9);
    expect(m.seg).toBeUndefined();
  });
});

describe('evaluateModel', () => {
  it('scores a model against its own predictions as perfect, image by image and on average', async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 64 }, 1); // predicts ~40 % foreground on these images
    const imgs = [randomImage(30, 26, 1, 1), randomImage(41, 20, 1, 2)];
    const entries: LoadedEntry[] = [];
    for (const [i, img] of imgs.entries()) {
      const seg = await segmentImage(rt, model, img, { keep: 'none' });
      expect(new Set(seg.labels).size).toBe(2);
      entries.push(entry(`e${i}`, img.width, img.height, Array.from(seg.labels, (v) => 255 * v), img));
    }
    const seen: string[] = [];
    const ev = await evaluateModel(rt, model, entries, { instances: true, onImage: (m, _s, e, i) => seen.push(`${i}:${e.stem}:${m.name}`) });
    expect(seen).toEqual(['0:e0:e0', '1:e1:e1']);
    expect(ev.mean).toEqual({ pixelError: 0, iou: 1, dice: 1, randError: 0, vInfo: expect.closeTo(1, 12), seg: 1 });
    const inverted = entries.map((e) => entry(e.stem, e.image.width, e.image.height, Array.from(e.labels.classes.data, (v) => 255 * (1 - v)), e.image));
    const bad = await evaluateModel(rt, model, inverted);
    expect(bad.mean.pixelError).toBe(1);
    expect(bad.mean.iou).toBe(0);
    expect(bad.mean).not.toHaveProperty('seg');
  });
});
