/**
 * One image as several jobs: its plan's rows of tiles cut into strips, each segmented on its
 * own (`segmentStrip`, possibly by another process or machine) and put back together
 * (`assembleStrips`) into exactly the `Segmentation` that `segmentImage` gives for the whole
 * image: every tile's output depends on its own input tile only, the image is normalised the
 * same way in every strip (each reads the whole image), and each pixel's probabilities are
 * copied, not summed. Without test-time augmentation only: the 7 other flips and rotations
 * run their tiles across the strips. A strip travels as bytes (`encodeStrip`): its position,
 * tile count and the float32 probabilities of its rows.
 *
 * @example
 * import { assembleStrips, segmentStrip, stripRows } from './strips.js';
 * import { imagePlan } from './tiles.js';
 * const plan = imagePlan(model.config, img.height, img.width, 'auto');
 * const strips = stripRows(plan, img.width, img.height, 1 << 20); // about 1 MP of output each
 * const parts = await Promise.all(strips.map((s) => segmentStrip(gpujsForward(rt, model), img, plan, s)));
 * const seg = assembleStrips(parts, img.width, img.height, model.config.classes, plan.tile); // = segmentImage(rt, model, img)
 */
import type { Image } from '../data/image.js';
import { InferenceError } from './inference-error.js';
import { tileOrigins, type TilePlan } from './plan.js';
import { IDENTITY } from './dihedral.js';
import { predictStrips, type Segmentation, type TileForward, type TileProgress } from './tiles.js';

/** Rows of tiles `from` … `to − 1`: output rows `y0` … `y1 − 1` of the image. */
export interface StripRows {
  readonly from: number;
  readonly to: number;
  readonly y0: number;
  readonly y1: number;
}

/** A segmented strip: softmax probabilities per class of rows y0 … y0 + height − 1, full width. */
export interface StripResult {
  readonly y0: number;
  readonly height: number;
  readonly width: number;
  readonly probs: readonly Float32Array[];
  /** Network runs made. */
  readonly tiles: number;
}

/**
 * The plan's rows of tiles grouped into strips of at most `maxPixels` output pixels (at least
 * one row of tiles each), top to bottom.
 *
 * @example
 * import type { TilePlan } from './plan.js';
 * declare const plan: TilePlan; // stride 64
 * stripRows(plan, 1000, 1000, 200_000).length; // 6: 3 rows of tiles (192 px × 1000) per strip, 16 rows
 */
export const stripRows = (plan: TilePlan, width: number, height: number, maxPixels: number): readonly StripRows[] => {
  const ys = tileOrigins(height, plan.stride);
  const per = Math.max(1, Math.floor(maxPixels / (plan.stride * width)));
  const out: StripRows[] = [];
  for (let from = 0; from < ys.length; from += per) {
    const to = Math.min(ys.length, from + per);
    out.push({ from, to, y0: ys[from]!, y1: to < ys.length ? ys[to]! : height });
  }
  return out;
};

/**
 * Segments the rows of tiles of one strip of `img` with `plan` (the one `imagePlan` gives for
 * the whole image).
 *
 * @example
 * import type { TilePlan } from './plan.js';
 * declare const plan: TilePlan;
 * const part = await segmentStrip(gpujsForward(rt, model), img, plan, stripRows(plan, img.width, img.height, 1 << 20)[0]!);
 */
export const segmentStrip = async (forward: TileForward, img: Image, plan: TilePlan, rows: StripRows, onTile?: (p: TileProgress) => void): Promise<StripResult> => {
  const k = forward.model.config.classes;
  const height = rows.y1 - rows.y0;
  const probs = Array.from({ length: k }, () => new Float32Array(height * img.width));
  const total = (rows.to - rows.from) * tileOrigins(img.width, plan.stride).length;
  let tiles = 0;
  await predictStrips(
    forward,
    img,
    plan,
    IDENTITY,
    (s) => {
      for (let c = 0; c < k; c++) probs[c]!.set(s.probs[c]!, (s.y - rows.y0) * img.width);
    },
    () => {
      tiles++;
      onTile?.({ done: tiles, total });
    },
    rows,
  );
  return { y0: rows.y0, height, width: img.width, probs, tiles };
};

const argmax = (maps: readonly Float32Array[], i: number): number => {
  let best = 0;
  for (let c = 1; c < maps.length; c++) if (maps[c]![i]! > maps[best]![i]!) best = c;
  return best;
};

/**
 * The whole image's Segmentation from its strips (any order): every class map, the argmax
 * labels (ties → the lower class, as `segmentImage`). Throws an InferenceError when the strips
 * do not cover the image exactly once.
 *
 * @example
 * declare const parts: StripResult[];
 * assembleStrips(parts, 1000, 1000, 2, 252).labels.length; // 1_000_000
 */
export const assembleStrips = (parts: readonly StripResult[], width: number, height: number, classes: number, tile: number): Segmentation => {
  const sorted = [...parts].sort((a, b) => a.y0 - b.y0);
  let y = 0;
  for (const p of sorted) {
    if (p.y0 !== y || p.width !== width || p.probs.length !== classes) {
      throw new InferenceError(`assembleStrips: a strip at row ${p.y0} (${p.width} wide, ${p.probs.length} classes) does not continue at row ${y} of a ${width}×${height} image with ${classes} classes`);
    }
    y += p.height;
  }
  if (y !== height) throw new InferenceError(`assembleStrips: the strips cover rows 0…${y - 1}; expected 0…${height - 1}`);
  const probs = Array.from({ length: classes }, () => new Float32Array(width * height));
  for (const p of sorted) for (let c = 0; c < classes; c++) probs[c]!.set(p.probs[c]!, p.y0 * width);
  const labels = new Uint8Array(width * height);
  for (let q = 0; q < labels.length; q++) labels[q] = argmax(probs, q);
  return { width, height, classes, probs, foreground: probs[1], labels, tiles: parts.reduce((s, p) => s + p.tiles, 0), tile };
};

/** Magic and layout version of an encoded strip. */
const MAGIC = 0x53544e55; // 'UNTS' little-endian
const HEADER = 6; // int32: magic, y0, height, width, classes, tiles

/**
 * A strip as bytes: a header of 6 little-endian int32 (magic, y0, height, width, classes,
 * tiles), then the float32 probabilities class by class, row-major.
 *
 * @example
 * declare const part: StripResult;
 * decodeStrip(encodeStrip(part), 'strip-0.bin').probs[1]; // equal to part.probs[1]
 */
export const encodeStrip = (s: StripResult): Uint8Array => {
  const n = s.height * s.width;
  const out = new Uint8Array(4 * (HEADER + s.probs.length * n));
  const view = new DataView(out.buffer);
  [MAGIC, s.y0, s.height, s.width, s.probs.length, s.tiles].forEach((v, i) => view.setInt32(4 * i, v, true));
  s.probs.forEach((p, c) => {
    for (let i = 0; i < n; i++) view.setFloat32(4 * (HEADER + c * n + i), p[i]!, true);
  });
  return out;
};

/**
 * The strip `encodeStrip` wrote; an InferenceError naming `name` for bytes that are not one.
 *
 * @example
 * decodeStrip(Uint8Array.of(1, 2, 3), 'x.bin'); // throws "x.bin: not a strip of probabilities (3 bytes) …"
 */
export const decodeStrip = (bytes: Uint8Array, name: string): StripResult => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head = bytes.byteLength >= 4 * HEADER ? Array.from({ length: HEADER }, (_, i) => view.getInt32(4 * i, true)) : [];
  const [magic, y0, height, width, classes, tiles] = head;
  const n = (height ?? 0) * (width ?? 0);
  if (magic !== MAGIC || bytes.byteLength !== 4 * (HEADER + (classes ?? 0) * n) || n <= 0) {
    throw new InferenceError(`${name}: not a strip of probabilities (${bytes.byteLength} bytes); expected what encodeStrip writes`);
  }
  const probs = Array.from({ length: classes! }, (_, c) => Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * (HEADER + c * n + i), true)));
  return { y0: y0!, height: height!, width: width!, probs, tiles: tiles! };
};
