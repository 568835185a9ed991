import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crop, mirrorPad } from '../../src/data/mirror.js';
import { DIHEDRAL, IDENTITY, transformImage } from '../../src/infer/dihedral.js';
import { readTile, segmentImage } from '../../src/infer/tiles.js';
import { InferenceError } from '../../src/infer/inference-error.js';
import * as E from 'fp-ts/lib/Either.js';
import { tilePlan } from '../../src/infer/plan.js';
import { validAbove } from '../../src/unet/geometry.js';
import { disposeRuntimes, runtimeFor } from '../helpers/backends.js';
import { maxAbsDiff, randomImage, randomModel, wholeImageProbs } from './helpers.js';

afterAll(disposeRuntimes);

describe('readTile', () => {
  it('reads the window of the mirror-padded image, for any offset, through any transform', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: -12, max: 12 }),
        fc.integer({ min: -12, max: 12 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 7 }),
        (w, h, y0, x0, n, gi) => {
          const img = randomImage(w, h, 2, w * 100 + h);
          const g = DIHEDRAL[gi]!;
          const view = transformImage(g)(img);
          const pad = 30;
          const want = crop({ x: x0 + pad, y: y0 + pad, width: n, height: n })(mirrorPad(pad)(view));
          expect(Array.from(readTile(img, g, y0, x0, n))).toEqual(Array.from(want.data));
        },
      ),
    );
  });
});

describe('segmentImage: overlap-tile inference equals one whole-image run (paper Fig. 2)', () => {
  const depthTiles = (depth: number): readonly number[] =>
    // valid tiles whose output stride leaves at most ~36 tiles on a 120-px image
    depth === 2 ? [60, 64, 72, 84, 100] : [124, 132, 148];

  it('on cpu: random image sizes, tiles and small models', async () => {
    const rt = await runtimeFor('cpu');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 20, max: 120 }),
        fc.integer({ min: 20, max: 120 }),
        fc.constantFrom(2, 3),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        async (w, h, depth, base, ti, inChannels, classes, seed) => {
          const tiles = depthTiles(depth);
          const tile = tiles[ti % tiles.length]!;
          expect(validAbove({ depth }, tile)).toBe(tile);
          const model = randomModel({ depth, base, tile, inChannels, classes }, seed);
          const img = randomImage(w, h, inChannels, seed + 1);
          const seg = await segmentImage(rt, model, img, { tile });
          const ref = await wholeImageProbs(rt, model, img);
          expect(seg.tile).toBe(tile);
          expect(seg.probs.length).toBe(classes);
          for (let c = 0; c < classes; c++) expect(maxAbsDiff(seg.probs[c]!, ref[c]!)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 5, seed: 20150518 },
    );
  });

  it('on webasm: a 97×70 image with depth-3 tiles (stride 24 of output 28)', async () => {
    const rt = await runtimeFor('webasm');
    const model = randomModel({ depth: 3, base: 3, tile: 116 }, 5);
    const img = randomImage(97, 70, 1, 6);
    const seg = await segmentImage(rt, model, img, { tile: 116 });
    expect(seg.tiles).toBe(5 * 3);
    const ref = await wholeImageProbs(rt, model, img);
    expect(maxAbsDiff(seg.probs[1]!, ref[1]!)).toBeLessThan(1e-4);
  });

  it('degenerate sizes (1×1, 1×7, 3×2): one tile, context mirrored many times over', async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 60 }, 8);
    for (const [w, h] of [[1, 1], [1, 7], [3, 2]] as const) {
      const img = randomImage(w, h, 1, w + 10 * h);
      const seg = await segmentImage(rt, model, img);
      expect(seg.tiles).toBe(1);
      expect(maxAbsDiff(seg.probs[0]!, (await wholeImageProbs(rt, model, img))[0]!)).toBeLessThan(1e-4);
    }
  });

  it('same padding (approximate tiling with a context margin): probabilities of every pixel sum to 1', async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 64, padding: 'same' }, 9);
    const seg = await segmentImage(rt, model, randomImage(30, 20, 1, 3), { tile: 64 });
    expect(seg.tiles).toBe(1 * 2); // output 24 of 64 (context 20), stride 24
    seg.probs[0]!.forEach((p, i) => expect(p + seg.probs[1]![i]!).toBeCloseTo(1, 5));
  });

  it('the foreground/none modes keep less but give the same labels; progress counts every tile', async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 64 }, 3);
    const img = randomImage(50, 30, 1, 4);
    const progress: number[] = [];
    const all = await segmentImage(rt, model, img, { tile: 64, onTile: (p) => progress.push(p.done / p.total) });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6].map((d) => d / 6)); // 2 rows × 3 columns of 24-px outputs
    const fg = await segmentImage(rt, model, img, { tile: 64, keep: 'foreground' });
    const none = await segmentImage(rt, model, img, { tile: 64, keep: 'none' });
    expect(fg.probs).toEqual([]);
    expect(none.foreground).toBeUndefined();
    expect(Array.from(fg.foreground!)).toEqual(Array.from(all.probs[1]!));
    expect(Array.from(fg.labels)).toEqual(Array.from(all.labels));
    expect(Array.from(none.labels)).toEqual(Array.from(all.labels));
    const argmax = Array.from(all.labels, (_, i) => (all.probs[1]![i]! > all.probs[0]![i]! ? 1 : 0));
    expect(Array.from(all.labels)).toEqual(argmax);
    expect(new Set(all.labels).size).toBe(2);
  });

  it('rejects a channel mismatch and an invalid tile, naming the nearest valid sizes', async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 64 }, 3);
    await expect(segmentImage(rt, model, randomImage(8, 8, 3, 1))).rejects.toThrow('segmentImage: the image has 3 channel(s), the model expects 1');
    await expect(segmentImage(rt, model, randomImage(8, 8, 3, 1))).rejects.toBeInstanceOf(InferenceError);
    await expect(segmentImage(rt, model, randomImage(8, 8, 1, 1), { tile: 62 })).rejects.toThrow('nearest valid sizes: 60 or 64');
  });
});

/** The smallest valid tile whose plan covers an h × w image in one tile, by brute force over sizes. */
const smallestCovering = (cfg: { depth: number; padding?: 'valid' | 'same' }, h: number, w: number): number => {
  for (let n = 1; ; n++) {
    const p = tilePlan(cfg, n);
    if (E.isRight(p) && p.right.stride >= Math.max(h, w)) return n;
  }
};

describe("segmentImage picks the tile per image (tile 'auto', the default)", () => {
  it('on cpu: auto tiling equals one whole-image run and the fixed model tile, for random small images', async () => {
    const rt = await runtimeFor('cpu');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 0, max: 10 }),
        fc.boolean(),
        fc.constantFrom(2, 3),
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        async (size, less, wide, depth, classes, seed) => {
          // near-square images (a long thin one may take a row of smaller tiles: less work)
          const [w, h] = wide ? [size, Math.max(1, size - less)] : [Math.max(1, size - less), size];
          // model tiles whose stride (64 and 80) covers every image drawn: auto picks the smallest covering tile
          const tile = depth === 2 ? 104 : 172;
          const model = randomModel({ depth, base: 2, tile, classes }, seed);
          const img = randomImage(w, h, 1, seed + 3);
          const auto = await segmentImage(rt, model, img);
          expect(auto.tile).toBe(smallestCovering({ depth }, h, w));
          expect(auto.tiles).toBe(1);
          const ref = await wholeImageProbs(rt, model, img);
          const fixed = await segmentImage(rt, model, img, { tile });
          for (let c = 0; c < classes; c++) {
            expect(maxAbsDiff(auto.probs[c]!, ref[c]!)).toBeLessThan(1e-4);
            expect(maxAbsDiff(auto.probs[c]!, fixed.probs[c]!)).toBeLessThan(1e-5);
          }
          expect(Array.from(auto.labels)).toEqual(Array.from(fixed.labels));
        },
      ),
      { numRuns: 6, seed: 20260601 },
    );
  });

  it('on cpu: an image larger than the model tile keeps tiles of at most the model tile (fewest tiles, smallest such tile), same result', async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 64 }, 21); // stride 24
    const img = randomImage(50, 70, 1, 22); // 64: 3 × 3 tiles; 60 (stride 20): 4 × 3 tiles
    const auto = await segmentImage(rt, model, img);
    const fixed = await segmentImage(rt, model, img, { tile: 64 });
    expect(auto.tile).toBe(64);
    expect(auto.tiles).toBe(fixed.tiles);
    expect(maxAbsDiff(auto.probs[1]!, fixed.probs[1]!)).toBeLessThan(1e-5);
    const img2 = randomImage(40, 40, 1, 23); // 64: 2 × 2 tiles of 64; 2 × 2 of 60 (stride 20) is less work
    const auto2 = await segmentImage(rt, model, img2);
    expect([auto2.tile, auto2.tiles]).toEqual([60, 4]);
    expect(maxAbsDiff(auto2.probs[1]!, (await segmentImage(rt, model, img2, { tile: 64 })).probs[1]!)).toBeLessThan(1e-5);
  });

  it('on webasm: a 97×70 image with a 252 model tile runs one 196 tile (stride 104), same probabilities as 252 and as 15 tiles of 116', async () => {
    const rt = await runtimeFor('webasm');
    const model = randomModel({ depth: 3, base: 3, tile: 252 }, 5);
    const img = randomImage(97, 70, 1, 6);
    const auto = await segmentImage(rt, model, img, { tile: 'auto' });
    expect(auto.tile).toBe(smallestCovering({ depth: 3 }, 70, 97));
    expect([auto.tile, auto.tiles]).toEqual([196, 1]);
    expect(maxAbsDiff(auto.probs[1]!, (await segmentImage(rt, model, img, { tile: 252 })).probs[1]!)).toBeLessThan(1e-5);
    const fixed = await segmentImage(rt, model, img, { tile: 116 });
    expect(fixed.tiles).toBe(15);
    expect(maxAbsDiff(auto.probs[1]!, fixed.probs[1]!)).toBeLessThan(1e-5);
  });

  it("a tile that is neither 'auto' nor a number is an InferenceError", async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 64 }, 3);
    const bad = { tile: 'big' } as unknown as { tile: number };
    await expect(segmentImage(rt, model, randomImage(8, 8, 1, 1), bad)).rejects.toBeInstanceOf(InferenceError);
  });
});

describe('segmentImage checks an in-memory image once, at the boundary (issue 18)', () => {
  it('a NaN or ±Infinity pixel (gave all-zero probabilities) is an InferenceError naming the first bad coordinate', async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 60, inChannels: 2 }, 3);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const img = randomImage(5, 4, 2, 1);
      img.data[20 + 3 * 5 + 1] = bad; // channel 1, y 3, x 1
      img.data[20 + 2 * 5 + 3] = bad; // channel 1, y 2, x 3: the first in data order
      const err = await segmentImage(rt, model, img).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InferenceError);
      expect((err as Error).message).toBe(`segmentImage: image pixel (x=3, y=2, channel 1) is ${bad}; expected finite values`);
    }
  });

  it('data whose length is not width × height × channels, or a bad size, is an InferenceError', async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 60 }, 3);
    const short = { width: 4, height: 3, channels: 1, data: new Float32Array(11) };
    await expect(segmentImage(rt, model, short)).rejects.toThrow('segmentImage: the image has 11 values; expected 12 (width 4 × height 3 × channels 1)');
    await expect(segmentImage(rt, model, short)).rejects.toBeInstanceOf(InferenceError);
    const zero = { width: 0, height: 3, channels: 1, data: new Float32Array(0) };
    await expect(segmentImage(rt, model, zero)).rejects.toThrow('segmentImage: image size 0×3×1 (width × height × channels); expected positive integers');
  });
});

describe('test-time augmentation over the 8 dihedral transforms', () => {
  it('is equivariant: transforming the input transforms the output (plain inference is not)', async () => {
    const rt = await runtimeFor('cpu');
    const model = randomModel({ depth: 2, base: 2, tile: 60 }, 11);
    const img = randomImage(37, 26, 1, 12);
    const a = await segmentImage(rt, model, img, { tile: 60, tta: true, keep: 'foreground' });
    expect(a.tiles).toBe(8 * 4);
    const asImage = (p: Float32Array, w: number, h: number) => ({ width: w, height: h, channels: 1, data: p });
    for (const g of [DIHEDRAL[1]!, DIHEDRAL[6]!]) {
      const t = transformImage(g)(img);
      const b = await segmentImage(rt, model, t, { tta: true, keep: 'foreground' });
      expect(maxAbsDiff(transformImage(g)(asImage(a.foreground!, 37, 26)).data, b.foreground!)).toBeLessThan(1e-5);
      const plainA = await segmentImage(rt, model, img, { keep: 'foreground' });
      const plainB = await segmentImage(rt, model, t, { keep: 'foreground' });
      expect(maxAbsDiff(transformImage(g)(asImage(plainA.foreground!, 37, 26)).data, plainB.foreground!)).toBeGreaterThan(1e-3);
    }
    expect(IDENTITY).toEqual(DIHEDRAL[0]);
  });
});
