import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rng } from '../../src/tensor/random.js';
import { coordMap, elasticField, grayValue, identityTransform, noAugmentation, sampleGray, sampleTransform, type Transform } from '../../src/data/augment.js';
import { image } from '../../src/data/image.js';
import { sampleImage, sampleLabels } from '../../src/data/interpolate.js';
import { labelMap } from '../../src/data/labels.js';

const centre = (w: number, h: number) => ({ x: (w - 1) / 2, y: (h - 1) / 2 });
const ramp = (w: number, h: number) => image(w, h, 1, Float32Array.from({ length: w * h }, (_, i) => (i * 7919) % 101));

describe('augmentation (Sec. 3.1)', () => {
  it('zero displacement (identity transform) reproduces image and labels exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), (w, h) => {
        const img = ramp(w, h);
        const lab = labelMap(w, h, Int32Array.from(img.data, (v) => v % 3));
        for (const t of [identityTransform, sampleTransform(noAugmentation)(rng(w * 31 + h))]) {
          const map = coordMap(t, { width: w, height: h }, centre(w, h));
          expect(sampleImage(map)(img)).toEqual(img);
          expect(sampleLabels(map)(lab)).toEqual(lab);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('deformation never invents label values', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 4, max: 24 }), (seed, n) => {
        const r = rng(seed);
        const values = [0, 3, 17, 65535];
        const lab = labelMap(n, n, Int32Array.from({ length: n * n }, () => values[r.int(4)]!));
        const t = sampleTransform({ elasticSigma: 10, maxRotation: Math.PI, maxShift: 5 })(r);
        const out = sampleLabels(coordMap(t, { width: 2 * n, height: n + 3 }, centre(n, n)))(lab);
        const seen = new Set(lab.data);
        for (const v of out.data) expect(seen.has(v)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('the 8 dihedral elements are 8 distinct exact rearrangements of the pixels', () => {
    const img = ramp(3, 3);
    const outs = Array.from({ length: 8 }, (_, k) => {
      const t: Transform = { ...identityTransform, dihedral: k };
      return Array.from(sampleImage(coordMap(t, { width: 3, height: 3 }, centre(3, 3)))(img).data);
    });
    expect(new Set(outs.map((o) => o.join(','))).size).toBe(8);
    for (const o of outs) expect([...o].sort((a, b) => a - b)).toEqual(Array.from(img.data).sort((a, b) => a - b));
  });

  it('the elastic field passes through the 3×3 grid displacements at the nodes', () => {
    const t = sampleTransform()(rng(5));
    const { dx, dy } = elasticField(t, 9, 5);
    for (let gy = 0; gy < 3; gy++) {
      for (let gx = 0; gx < 3; gx++) {
        const i = gy * 2 * 9 + gx * 4;
        expect(dx[i]).toBeCloseTo(t.displacements[2 * (gy * 3 + gx)]!, 4);
        expect(dy[i]).toBeCloseTo(t.displacements[2 * (gy * 3 + gx) + 1]!, 4);
      }
    }
  });

  it('node displacements are N(0, 10²) by default', () => {
    const r = rng(11);
    const d = Array.from({ length: 400 }, () => Array.from(sampleTransform()(r).displacements)).flat();
    const std = Math.sqrt(d.reduce((a, b) => a + b * b, 0) / d.length);
    expect(std).toBeGreaterThan(9);
    expect(std).toBeLessThan(11);
  });

  it('is deterministic per seed', () => {
    expect(sampleTransform()(rng(3))).toEqual(sampleTransform()(rng(3)));
    expect(sampleTransform()(rng(3))).not.toEqual(sampleTransform()(rng(4)));
  });

  it('grey-value variation: identity parameters change nothing; drawn ones keep the order of values', () => {
    const img = ramp(5, 4);
    const same = grayValue(sampleGray(false)(rng(1)))(img);
    same.data.forEach((v, i) => expect(v).toBeCloseTo(img.data[i]!, 4));
    const g = grayValue(sampleGray({ brightness: 0.5, contrast: 0.5, gamma: 0.5 })(rng(2)))(img);
    const order = (d: Float32Array) => Array.from(d.keys()).sort((a, b) => d[a]! - d[b]! || a - b);
    expect(order(g.data)).toEqual(order(img.data));
  });
});
