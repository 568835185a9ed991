/**
 * U-Net geometry (paper Sec. 2, Fig. 1 and Fig. 2), pure arithmetic on tile sizes.
 *
 * With valid 3×3 convolutions each level loses 4 pixels per axis going down and again
 * coming up, and every 2×2 max-pool needs an even size. For depth d the valid input
 * sizes are n = n_min + 2^d·k, the output is n − 2·halo, and tile origins on the
 * 2^d grid make overlap-tile inference exact (Fig. 2).
 * Depth 4 (the paper): valid n = 188 + 16k, output n − 184, halo 92; at n = 572 the
 * skip connections are cropped by 4/16/40/88 pixels per side (levels 3/2/1/0).
 *
 * @example
 * import { geometry } from 'unet-ts';
 * geometry({ depth: 4 })(572); // Right({ input: 572, output: 388, halo: 92, ... })
 */
import * as E from 'fp-ts/lib/Either.js';
import { shapeError, type ShapeError } from '../tensor/shape-error.js';

export type Padding = 'valid' | 'same';

export interface GeometryConfig {
  /** Number of 2×2 poolings (paper: 4). */
  readonly depth: number;
  /** 'valid' (paper) or 'same' (zero-padded 3×3 convs, output = input). */
  readonly padding?: Padding;
}

export interface Level {
  /** Size entering the level's first conv on the contracting path. */
  readonly down: number;
  /** Size after the level's two convs (the skip connection's map, before cropping). */
  readonly skip: number;
  /** Size of the up-convolved map that the skip is concatenated with. */
  readonly up: number;
  /** Pixels cropped from each side of the skip map: (skip − up) / 2. */
  readonly crop: number;
}

export interface Geometry {
  readonly input: number;
  readonly output: number;
  /** (input − output) / 2: context pixels on each side that produce no output. */
  readonly halo: number;
  /** Levels 0 (full resolution) … depth−1. */
  readonly levels: readonly Level[];
  /** Size at the bottom, after its two convs. */
  readonly bottom: number;
}

/** Pixels one pair of 3×3 convs removes: 4 when valid, 0 when same. */
const loss = (p: Padding): number => (p === 'valid' ? 4 : 0);

/** Geometry when n is valid, else undefined (no message: see `geometry`). */
const trace = (depth: number, padding: Padding, n: number): Geometry | undefined => {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(depth) || depth < 0) return undefined;
  const l = loss(padding);
  const skips: number[] = [];
  const downs: number[] = [];
  let size = n;
  for (let i = 0; i < depth; i++) {
    downs.push(size);
    size -= l;
    if (size < 2 || size % 2 !== 0) return undefined;
    skips.push(size);
    size /= 2;
  }
  size -= l;
  if (size < 1) return undefined;
  const bottom = size;
  const levels: Level[] = new Array(depth);
  for (let i = depth - 1; i >= 0; i--) {
    const up = size * 2;
    const skip = skips[i]!;
    levels[i] = { down: downs[i]!, skip, up, crop: (skip - up) / 2 };
    size = up - l;
    if (size < 1) return undefined;
  }
  return { input: n, output: size, halo: (n - size) / 2, levels, bottom };
};

/** The largest valid size ≤ n, if any. */
export const validBelow = (cfg: GeometryConfig, n: number): number | undefined => {
  const step = 2 ** cfg.depth;
  for (let m = Math.floor(n); m >= 1 && m > n - 2 * step - 8; m--) {
    if (trace(cfg.depth, cfg.padding ?? 'valid', m)) return m;
  }
  return undefined;
};

/** Why no size is valid for `cfg` (a bad depth), else undefined. */
const badDepth = (cfg: GeometryConfig): string | undefined =>
  Number.isInteger(cfg.depth) && cfg.depth >= 0 ? undefined : `depth ${cfg.depth} is not a non-negative integer`;

/** The smallest valid size ≥ n. Throws a RangeError for a non-finite n or a bad depth (no such size). */
export const validAbove = (cfg: GeometryConfig, n: number): number => {
  const p = cfg.padding ?? 'valid';
  const bad = badDepth(cfg) ?? (Number.isFinite(n) || n === -Infinity ? undefined : `size ${n} is not finite`);
  if (bad) throw new RangeError(`validAbove: ${bad}`);
  for (let m = Math.max(1, Math.ceil(n)); ; m++) if (trace(cfg.depth, p, m)) return m;
};

/** The smallest valid input size (the paper network: 188). */
export const minimumInput = (cfg: GeometryConfig): number => validAbove(cfg, 1);

/**
 * The full geometry of a depth-`depth` U-Net at input size n, or a ShapeError that names
 * the nearest valid sizes below and above.
 */
export const geometry =
  (cfg: GeometryConfig) =>
  (n: number): E.Either<ShapeError, Geometry> => {
    const g = trace(cfg.depth, cfg.padding ?? 'valid', n);
    if (g) return E.right(g);
    const bad = badDepth(cfg) ?? (Number.isFinite(n) ? undefined : `tile size ${n} is not a finite number`);
    if (bad) return E.left(shapeError('unet', bad));
    const below = validBelow(cfg, n);
    const above = validAbove(cfg, n);
    const near = below === undefined ? `${above} (the smallest valid size)` : `${below} or ${above}`;
    return E.left(
      shapeError('unet', `tile size ${n} is not valid for depth ${cfg.depth} (${cfg.padding ?? 'valid'} padding): every 2×2 pooling needs an even size and the output must be positive; nearest valid sizes: ${near}`),
    );
  };

/** Output size for a valid input, the inverse of `inputFor`. */
export const outputFor = (cfg: GeometryConfig) => (n: number): E.Either<ShapeError, number> =>
  E.map((g: Geometry) => g.output)(geometry(cfg)(n));

/** The smallest valid input whose output is at least `out` pixels. */
export const inputFor = (cfg: GeometryConfig) => (out: number): number => {
  const halo = E.getOrElse((): Geometry => ({ input: 0, output: 0, halo: 0, levels: [], bottom: 0 }))(
    geometry(cfg)(minimumInput(cfg)),
  ).halo;
  return validAbove(cfg, out + 2 * halo);
};
