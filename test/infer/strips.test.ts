import { afterAll, describe, expect, it } from 'vitest';
import { assembleStrips, decodeStrip, encodeStrip, segmentStrip, stripRows, type StripResult } from '../../src/infer/strips.js';
import { gpujsForward, imagePlan, segmentImage } from '../../src/infer/tiles.js';
import { tileOrigins } from '../../src/infer/plan.js';
import { InferenceError } from '../../src/infer/inference-error.js';
import { disposeRuntimes, runtimeFor } from '../helpers/backends.js';
import { randomImage, randomModel } from './helpers.js';

afterAll(disposeRuntimes);

const model = randomModel({ depth: 2, base: 2, tile: 64 }, 1);
const img = randomImage(150, 131, 1, 3);

describe('strips: one image as several jobs', () => {
  it('stripRows cuts the rows of tiles into strips of at most maxPixels output pixels that cover the image once', () => {
    const plan = imagePlan(model.config, img.height, img.width, 'auto');
    const rows = tileOrigins(img.height, plan.stride).length;
    expect(rows).toBeGreaterThanOrEqual(4);
    const one = stripRows(plan, img.width, img.height, 1); // at least one row of tiles each
    expect(one.map((s) => [s.from, s.to])).toEqual(Array.from({ length: rows }, (_, r) => [r, r + 1]));
    expect(stripRows(plan, img.width, img.height, 1e9)).toEqual([{ from: 0, to: rows, y0: 0, y1: img.height }]);
    const two = stripRows(plan, img.width, img.height, 2 * plan.stride * img.width);
    expect(two.every((s) => s.to - s.from <= 2 && (s.y1 - s.y0) * img.width <= 2 * plan.stride * img.width)).toBe(true);
    expect(two[0]!.y0).toBe(0);
    expect(two[two.length - 1]!.y1).toBe(img.height);
    two.slice(1).forEach((s, i) => expect(s.y0).toBe(two[i]!.y1));
  });

  it('assembled strips equal the whole-image segmentation exactly (every probability, every label), for any cut', async () => {
    const rt = await runtimeFor('cpu');
    const whole = await segmentImage(rt, model, img);
    const plan = imagePlan(model.config, img.height, img.width, 'auto');
    const forward = gpujsForward(rt, model);
    for (const maxPixels of [1, 2 * plan.stride * img.width, 1e9]) {
      const parts: StripResult[] = [];
      for (const s of stripRows(plan, img.width, img.height, maxPixels)) parts.push(decodeStrip(encodeStrip(await segmentStrip(forward, img, plan, s)), 'part'));
      const seg = assembleStrips(parts.reverse(), img.width, img.height, 2, plan.tile); // any order
      expect(seg.tiles).toBe(whole.tiles);
      expect(seg.tile).toBe(whole.tile);
      expect(seg.probs[0]).toEqual(whole.probs[0]);
      expect(seg.probs[1]).toEqual(whole.probs[1]);
      expect(seg.labels).toEqual(whole.labels);
      expect(new Set(seg.labels).size).toBe(2);
    }
  });

  it('a missing, doubled or foreign strip is an InferenceError; bytes that are not a strip name their file', async () => {
    const rt = await runtimeFor('cpu');
    const plan = imagePlan(model.config, img.height, img.width, 'auto');
    const forward = gpujsForward(rt, model);
    const [r0, r1] = stripRows(plan, img.width, img.height, 1);
    const a = await segmentStrip(forward, img, plan, r0!);
    const b = await segmentStrip(forward, img, plan, r1!); // one at a time: a runtime runs one scope at once
    expect(() => assembleStrips([a, b], img.width, img.height, 2, plan.tile)).toThrow(new InferenceError(`assembleStrips: the strips cover rows 0…${b.y0 + b.height - 1}; expected 0…${img.height - 1}`));
    expect(() => assembleStrips([a, a], img.width, img.height, 2, plan.tile)).toThrow(/^assembleStrips: a strip at row 0 .* does not continue at row \d+ of a 150×131 image with 2 classes$/);
    expect(() => assembleStrips([b], img.width, img.height, 2, plan.tile)).toThrow(/a strip at row \d+ \(150 wide, 2 classes\) does not continue at row 0/);
    expect(() => decodeStrip(Uint8Array.of(1, 2, 3), 'parts/strip-1.bin')).toThrow('parts/strip-1.bin: not a strip of probabilities (3 bytes); expected what encodeStrip writes');
    expect(() => decodeStrip(encodeStrip(a).subarray(0, 100), 'x')).toThrow('x: not a strip of probabilities (100 bytes)');
  });
});
