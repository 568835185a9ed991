import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channel, fromTensor, image, luminance, maxValue, normalize, toTensor } from '../../src/data/image.js';

const anyImage = fc
  .record({ w: fc.integer({ min: 1, max: 6 }), h: fc.integer({ min: 1, max: 6 }), c: fc.constantFrom(1, 3) })
  .chain(({ w, h, c }) =>
    fc.array(fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }), { minLength: w * h * c, maxLength: w * h * c }).map((v) => image(w, h, c, Float32Array.from(v))),
  );

describe('Image', () => {
  it('toTensor is [1, C, H, W] over the same CHW values, and fromTensor inverts it', () => {
    fc.assert(
      fc.property(anyImage, (img) => {
        const t = toTensor(img);
        expect(t.shape).toEqual([1, img.channels, img.height, img.width]);
        expect(Array.from(t.data)).toEqual(Array.from(img.data));
        expect(t.data).not.toBe(img.data);
        expect(fromTensor(t)).toEqual(img);
      }),
      { numRuns: 30 },
    );
  });

  it('rejects data of the wrong length', () => {
    expect(() => image(2, 2, 1, new Float32Array(3))).toThrow(/3 values for 2×2×1/);
  });

  it("normalize('per-image') gives zero mean and unit std per channel", () => {
    const img = image(4, 1, 2, Float32Array.of(0, 10, 20, 30, 5, 5, 5, 7));
    const n = normalize('per-image')(img);
    for (const c of [0, 1]) {
      const d = Array.from(channel(c)(n).data);
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
      expect(mean).toBeCloseTo(0, 5);
      expect(std).toBeCloseTo(1, 5);
    }
  });

  it("normalize('per-image') of a constant image only removes the mean", () => {
    expect(Array.from(normalize()(image(2, 1, 1, Float32Array.of(4, 4))).data)).toEqual([0, 0]);
  });

  it("normalize('range') divides by the bit depth's maximum, or min–max without one", () => {
    const img = image(3, 1, 1, Float32Array.of(0, 51, 255));
    expect(Array.from(normalize('range', 255)(img).data)).toEqual([0, Math.fround(0.2), 1]);
    expect(Array.from(normalize('range')(image(2, 1, 1, Float32Array.of(10, 20))).data)).toEqual([0, 1]);
    expect(normalize('none')(img)).toBe(img);
    expect(maxValue({ image: img, bitDepth: 16, sampleFormat: 'uint' })).toBe(65535);
    expect(maxValue({ image: img, bitDepth: 32, sampleFormat: 'float' })).toBeUndefined();
  });

  it('luminance weights RGB by BT.601 and leaves grey alone', () => {
    const l = luminance(image(1, 1, 3, Float32Array.of(100, 0, 0)));
    expect(l.channels).toBe(1);
    expect(l.data[0]).toBeCloseTo(29.9, 4);
    const g = image(1, 1, 1, Float32Array.of(3));
    expect(luminance(g)).toBe(g);
  });
});
