import { describe, expect, it } from 'vitest';
import { glyph, inked } from '../../src/plot/font.js';
import { image } from '../../src/data/image.js';
import { BLACK, draw, paste, pixel, raster, rasterOf, textWidth, upscale, type Rgb } from '../../src/plot/raster.js';

const RED: Rgb = [255, 0, 0];
const rowOf = (r: ReturnType<typeof raster>, y: number) => Array.from({ length: r.width }, (_, x) => pixel(r, x, y));

describe('raster and draw', () => {
  it('fills, reads pixels, and leaves the input raster alone', () => {
    const r = raster(3, 2, [1, 2, 3]);
    expect([...r.data]).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(pixel(r, 3, 0)).toBeUndefined();
    const before = r.data.slice();
    const d = draw(r, [{ kind: 'rect', x: 0, y: 0, width: 3, height: 2, color: RED }]);
    expect(r.data).toEqual(before);
    expect(pixel(d, 2, 1)).toEqual(RED);
  });

  it('clips rectangles', () => {
    const d = draw(raster(4, 4), [{ kind: 'rect', x: 2, y: -3, width: 10, height: 4, color: RED }]);
    // covers x 2..3 of row 0 only
    expect(rowOf(d, 0)).toEqual([[255, 255, 255], [255, 255, 255], RED, RED]);
    expect(rowOf(d, 1).every((c) => c![1] === 255)).toBe(true);
  });

  it('draws a crisp 1-px line through pixel centres and an antialiased one between them', () => {
    // y = 2.5 is the centre of row 2: full coverage there, none on rows 1 and 3
    const crisp = draw(raster(8, 5), [{ kind: 'polyline', points: [[1.5, 2.5], [6.5, 2.5]], color: BLACK }]);
    for (let x = 1; x <= 6; x++) expect(pixel(crisp, x, 2)).toEqual([0, 0, 0]);
    expect(rowOf(crisp, 1).every((c) => c![0] === 255)).toBe(true);
    expect(rowOf(crisp, 3).every((c) => c![0] === 255)).toBe(true);
    // y = 2 lies between rows 1 and 2: centres at distance ½ → coverage ½ each → 255·½ ≈ 128
    const soft = draw(raster(8, 5), [{ kind: 'polyline', points: [[1.5, 2], [6.5, 2]], color: BLACK }]);
    expect(pixel(soft, 3, 1)).toEqual([128, 128, 128]);
    expect(pixel(soft, 3, 2)).toEqual([128, 128, 128]);
  });

  it('paints a polyline joint once (maximum coverage, not double blending)', () => {
    const half: Rgb = [0, 0, 0];
    const one = draw(raster(10, 10), [{ kind: 'polyline', points: [[1, 5], [5, 5], [5, 9]], color: half }]);
    const two = draw(raster(10, 10), [
      { kind: 'polyline', points: [[1, 5], [5, 5]], color: half },
      { kind: 'polyline', points: [[5, 5], [5, 9]], color: half },
    ]);
    // pixel (4, 5), centre (4.5, 5.5), is ½ px from both segments: coverage ½ from each;
    // once → 255·½ ≈ 128, blended twice → 128·½ = 64
    expect(pixel(one, 4, 5)).toEqual([128, 128, 128]);
    expect(pixel(two, 4, 5)).toEqual([64, 64, 64]);
  });

  it('renders the bitmap font, horizontally and rotated', () => {
    expect(textWidth('ab', 2)).toBe(22);
    const r = draw(raster(6, 9), [{ kind: 'text', x: 0, y: 0, text: 'F', color: BLACK }]);
    const rows = glyph('F');
    for (let y = 0; y < 9; y++) for (let x = 0; x < 5; x++) expect(pixel(r, x, y)![0] === 0).toBe(inked(rows[y]!, x));
    // rotated 90° counter-clockwise: glyph row v becomes column v, glyph column u becomes row 4 − u
    const v = draw(raster(9, 6), [{ kind: 'text', x: 0, y: 0, text: 'F', color: BLACK, vertical: true }]);
    for (let row = 0; row < 9; row++) for (let col = 0; col < 5; col++) expect(pixel(v, row, 4 - col)![0] === 0).toBe(inked(rows[row]!, col));
    // unknown characters draw a box, not nothing
    const box = draw(raster(5, 7), [{ kind: 'text', x: 0, y: 0, text: '\u2603', color: BLACK }]);
    expect(pixel(box, 0, 0)).toEqual([0, 0, 0]);
  });

  it('upscales by pixel replication', () => {
    const r = draw(raster(2, 1), [{ kind: 'rect', x: 1, y: 0, width: 1, height: 1, color: RED }]);
    const u = upscale(r, 2);
    expect([u.width, u.height]).toEqual([4, 2]);
    expect(rowOf(u, 1)).toEqual([[255, 255, 255], [255, 255, 255], RED, RED]);
  });

  it('pictures a grey or RGB image: rounded, clamped to 0 … 255, grey repeated into R, G, B', () => {
    expect(Array.from(rasterOf(image(2, 1, 1, Float32Array.of(-3, 300))).data)).toEqual([0, 0, 0, 255, 255, 255]);
    const rgb = rasterOf(image(2, 1, 3, Float32Array.of(1, 2, 3.4, 4, 5, 6)));
    expect([pixel(rgb, 0, 0), pixel(rgb, 1, 0)]).toEqual([[1, 3, 5], [2, 4, 6]]);
    expect(() => rasterOf(image(1, 1, 2, new Float32Array(2)))).toThrow('rasterOf: 2 channels; expected 1 (grey) or 3 (RGB)');
  });

  it('pastes a raster into a copy, clipped at the edges', () => {
    const dst = raster(3, 2);
    const out = paste(dst, raster(2, 2, RED), 2, 1);
    expect(rowOf(out, 0)).toEqual([[255, 255, 255], [255, 255, 255], [255, 255, 255]]);
    expect(rowOf(out, 1)).toEqual([[255, 255, 255], [255, 255, 255], RED]);
    expect(pixel(dst, 2, 1)).toEqual([255, 255, 255]); // dst untouched
    expect(paste(dst, raster(1, 1, RED), -1, 0).data).toEqual(dst.data); // wholly outside
  });
});
