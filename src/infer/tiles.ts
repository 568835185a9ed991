/**
 * Overlap-tile inference (paper Sec. 2, Fig. 2: "This strategy allows the seamless
 * segmentation of arbitrarily large images by an overlap-tile strategy").
 *
 * The image is covered by output tiles whose origins sit on the 2^depth grid (plan.ts);
 * the input of the tile at (y, x) is [y − context, y + output + context)² read through
 * the data module's `mirrorIndex` (reflect-101: the edge pixel is NOT repeated,
 * … c b | a b c …), the same extrapolation training tiles use. No mirror-padded copy of
 * the image is made: each tile is gathered through the index tables.
 *
 * What runs the network on a tile is a `TileForward`: unet-ts's own GPU.js kernels on a
 * Runtime (`gpujsForward`, what `segmentImage` makes of a Runtime) or another engine, such as
 * onnxruntime (`onnxForward`, ../export/onnx-runtime.ts). The tiling, mirroring, softmax and
 * stitching around it are the same for every engine.
 *
 * Tiles run row by row; each finished row of tiles is handed on as a strip of softmax
 * probabilities (stride rows × image width), so what is held besides the image and the
 * result is one strip and one tile. `segmentImage` keeps only what the caller asks for:
 * the per-class probability maps, the foreground (class 1) map or none, plus the argmax.
 *
 * Test-time augmentation (`tta`) runs the whole tiling on each of the 8 dihedral
 * transforms of the image (read lazily through the same tables) and averages the
 * probabilities after undoing each transform (cf. the paper's 7 rotations, Sec. 4).
 *
 * @example
 * import { segmentImage } from './tiles.js';
 * const rt = await createRuntime({ backend: 'webasm' });
 * const { labels, foreground } = await segmentImage(rt, await loadCheckpoint('m.safetensors'), img, { tta: true });
 *
 * @example
 * // onnxruntime instead of GPU.js: one session for the model, reused for every tile of every image
 * import { onnxForward, segmentImage } from 'unet-ts';
 * const onnx = await onnxForward(model);
 * const seg = await segmentImage(onnx, model, img);
 * await onnx.dispose();
 */
import * as E from 'fp-ts/lib/Either.js';
import { inferenceCtx } from '../autodiff/tape.js';
import type { Image } from '../data/image.js';
import { describeNonFinite, firstNonFinite } from '../data/limits.js';
import { mirrorIndex } from '../data/mirror.js';
import type { Runtime } from '../runtime/runtime.js';
import type { UNetConfig } from '../unet/config.js';
import { predictLogits } from '../unet/model.js';
import type { Params } from '../unet/params.js';
import { DIHEDRAL, IDENTITY, frameSize, sourceTables, type Dihedral } from './dihedral.js';
import { autoTile, tileCount, tileOrigins, tilePlan, type TilePlan } from './plan.js';
import { InferenceError } from './inference-error.js';

/** A trained network: what `loadCheckpoint` returns. */
export interface Model {
  readonly config: UNetConfig;
  readonly params: Params;
}

/** Progress after each tile (over all transforms when `tta`). */
export interface TileProgress {
  readonly done: number;
  readonly total: number;
}

/** One row of tiles: `probs[k]` holds class k's probabilities of rows y … y+height−1. */
export interface Strip {
  readonly y: number;
  readonly height: number;
  readonly width: number;
  readonly probs: readonly Float32Array[];
}

/**
 * What runs the network on one input tile, for the tiling of `segmentImage`. An engine
 * implements it once per model (an onnxruntime session is created once and reused); the
 * tiling loop calls `forwardTile` for every tile and never asks which engine it is.
 */
export interface TileForward {
  /** The engine as messages name it: the GPU.js backend ('webasm', 'cpu', …) or 'onnxruntime'. */
  readonly engine: string;
  /** The model it runs: its config decides the tiling. */
  readonly model: Model;
  /** Logits [classes, o, o] of one input tile [inChannels, n, n] (n a valid size, o = n − 2·context). */
  readonly forwardTile: (input: Float32Array, n: number) => Promise<Float32Array>;
}

/**
 * The GPU.js engine (the default): unet-ts's own network on a Runtime, no tape.
 *
 * @example
 * const forward = gpujsForward(rt, model);
 * forward.engine; // rt.backend, e.g. 'webasm'
 */
export const gpujsForward = (rt: Runtime, model: Model): TileForward => ({
  engine: rt.backend,
  model,
  forwardTile: async (input, n) => (await predictLogits(inferenceCtx(rt), model.config, model.params, { shape: [1, model.config.inChannels, n, n], data: input })).data,
});

/** A Runtime (the GPU.js engine on it) or any other engine's `TileForward`. */
export type Engine = Runtime | TileForward;

/**
 * The tile forward of an engine: itself, or the GPU.js one on a Runtime. A TileForward made
 * for another model (other weights) is an InferenceError.
 */
export const tileForward = (engine: Engine, model: Model): TileForward => {
  if (!('forwardTile' in engine)) return gpujsForward(engine, model);
  if (engine.model.params !== model.params) throw new InferenceError(`segmentImage: the ${engine.engine} engine was made for another model; make it from the model being run`);
  return engine;
};

/**
 * The n × n input tile with top-left corner (y0, x0) of image `img` seen through transform
 * g, read through mirror extrapolation: a C × n × n array.
 *
 * @example
 * import { IDENTITY } from './dihedral.js';
 * readTile(img, IDENTITY, -92, -92, 572); // the first tile of the paper network
 */
export const readTile = (img: Image, g: Dihedral, y0: number, x0: number, n: number): Float32Array => {
  const f = frameSize(g, img.height, img.width);
  const { rows, cols } = sourceTables(g, img.height, img.width);
  const r = Int32Array.from({ length: n }, (_, i) => rows[mirrorIndex(f.height, y0 + i)]!);
  const c = Int32Array.from({ length: n }, (_, j) => cols[mirrorIndex(f.width, x0 + j)]!);
  const plane = img.width * img.height;
  const out = new Float32Array(img.channels * n * n);
  for (let ch = 0; ch < img.channels; ch++) {
    for (let i = 0; i < n; i++) {
      const src = ch * plane + r[i]!;
      const dst = (ch * n + i) * n;
      for (let j = 0; j < n; j++) out[dst + j] = img.data[src + c[j]!]!;
    }
  }
  return out;
};

/** Softmax over classes of logits [K, o, o], block rows/cols 0…h−1/0…w−1, into strip planes at column x. */
const softmaxInto = (logits: Float32Array, k: number, o: number, h: number, w: number, strip: readonly Float32Array[], width: number, x: number): void => {
  const z = new Float64Array(k);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, (z[c] = logits[(c * o + i) * o + j]!));
      let sum = 0;
      for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c]! - max);
      for (let c = 0; c < k; c++) strip[c]![i * width + x + j] = z[c]! / sum;
    }
  }
};

/**
 * Runs the plan over the image seen through transform g and calls `onStrip` for each row
 * of tiles, top to bottom (strip coordinates are those of the transformed image). `rows`
 * limits the run to the rows of tiles `from` … `to − 1` (0-based; ./strips.ts splits an image
 * into such jobs): each tile's output depends on its input only, so those rows come out as
 * they would in the whole run.
 *
 * @example
 * import { IDENTITY } from './dihedral.js';
 * import type { TilePlan } from './plan.js';
 * declare const plan: TilePlan;
 * await predictStrips(gpujsForward(rt, model), img, plan, IDENTITY, (s) => console.log(s.y, s.height));
 */
export const predictStrips = async (
  forward: TileForward,
  img: Image,
  plan: TilePlan,
  g: Dihedral,
  onStrip: (s: Strip) => void,
  onTile: () => void = () => {},
  rows?: { readonly from: number; readonly to: number },
): Promise<void> => {
  const k = forward.model.config.classes;
  const f = frameSize(g, img.height, img.width);
  const { tile: n, output: o, context, stride } = plan;
  for (const [r, y] of tileOrigins(f.height, stride).entries()) {
    if (rows !== undefined && (r < rows.from || r >= rows.to)) continue;
    const h = Math.min(stride, f.height - y);
    const probs = Array.from({ length: k }, () => new Float32Array(h * f.width));
    for (const x of tileOrigins(f.width, stride)) {
      const input = readTile(img, g, y - context, x - context, n);
      const logits = await forward.forwardTile(input, n);
      softmaxInto(logits, k, o, h, Math.min(stride, f.width - x), probs, f.width, x);
      onTile();
    }
    onStrip({ y, height: h, width: f.width, probs });
  }
};

/** How `segmentImage` picks its tile: 'auto' per image (plan.ts's `autoTile`), or a fixed valid size. */
export type TileChoice = 'auto' | number;

export interface SegmentOptions {
  /**
   * Input tile size: 'auto' (default) picks, per image, the tile of least work up to the
   * model's own `config.tile` — the smallest tile covering the image in one tile when it
   * fits (316 instead of 572 for a 128² image with the `small` preset), else the smallest
   * tile with the fewest tiles (plan.ts `autoTile`). A number forces that size (a valid one
   * for the network). The result does not depend on the tile (with valid padding), only
   * the time and memory do.
   *
   * @example
   * declare const rt: Runtime;
   * declare const model: Model; // the `small` preset: config.tile 572
   * declare const img: Image; // 128 × 128
   * const auto = await segmentImage(rt, model, img); // one 316 tile
   * const fixed = await segmentImage(rt, model, img, { tile: 572 }); // one 572 tile, same probabilities
   * auto.tile; // 316
   * fixed.tile; // 572
   */
  readonly tile?: TileChoice;
  /** Average over the 8 dihedral transforms. Default false. */
  readonly tta?: boolean;
  /** Probability maps to return: every class (default), class 1 only, or none. */
  readonly keep?: 'all' | 'foreground' | 'none';
  /** Called after every tile. */
  readonly onTile?: (p: TileProgress) => void;
}

export interface Segmentation {
  readonly width: number;
  readonly height: number;
  readonly classes: number;
  /** Per-class probability maps (row-major) when keep = 'all', else empty. */
  readonly probs: readonly Float32Array[];
  /** P(class 1) per pixel (probs[1] when keep = 'all'); undefined when keep = 'none'. */
  readonly foreground: Float32Array | undefined;
  /** The most probable class per pixel (ties → the lower class). */
  readonly labels: Uint8Array;
  /** Network runs made. */
  readonly tiles: number;
  /** The input tile size run (the one picked, with tile 'auto'). */
  readonly tile: number;
}

const argmaxAt = (maps: readonly Float32Array[], i: number): number => {
  let best = 0;
  for (let c = 1; c < maps.length; c++) if (maps[c]![i]! > maps[best]![i]!) best = c;
  return best;
};

/**
 * Checks an in-memory image at the boundary of `segmentImage`: a positive integer size,
 * data of exactly width × height × channels values, every one finite. An `Image` built by
 * hand (not by readImage / decodeImage, which check this) can break any of these, and one
 * NaN or ±Infinity pixel spreads through every convolution of its tiles: the softmax gives
 * NaN and the labels all-zero, a wrong answer instead of an error. One pass over the data.
 */
const checkImage = (img: Image): void => {
  const { width, height, channels, data } = img;
  const dims = [width, height, channels];
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw new InferenceError(`segmentImage: image size ${width}×${height}×${channels} (width × height × channels); expected positive integers`);
  }
  if (!(data instanceof Float32Array) || data.length !== width * height * channels) {
    const got = data instanceof Float32Array ? `${data.length} values` : `data that is not a Float32Array`;
    throw new InferenceError(`segmentImage: the image has ${got}; expected ${width * height * channels} (width ${width} × height ${height} × channels ${channels})`);
  }
  const bad = firstNonFinite(data, width, height);
  if (bad !== undefined) throw new InferenceError(`segmentImage: image ${describeNonFinite(bad)}; expected finite values`);
};

/**
 * The tiling plan `segmentImage` runs for a height × width image: the tile `choice` gives
 * ('auto': the least work up to the model's own tile, plan.ts `autoTile`). Throws an
 * InferenceError for a tile that is not valid.
 *
 * @example
 * imagePlan(model.config, 128, 128, 'auto').tile; // 316 for the `small` preset
 */
export const imagePlan = (cfg: UNetConfig, height: number, width: number, choice: TileChoice): TilePlan => {
  if (choice !== 'auto' && typeof choice !== 'number') throw new InferenceError(`segmentImage: tile ${String(choice)}; expected 'auto' or a tile size`);
  const plan = tilePlan(cfg, choice === 'auto' ? autoTile(cfg, height, width, cfg.tile) : choice);
  if (E.isLeft(plan)) throw new InferenceError(plan.left);
  return plan.right;
};

/**
 * Segments an image of any size by overlap-tile inference (see the module comment), with
 * the tile picked per image (`tile: 'auto'`, the default) or the one given. `engine` runs the
 * network: a Runtime (GPU.js, the default engine) or a `TileForward` made for `model` (e.g.
 * `onnxForward(model)`). Throws an InferenceError for an image that is not well formed (size, data length, a
 * NaN or ±Infinity pixel: named with its coordinate), an invalid tile size (naming the
 * nearest valid ones) or an image whose channel count differs from the model's.
 *
 * @example
 * const seg = await segmentImage(rt, model, img, { onTile: (p) => console.log(p.done, p.total) });
 * seg.labels; // Uint8Array, img.width × img.height
 * seg.tile; // the tile 'auto' picked for this image's size
 */
export const segmentImage = async (engine: Engine, model: Model, img: Image, opts: SegmentOptions = {}): Promise<Segmentation> => {
  const forward = tileForward(engine, model);
  checkImage(img);
  const cfg = model.config;
  if (img.channels !== cfg.inChannels) {
    throw new InferenceError(`segmentImage: the image has ${img.channels} channel(s), the model expects ${cfg.inChannels} (inChannels)`);
  }
  const plan = imagePlan(cfg, img.height, img.width, opts.tile ?? 'auto');
  const { width, height } = img;
  const k = cfg.classes;
  const keep = opts.keep ?? 'all';
  const transforms = opts.tta ? DIHEDRAL : [IDENTITY];
  const total = transforms.reduce((s, g) => s + tileCount(plan, frameSize(g, height, width).height, frameSize(g, height, width).width), 0);
  // classes whose maps are accumulated: all of them when kept or when the argmax needs them
  const tracked = keep === 'all' || (opts.tta && k > 2) ? [...Array(k).keys()] : keep === 'foreground' || opts.tta ? [1] : [];
  const maps = tracked.map(() => new Float32Array(width * height));
  const labels = new Uint8Array(width * height);
  let done = 0;
  for (const g of transforms) {
    const { rows, cols } = sourceTables(g, height, width);
    const onStrip = (s: Strip): void => {
      for (let i = 0; i < s.height; i++) {
        const base = rows[s.y + i]!;
        for (let x = 0; x < s.width; x++) {
          const p = i * s.width + x;
          const q = base + cols[x]!;
          for (let m = 0; m < tracked.length; m++) maps[m]![q]! += s.probs[tracked[m]!]![p]!;
          if (!opts.tta) labels[q] = argmaxAt(s.probs, p);
        }
      }
    };
    await predictStrips(forward, img, plan, g, onStrip, () => {
      done++;
      opts.onTile?.({ done, total });
    });
  }
  if (opts.tta) {
    const t = transforms.length;
    for (let q = 0; q < labels.length; q++) {
      // k = 2 with only class 1 tracked: class 1 wins when its mean exceeds ½ (= mean of class 0)
      labels[q] = tracked.length === k ? argmaxAt(maps, q) : 2 * maps[0]![q]! > t ? 1 : 0;
    }
    for (const m of maps) for (let q = 0; q < m.length; q++) m[q]! /= t;
  }
  const probs = keep === 'all' ? maps : [];
  const foreground = keep === 'none' ? undefined : maps[tracked.indexOf(1)];
  return { width, height, classes: k, probs, foreground, labels, tiles: done, tile: plan.tile };
};
