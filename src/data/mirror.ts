/**
 * Mirror extrapolation and cropping (paper Sec. 2, Fig. 2: "to predict the pixels in the
 * border region of the image, the missing context is extrapolated by mirroring the input
 * image").
 *
 * Convention — reflect without repeating the edge pixel ("reflect-101", numpy 'reflect',
 * OpenCV BORDER_REFLECT_101):  … c b | a b c … x y | x w …
 * Index i of a length-n axis maps to the period-2(n−1) reflection of i, so pads of any
 * width work (a pad wider than the image reflects again). n = 1 repeats the pixel.
 * Overlap-tile inference must extrapolate with this same `mirrorIndex`, so a network sees
 * the same context at training and test time.
 *
 * @example
 * import { mirrorIndex, mirrorPad, crop } from './mirror.js';
 * [-2, -1, 0, 1, 2, 3, 4].map((i) => mirrorIndex(3, i)); // [2, 1, 0, 1, 2, 1, 0]
 * crop({ x: 2, y: 2, width: img.width, height: img.height })(mirrorPad(2)(img)); // = img
 */
import { image, type Image } from './image.js';
import { labelMap, type LabelMap } from './labels.js';

/** Pixels added on each side. */
export interface Pad {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** A rectangle in pixel coordinates (origin top-left). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The in-range index that mirror extrapolation reads for index i on an axis of length n.
 *
 * @example
 * mirrorIndex(4, -1); // 1
 * mirrorIndex(4, 4);  // 2
 */
export const mirrorIndex = (n: number, i: number): number => {
  if (n <= 1) return 0;
  const p = 2 * (n - 1);
  const m = ((i % p) + p) % p;
  return m < n ? m : p - m;
};

const toPad = (pad: Pad | number): Pad => (typeof pad === 'number' ? { top: pad, bottom: pad, left: pad, right: pad } : pad);

/** Generic planar resampling by index maps (rows × cols per plane). */
const remap = <T extends Float32Array | Int32Array>(
  src: T,
  w: number,
  h: number,
  planes: number,
  rows: Int32Array,
  cols: Int32Array,
  make: (n: number) => T,
): T => {
  const ow = cols.length;
  const oh = rows.length;
  const out = make(ow * oh * planes);
  for (let c = 0; c < planes; c++) {
    for (let y = 0; y < oh; y++) {
      const srow = (c * h + rows[y]!) * w;
      const orow = (c * oh + y) * ow;
      for (let x = 0; x < ow; x++) out[orow + x] = src[srow + cols[x]!]!;
    }
  }
  return out;
};

const padIndices = (n: number, before: number, after: number): Int32Array =>
  Int32Array.from({ length: n + before + after }, (_, i) => mirrorIndex(n, i - before));

const cropIndices = (n: number, start: number, len: number, what: string): Int32Array => {
  if (!Number.isInteger(start) || !Number.isInteger(len) || start < 0 || len < 0 || start + len > n) {
    throw new RangeError(`crop: ${what} ${start}…${start + len} outside 0…${n}`);
  }
  return Int32Array.from({ length: len }, (_, i) => start + i);
};

/**
 * Mirror-pads an image by `pad` pixels per side (or per side given separately).
 *
 * @example
 * mirrorPad({ top: 0, bottom: 0, left: 2, right: 0 })(image(3, 1, 1, Float32Array.of(1, 2, 3))).data;
 * // [3, 2, 1, 2, 3]
 */
export const mirrorPad = (pad: Pad | number) => (img: Image): Image => {
  const p = toPad(pad);
  const rows = padIndices(img.height, p.top, p.bottom);
  const cols = padIndices(img.width, p.left, p.right);
  const data = remap(img.data, img.width, img.height, img.channels, rows, cols, (n) => new Float32Array(n));
  return image(cols.length, rows.length, img.channels, data);
};

/**
 * Mirror-pads a label map (same convention as `mirrorPad`).
 *
 * @example
 * declare const classes: LabelMap;
 * mirrorPadLabels(92)(classes);
 */
export const mirrorPadLabels = (pad: Pad | number) => (m: LabelMap): LabelMap => {
  const p = toPad(pad);
  const rows = padIndices(m.height, p.top, p.bottom);
  const cols = padIndices(m.width, p.left, p.right);
  return labelMap(cols.length, rows.length, remap(m.data, m.width, m.height, 1, rows, cols, (n) => new Int32Array(n)));
};

/**
 * The pixels of `rect` (which must lie inside the image) as a new image.
 *
 * @example
 * crop({ x: 1, y: 0, width: 2, height: 1 })(image(3, 1, 1, Float32Array.of(1, 2, 3))).data; // [2, 3]
 */
export const crop = (rect: Rect) => (img: Image): Image => {
  const rows = cropIndices(img.height, rect.y, rect.height, 'rows');
  const cols = cropIndices(img.width, rect.x, rect.width, 'columns');
  return image(rect.width, rect.height, img.channels, remap(img.data, img.width, img.height, img.channels, rows, cols, (n) => new Float32Array(n)));
};

/**
 * The pixels of `rect` of a label map.
 *
 * @example
 * declare const m: LabelMap; // 572 × 572
 * cropLabels({ x: 92, y: 92, width: 388, height: 388 })(m);
 */
export const cropLabels = (rect: Rect) => (m: LabelMap): LabelMap => {
  const rows = cropIndices(m.height, rect.y, rect.height, 'rows');
  const cols = cropIndices(m.width, rect.x, rect.width, 'columns');
  return labelMap(rect.width, rect.height, remap(m.data, m.width, m.height, 1, rows, cols, (n) => new Int32Array(n)));
};
