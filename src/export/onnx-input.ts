/**
 * What input an exported graph takes, and what a refused input means. The graph's height and
 * width are dynamic, but only the U-Net's valid sizes (../unet/geometry.ts) run: anything else
 * makes onnxruntime fail inside the graph (a `Concat` of maps one pixel apart, or a `Conv` on a
 * map smaller than its kernel; see ./onnx-graph.ts). `onnxInputError` turns that failure into
 * a message naming the nearest valid sizes, keeping onnxruntime's own error as its `cause`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { geometry, minimumInput, validAbove, validBelow, type GeometryConfig } from '../unet/geometry.js';

/** Valid input sizes per axis, `min + step·k` (k ≥ 0), and the context lost on each side. */
export interface InputSizes {
  /** The smallest valid size (188 for the paper's depth 4 with valid convs). */
  readonly min: number;
  /** 2^depth: the distance between valid sizes. */
  readonly step: number;
  /** Pixels on each side of an input tile that produce no output: (input − output) / 2. */
  readonly halo: number;
}

/**
 * The valid input sizes of a network and its halo, from its geometry.
 *
 * @example
 * import { inputSizes } from 'unet-ts';
 * inputSizes({ depth: 4, padding: 'valid' }); // { min: 188, step: 16, halo: 92 }
 */
export const inputSizes = (cfg: GeometryConfig): InputSizes => {
  const min = minimumInput(cfg);
  const g = geometry(cfg)(min);
  if (E.isLeft(g)) throw new Error(`inputSizes: ${g.left.message}`); // min is valid by construction
  return { min, step: 2 ** cfg.depth, halo: g.right.halo };
};

/** An input the exported graph cannot run: which size is wrong and the nearest valid ones. */
export class OnnxInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OnnxInputError';
  }
}

const nearest = (cfg: GeometryConfig, n: number): string => {
  const below = validBelow(cfg, n);
  const above = validAbove(cfg, n);
  return below === undefined ? `${above} (the smallest valid size)` : `${below} or ${above}`;
};

/**
 * The error to show for a failed run of an exported graph on an input of height `h` and
 * width `w`: an `OnnxInputError` naming the invalid axis and its nearest valid sizes when the
 * size is at fault, else `cause` itself (the failure has another reason).
 *
 * @example
 * import { onnxInputError } from 'unet-ts';
 * declare const ortError: Error; // what onnxruntime threw for a 200 × 200 input
 * onnxInputError({ depth: 4, padding: 'valid' }, 200, 200, ortError).message;
 * // "input height 200 and width 200 are not valid sizes for this U-Net (depth 4, valid padding; valid: 188 + 16k): nearest valid sizes 188 or 204 …"
 */
export const onnxInputError = (cfg: GeometryConfig, h: number, w: number, cause: unknown): Error => {
  const bad = (n: number): boolean => E.isLeft(geometry(cfg)(n));
  const { min, step } = inputSizes(cfg);
  const axes = [bad(h) ? `height ${h}` : undefined, bad(w) ? `width ${w}` : undefined].filter((a) => a !== undefined);
  if (axes.length === 0) return cause instanceof Error ? cause : new Error(String(cause));
  const sizes = h === w || !bad(w) ? nearest(cfg, h) : !bad(h) ? nearest(cfg, w) : `${nearest(cfg, h)} (height), ${nearest(cfg, w)} (width)`;
  const said = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new OnnxInputError(
    `input ${axes.join(' and ')} ${axes.length > 1 ? 'are not valid sizes' : 'is not a valid size'} for this U-Net (depth ${cfg.depth}, ${cfg.padding ?? 'valid'} padding; valid: ${min} + ${step}k): nearest valid sizes ${sizes}. onnxruntime said: ${said}`,
    { cause },
  );
};
