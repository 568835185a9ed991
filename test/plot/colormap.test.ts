import { describe, expect, it } from 'vitest';
import { heatmap, NAN_COLOR, viridis } from '../../src/plot/colormap.js';
import { pixel } from '../../src/plot/raster.js';

describe('viridis and heatmap', () => {
  it('has the viridis end points and middle, clamps outside [0, 1]', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(0.5)).toEqual([33, 144, 140]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(7)).toEqual(viridis(1));
    // half way between the first two samples (t = 1/16): the channel means, rounded
    expect(viridis(1 / 16)).toEqual([70, 23, 104]);
  });

  it('gets lighter monotonically (readable in greyscale)', () => {
    const luma = (t: number) => {
      const [r, g, b] = viridis(t);
      return 0.299 * r + 0.587 * g + 0.114 * b;
    };
    for (let k = 0; k < 100; k++) expect(luma((k + 1) / 100)).toBeGreaterThan(luma(k / 100));
  });

  it('maps values by min and max', () => {
    const r = heatmap(new Float32Array([0, 0.5, 1, 2, NaN, -1]), 3, 2, { min: 0, max: 1 });
    expect(pixel(r, 0, 0)).toEqual(viridis(0));
    expect(pixel(r, 1, 0)).toEqual(viridis(0.5));
    expect(pixel(r, 2, 0)).toEqual(viridis(1));
    expect(pixel(r, 0, 1)).toEqual(viridis(1)); // 2 clipped
    expect(pixel(r, 1, 1)).toEqual(NAN_COLOR);
    expect(pixel(r, 2, 1)).toEqual(viridis(0)); // −1 clipped
    // default range = data range; a constant image is the middle colour
    expect(pixel(heatmap([3, 5], 2, 1), 1, 0)).toEqual(viridis(1));
    expect(pixel(heatmap([4, 4], 2, 1), 0, 0)).toEqual(viridis(0.5));
    expect(() => heatmap([1, 2, 3], 2, 2)).toThrow('heatmap: 3 values, 2×2 needs 4');
  });
});
