/**
 * Viridis, the perceptually uniform colormap of matplotlib (van der Walt & Smith 2015):
 * lightness rises monotonically, so heat maps (e.g. Eq. 2 weight maps) read correctly in
 * grey print and for colour-blind readers. 11 reference colours, linear in between.
 *
 * @example
 * import { viridis, heatMap } from './colormap.js';
 * viridis(0);   // [68, 1, 84]
 * viridis(1);   // [253, 231, 37]
 */
import { image, type Image } from './image.js';

const STOPS: readonly (readonly [number, number, number])[] = [
  [0x44, 0x01, 0x54], [0x48, 0x24, 0x75], [0x41, 0x44, 0x87], [0x35, 0x5f, 0x8d], [0x2a, 0x78, 0x8e], [0x21, 0x91, 0x8c],
  [0x22, 0xa8, 0x84], [0x44, 0xbf, 0x70], [0x7a, 0xd1, 0x51], [0xbd, 0xdf, 0x26], [0xfd, 0xe7, 0x25],
];

/**
 * The viridis colour (8-bit RGB) of t ∈ [0, 1] (clamped).
 *
 * @example
 * viridis(0.5); // [33, 145, 140]
 */
export const viridis = (t: number): readonly [number, number, number] => {
  const u = Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t)) * (STOPS.length - 1);
  const i = Math.min(Math.floor(u), STOPS.length - 2);
  const f = u - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
};

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
