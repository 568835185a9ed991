import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { image } from '../../src/data/image.js';
import { cropMap, cubicWeights, identityMap, inside, sampleImage, sampleLabels, samplePlane, upsampleCubic } from '../../src/data/interpolate.js';
import { labelMap } from '../../src/data/labels.js';

const imgArb = fc
  .record({ w: fc.integer({ min: 1, max: 9 }), h: fc.integer({ min: 1, max: 9 }) })
  .chain(({ w, h }) => fc.array(fc.float({ min: -50, max: 50, noNaN: true }).map((v) => v + 0), { minLength: w * h, maxLength: w * h }).map((v) => image(w, h, 1, Float32Array.from(v))));

describe('resampling', () => {
  it('the identity map reproduces the image exactly for cubic, linear and nearest', () => {
    fc.assert(
      fc.property(imgArb, fc.constantFrom('cubic', 'linear', 'nearest' as const), (img, mode) => {
        expect(sampleImage(identityMap(img.width, img.height), mode)(img)).toEqual(img);
      }),
      { numRuns: 60 },
    );
  });

  it('cubic weights sum to 1 and interpolate a linear ramp exactly', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), (t) => {
        const w = cubicWeights(t);
        expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        expect(-w[0] + w[2] + 2 * w[3]).toBeCloseTo(t, 12);
      }),
    );
  });

  it('nearest-neighbour labels only take existing values', () => {
    const m = labelMap(3, 2, Int32Array.of(0, 7, 7, 3, 0, 9));
    const map = { width: 4, height: 4, x: Float32Array.from({ length: 16 }, (_, i) => i * 0.37 - 2), y: Float32Array.from({ length: 16 }, (_, i) => 5 - i * 0.41) };
    const out = sampleLabels(map)(m);
    for (const v of out.data) expect([0, 7, 3, 9]).toContain(v);
  });

  it('half-way between pixels, linear averages and a plane samples nearest', () => {
    const img = image(2, 1, 1, Float32Array.of(0, 10));
    const map = { width: 1, height: 1, x: Float32Array.of(0.5), y: Float32Array.of(0) };
    expect(sampleImage(map, 'linear')(img).data[0]).toBe(5);
    expect(samplePlane(map)({ width: 2, height: 1, data: img.data }).data[0]).toBe(10);
  });

  it('inside marks reads within the source; cropMap takes a window of the map', () => {
    const map = { width: 3, height: 1, x: Float32Array.of(-1, 0, 2.6), y: Float32Array.of(0, 0, 0) };
    expect(Array.from(inside(map, 3, 1))).toEqual([0, 1, 0]);
    const c = cropMap({ x: 1, y: 1, width: 2, height: 1 })(identityMap(4, 3));
    expect(Array.from(c.x)).toEqual([1, 2]);
    expect(Array.from(c.y)).toEqual([1, 1]);
  });

  it('upsampleCubic passes through the grid nodes', () => {
    const grid = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const f = upsampleCubic(grid, 3, 3, 5, 5);
    expect([f[0], f[2], f[4], f[10], f[12], f[24]]).toEqual([1, 2, 3, 4, 5, 9]);
  });
});
