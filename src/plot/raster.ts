/**
 * A tiny RGB raster and the few drawing primitives plots need: antialiased polylines,
 * filled rectangles and bitmap text (see `font.ts`). No canvas library.
 *
 * Why a second image type next to data's `Image`: an `Image` is measured data (any channel
 * count, raw float intensities of any bit depth, channel-planar like an NCHW tensor item);
 * a `Raster` is a picture for people (always 8-bit RGB, interleaved as PNG and screens store
 * it, so blending a colour into a pixel touches three adjacent bytes). Data becomes a
 * picture once, one way, through `rasterOf` (or `heatmap`, `overlay`); nothing turns a
 * picture back into data. Both are written by the one PNG codec, src/data/png.ts.
 *
 * Drawing is pure from the outside: `draw(r, marks)` returns a new raster with the marks
 * painted in order, leaving `r` untouched (it paints into its own copy). Coordinates are
 * pixels, x to the right, y down; pixel (i, j) covers [i, i+1) × [j, j+1), so a 1-px line
 * through pixel centres is at i + 0.5.
 *
 * Lines are antialiased by coverage: a pixel whose centre lies at distance d from the
 * segment gets coverage clamp(w/2 + ½ − d, 0, 1) (a box-filtered approximation of the area
 * of a width-w stroke with round caps; cf. Gupta & Sproull, SIGGRAPH 1981) and is blended
 * as c ← (1 − α)c + α·colour. A polyline takes the maximum coverage over its segments, so
 * joints are not painted twice.
 *
 * @example
 * import { raster, draw } from './raster.js';
 * const r = draw(raster(100, 40), [
 *   { kind: 'rect', x: 0, y: 0, width: 100, height: 40, color: [240, 240, 240] },
 *   { kind: 'polyline', points: [[5, 35], [50, 5], [95, 30]], color: [31, 119, 180], width: 2 },
 *   { kind: 'text', x: 5, y: 5, text: 'loss', color: [0, 0, 0] },
 * ]);
 */
import type { Image } from '../data/image.js';
import { ADVANCE, CAP_HEIGHT, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, inked } from './font.js';

/** A colour, each channel 0 … 255. */
export type Rgb = readonly [r: number, g: number, b: number];

/** Row-major RGB pixels: pixel (x, y) at data[3(y·width + x)] … +2. */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** White, the default background. */
export const WHITE: Rgb = [255, 255, 255];
/** Black, for text and axes. */
export const BLACK: Rgb = [0, 0, 0];

/** Something to paint. Text is anchored at its top-left; `vertical` text reads bottom to top. */
export type Mark =
  | { readonly kind: 'polyline'; readonly points: readonly (readonly [number, number])[]; readonly color: Rgb; readonly width?: number }
  | { readonly kind: 'rect'; readonly x: number; readonly y: number; readonly width: number; readonly height: number; readonly color: Rgb }
  | {
      readonly kind: 'text';
      readonly x: number;
      readonly y: number;
      readonly text: string;
      readonly color: Rgb;
      readonly scale?: number;
      readonly vertical?: boolean;
    };

/**
 * A raster filled with one colour (white by default).
 *
 * @example
 * raster(2, 1, [255, 0, 0]).data; // Uint8Array [255, 0, 0, 255, 0, 0]
 */
export const raster = (width: number, height: number, background: Rgb = WHITE): Raster => {
  const data = new Uint8Array(width * height * 3);
  const [r, g, b] = background;
  for (let i = 0; i < data.length; i += 3) (data[i] = r), (data[i + 1] = g), (data[i + 2] = b);
  return { width, height, data };
};

/**
 * The colour at (x, y), or undefined outside the raster.
 *
 * @example
 * pixel(raster(1, 1), 0, 0); // [255, 255, 255]
 */
export const pixel = (r: Raster, x: number, y: number): Rgb | undefined =>
  x >= 0 && y >= 0 && x < r.width && y < r.height && Number.isInteger(x) && Number.isInteger(y)
    ? [r.data[3 * (y * r.width + x)]!, r.data[3 * (y * r.width + x) + 1]!, r.data[3 * (y * r.width + x) + 2]!]
    : undefined;

/**
 * Width in pixels of `text` at `scale` (characters advance 6·scale, no trailing gap).
 *
 * @example
 * textWidth('10', 2); // 22
 */
export const textWidth = (text: string, scale = 1): number => Math.max(0, [...text].length * ADVANCE - 1) * scale;

/** Height in pixels of a line of text at `scale`, descenders included (9 rows). */
export const textHeight = (scale = 1): number => GLYPH_HEIGHT * scale;

/** Height in pixels from the top of capitals and digits to the baseline at `scale` (7 rows). */
export const capHeight = (scale = 1): number => CAP_HEIGHT * scale;

/** Blends colour c with coverage a ∈ [0, 1] into pixel index i (of a mutable buffer). */
const blend = (data: Uint8Array, i: number, c: Rgb, a: number): void => {
  for (let k = 0; k < 3; k++) data[3 * i + k] = Math.round((1 - a) * data[3 * i + k]! + a * c[k]!);
};

/** Distance from (px, py) to the segment (x0, y0)–(x1, y1). */
const segmentDistance = (px: number, py: number, x0: number, y0: number, x1: number, y1: number): number => {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((px - x0) * dx + (py - y0) * dy) / len2));
  return Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
};

const paintPolyline = (r: Raster, points: readonly (readonly [number, number])[], color: Rgb, width: number): void => {
  if (points.length === 0) return;
  const reach = width / 2 + 0.5;
  // bounding box by a loop: spreading a long polyline into Math.min would overflow the stack
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of points) [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
  const x0 = Math.max(0, Math.floor(minX - reach));
  const x1 = Math.min(r.width - 1, Math.ceil(maxX + reach));
  const y0 = Math.max(0, Math.floor(minY - reach));
  const y1 = Math.min(r.height - 1, Math.ceil(maxY + reach));
  if (x1 < x0 || y1 < y0) return;
  const bw = x1 - x0 + 1;
  const coverage = new Float32Array(bw * (y1 - y0 + 1));
  const segments = points.length === 1 ? [[points[0]!, points[0]!] as const] : points.slice(1).map((p, k) => [points[k]!, p] as const);
  const cover = (x: number, y: number, a: readonly [number, number], b: readonly [number, number]): void => {
    const c = Math.min(1, Math.max(0, reach - segmentDistance(x + 0.5, y + 0.5, a[0], a[1], b[0], b[1])));
    const k = (y - y0) * bw + (x - x0);
    if (c > coverage[k]!) coverage[k] = c;
  };
  for (const [a, b] of segments) {
    // walk the segment's major axis; across it only a window of ± reach / cos θ can be in reach
    const major: 0 | 1 = Math.abs(b[0] - a[0]) >= Math.abs(b[1] - a[1]) ? 0 : 1;
    const minor: 0 | 1 = major === 0 ? 1 : 0;
    const [lo, hi] = a[major] <= b[major] ? [a, b] : [b, a];
    const slope = hi[major] === lo[major] ? 0 : (hi[minor] - lo[minor]) / (hi[major] - lo[major]);
    const half = reach * Math.sqrt(1 + slope * slope) + 1;
    const [m0, m1] = major === 0 ? [x0, x1] : [y0, y1];
    const [n0, n1] = major === 0 ? [y0, y1] : [x0, x1];
    for (let m = Math.max(m0, Math.floor(lo[major] - reach)); m <= Math.min(m1, Math.ceil(hi[major] + reach)); m++) {
      const along = Math.min(hi[major], Math.max(lo[major], m + 0.5));
      const centre = lo[minor] + slope * (along - lo[major]);
      for (let q = Math.max(n0, Math.floor(centre - half)); q <= Math.min(n1, Math.ceil(centre + half)); q++) {
        if (major === 0) cover(m, q, a, b);
        else cover(q, m, a, b);
      }
    }
  }
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const c = coverage[(y - y0) * bw + (x - x0)]!;
      if (c > 0) blend(r.data, y * r.width + x, color, c);
    }
  }
};

const paintRect = (r: Raster, x: number, y: number, w: number, h: number, color: Rgb): void => {
  const xa = Math.max(0, Math.round(x));
  const xb = Math.min(r.width, Math.round(x + w));
  const ya = Math.max(0, Math.round(y));
  const yb = Math.min(r.height, Math.round(y + h));
  const [cr, cg, cb] = color;
  for (let j = ya; j < yb; j++) {
    for (let i = xa; i < xb; i++) {
      const k = 3 * (j * r.width + i);
      (r.data[k] = cr), (r.data[k + 1] = cg), (r.data[k + 2] = cb);
    }
  }
};

const paintText = (r: Raster, x: number, y: number, text: string, color: Rgb, scale: number, vertical: boolean): void => {
  const s = Math.max(1, Math.round(scale));
  const length = textWidth(text, s);
  [...text].forEach((ch, k) => {
    const rows = glyph(ch);
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (!inked(rows[row]!, col)) continue;
        const u = (k * ADVANCE + col) * s; // along the text
        const v = row * s; // across it, 0 = top of the glyphs
        // vertical: rotated 90° counter-clockwise, (u, v) → (v, length − s − u)
        if (vertical) paintRect(r, Math.round(x) + v, Math.round(y) + length - s - u, s, s, color);
        else paintRect(r, Math.round(x) + u, Math.round(y) + v, s, s, color);
      }
    }
  });
};

/**
 * A copy of `r` with the marks painted in order (later marks on top); `r` is unchanged.
 * Marks outside the raster are clipped.
 *
 * @example
 * draw(raster(10, 10), [{ kind: 'rect', x: 2, y: 2, width: 3, height: 3, color: BLACK }]);
 */
export const draw = (r: Raster, marks: readonly Mark[]): Raster => {
  const out: Raster = { width: r.width, height: r.height, data: r.data.slice() };
  for (const m of marks) {
    if (m.kind === 'polyline') paintPolyline(out, m.points, m.color, m.width ?? 1);
    else if (m.kind === 'rect') paintRect(out, m.x, m.y, m.width, m.height, m.color);
    else paintText(out, m.x, m.y, m.text, m.color, m.scale ?? 1, m.vertical ?? false);
  }
  return out;
};

/**
 * The raster enlarged `factor` times by pixel replication (nearest neighbour), for looking at
 * small images without blur.
 *
 * @example
 * upscale(raster(2, 1), 3).width; // 6
 */
export const upscale = (r: Raster, factor: number): Raster => {
  const k = Math.max(1, Math.round(factor));
  const out = raster(r.width * k, r.height * k);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const from = 3 * (Math.floor(y / k) * r.width + Math.floor(x / k));
      for (let c = 0; c < 3; c++) out.data[3 * (y * out.width + x) + c] = r.data[from + c]!;
    }
  }
  return out;
};

/**
 * A grey (1-channel) or RGB (3-channel) image as a picture: values rounded and clamped to
 * 0 … 255 (scale them first), grey repeated into R, G and B.
 *
 * @example
 * rasterOf(image(1, 1, 1, Float32Array.of(300))).data; // Uint8Array [255, 255, 255]
 */
export const rasterOf = (img: Image): Raster => {
  if (img.channels !== 1 && img.channels !== 3) throw new RangeError(`rasterOf: ${img.channels} channels; expected 1 (grey) or 3 (RGB)`);
  const n = img.width * img.height;
  const data = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[3 * i + c] = Math.min(255, Math.max(0, Math.round(img.data[(img.channels === 3 ? c * n : 0) + i]!)));
  return { width: img.width, height: img.height, data };
};

/**
 * A copy of `dst` with `src` copied in with its top-left corner at (x, y), clipped to `dst`.
 *
 * @example
 * paste(raster(4, 4), raster(2, 2, BLACK), 1, 1); // a black 2×2 square in a white 4×4
 */
export const paste = (dst: Raster, src: Raster, x: number, y: number): Raster => {
  const out: Raster = { width: dst.width, height: dst.height, data: dst.data.slice() };
  const x0 = Math.max(0, x);
  const x1 = Math.min(dst.width, x + src.width);
  if (x1 <= x0) return out;
  for (let j = Math.max(0, y); j < Math.min(dst.height, y + src.height); j++) {
    const from = 3 * ((j - y) * src.width + (x0 - x));
    out.data.set(src.data.subarray(from, from + 3 * (x1 - x0)), 3 * (j * dst.width + x0));
  }
  return out;
};
