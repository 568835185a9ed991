/**
 * Heat maps as images (e.g. the Eq. 2 weight maps of `preview`), in the viridis colormap of
 * src/plot/colormap.ts: lightness rises monotonically, so they read correctly in grey print
 * and for colour-blind readers.
 */
import { image, type Image } from './image.js';
import { viridis } from '../plot/colormap.js';

/**
 * A one-channel grid as an 8-bit RGB heat map image, values lo…hi mapped to viridis.
 *
 * @example
 * heatMap(0, 10)({ width: 2, height: 1, data: Float32Array.of(0, 10) }).channels; // 3
 */
export const heatMap =
  (lo: number, hi: number) =>
  (g: { readonly width: number; readonly height: number; readonly data: Float32Array }): Image => {
    const n = g.width * g.height;
    const out = new Float32Array(3 * n);
    const span = hi > lo ? hi - lo : 1;
    for (let i = 0; i < n; i++) {
      const c = viridis((g.data[i]! - lo) / span);
      out[i] = c[0];
      out[n + i] = c[1];
      out[2 * n + i] = c[2];
    }
    return image(g.width, g.height, 3, out);
  };
