import { describe, expect, it } from 'vitest';
import { contourMask, overlay, sideBySide } from '../../src/plot/overlay.js';
import { draw, pixel, raster, type Rgb } from '../../src/plot/raster.js';

describe('contourMask', () => {
  it('marks object pixels next to a different label, not the image border', () => {
    expect([...contourMask([1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0], 4, 3)]).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0]);
    // two touching objects both get their edge
    expect([...contourMask([1, 1, 2, 2], 4, 1)]).toEqual([0, 1, 1, 0]);
  });
});

describe('overlay', () => {
  // pred: a 3×3 object in the middle     truth: a 3×3 object in the bottom-right corner
  // 0 0 0 0 0                            0 0 0 0 0
  // 0 1 1 1 0                            0 0 0 0 0
  // 0 1 1 1 0                            0 0 3 3 3
  // 0 1 1 1 0                            0 0 3 3 3
  // 0 0 0 0 0                            0 0 3 3 3
  // pred contour: the ring of 8 around (2,2).  truth contour: (2,2), (3,2), (4,2), (2,3), (2,4):
  // (3,3) has all-3 neighbours, (4,3), (3,4), (4,4) touch only 3s and the image border.
  // both: (3,2) and (2,3).
  const pred = new Int32Array([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  const truth = new Int32Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 0, 0, 3, 3, 3, 0, 0, 3, 3, 3]);
  const P: Rgb = [255, 220, 0];
  const T: Rgb = [255, 0, 255];
  const B: Rgb = [255, 255, 255];
  const G: Rgb = [128, 128, 128];
  const expected: Rgb[] = [
    G, G, G, G, G,
    G, P, P, P, G,
    G, P, T, B, T,
    G, P, B, P, G,
    G, G, T, G, G,
  ];

  it('marks exactly the contour pixels, in their colours, over the grey image', () => {
    const r = overlay(new Float32Array(25).fill(0.5), 5, 5, pred, truth);
    const got = Array.from({ length: 25 }, (_, i) => pixel(r, i % 5, Math.floor(i / 5)));
    expect(got).toEqual(expected);
  });

  it('without truth, clamps grey values, and checks sizes', () => {
    const r = overlay(new Float32Array([-1, 2, NaN, 0.2]), 2, 2, new Int32Array(4));
    expect(Array.from({ length: 4 }, (_, i) => pixel(r, i % 2, Math.floor(i / 2)))).toEqual([[0, 0, 0], [255, 255, 255], [0, 0, 0], [51, 51, 51]]);
    expect(() => overlay(new Float32Array(4), 2, 2, new Int32Array(3))).toThrow('overlay: predicted has 3 values, 2×2 needs 4');
  });
});

describe('sideBySide', () => {
  it('places rasters left to right, top-aligned, with a gap', () => {
    const red = draw(raster(2, 2), [{ kind: 'rect', x: 0, y: 0, width: 2, height: 2, color: [255, 0, 0] }]);
    const blue = draw(raster(1, 3), [{ kind: 'rect', x: 0, y: 0, width: 1, height: 3, color: [0, 0, 255] }]);
    const s = sideBySide([red, blue], 1, [0, 0, 0]);
    expect([s.width, s.height]).toEqual([4, 3]);
    expect([0, 1, 2, 3].map((x) => pixel(s, x, 0))).toEqual([[255, 0, 0], [255, 0, 0], [0, 0, 0], [0, 0, 255]]);
    expect([0, 1, 2, 3].map((x) => pixel(s, x, 2))).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 255]]);
  });
});
