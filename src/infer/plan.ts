/**
 * The overlap-tile plan (paper Sec. 2, Fig. 2): which input tiles to run so that their
 * outputs cover an image of any size.
 *
 * With valid convolutions an input tile of size n gives an output of o = n − 2·halo
 * pixels; the halo on each side is context read from the image, or, beyond the border,
 * extrapolated by mirroring ("the missing context is extrapolated by mirroring the input
 * image", Fig. 2). The output tiles sit on a grid with stride s, and their origins must be
 * multiples of 2^depth: only then do the 2×2 max-pools of every tile see the same pixel
 * pairs as a single run over the whole (mirror-padded) image, which makes tiled inference
 * exactly equal to whole-image inference. s is o rounded down to a multiple of 2^depth
 * (o ≡ 4 mod 2^depth for depth ≥ 3, e.g. the paper's 388 → s = 384); each tile keeps the
 * first s × s pixels of its output, and the last tile of a row or column is clipped at
 * the image border.
 *
 * 'same' padding has no halo (output = input) and is not translation-equivariant near a
 * tile border (zero padding), so tiling is then approximate: the plan keeps a context
 * margin of the valid network's halo (at most what leaves one grid cell of output).
 *
 * Which tile to run (`autoTile`): any valid tile gives the same result (exactly, for valid
 * padding), so the choice is only about speed and memory. Every tile spends 2·context rows
 * and columns on context, so a tile much larger than the image (the paper's 572 on a 128²
 * image: 572² px computed for 128² px kept) wastes most of its work; and for images larger
 * than one tile, fewer, larger tiles repeat less context.
 *
 * @example
 * import { tilePlan, tileOrigins } from './plan.js';
 * tilePlan({ depth: 4, padding: 'valid' }, 572); // Right({ tile: 572, output: 388, context: 92, stride: 384, grid: 16 })
 * tileOrigins(1000, 384); // [0, 384, 768]
 */
import * as E from 'fp-ts/lib/Either.js';
import { geometry, minimumInput, validAbove, type GeometryConfig } from '../unet/geometry.js';

export interface TilePlan {
  /** Input tile size n (a valid size). */
  readonly tile: number;
  /** Output pixels the network gives for one tile, n − 2·context. */
  readonly output: number;
  /** Context pixels on each side of the output (the halo for valid padding). */
  readonly context: number;
  /** Distance between output tile origins: output rounded down to a multiple of `grid`. */
  readonly stride: number;
  /** 2^depth: tile origins on this grid make tiling exact. */
  readonly grid: number;
}

/** The plan for a tile size that geometry accepts, or undefined when no output stride fits. */
const planOf = (cfg: GeometryConfig, n: number): TilePlan | undefined => {
  const g = geometry(cfg)(n);
  if (E.isLeft(g)) return undefined;
  const grid = 2 ** cfg.depth;
  let context = g.right.halo;
  if ((cfg.padding ?? 'valid') === 'same') {
    const valid = geometry({ depth: cfg.depth, padding: 'valid' })(minimumInput({ depth: cfg.depth, padding: 'valid' }));
    const halo = E.isRight(valid) ? valid.right.halo : 0;
    context = Math.max(0, Math.min(halo, Math.floor((n - grid) / 2)));
  }
  const output = n - 2 * context;
  const stride = Math.floor(output / grid) * grid;
  return stride >= grid ? { tile: n, output, context, stride, grid } : undefined;
};

/**
 * The overlap-tile plan for input tiles of size `tile`, or a message naming the nearest
 * valid sizes (when the size is not valid for the network) or the smallest size whose
 * output spans one 2^depth grid cell (when the output is too small to tile exactly).
 *
 * @example
 * tilePlan({ depth: 3 }, 252); // Right({ tile: 252, output: 164, context: 44, stride: 160, grid: 8 })
 * tilePlan({ depth: 3 }, 250); // Left('unet: tile size 250 is not valid … nearest valid sizes: 244 or 252')
 */
export const tilePlan = (cfg: GeometryConfig, tile: number): E.Either<string, TilePlan> => {
  const g = geometry(cfg)(tile);
  if (E.isLeft(g)) return E.left(g.left.message);
  const plan = planOf(cfg, tile);
  if (plan) return E.right(plan);
  let m = tile;
  while (!planOf(cfg, m)) m = validAbove(cfg, m + 1);
  return E.left(
    `tile size ${tile} gives an output of ${g.right.output} px, less than one ${2 ** cfg.depth}-px grid cell of depth ${cfg.depth} that exact overlap-tile inference needs; the smallest tile that works is ${m}`,
  );
};

/**
 * Output tile origins along an axis of `size` pixels: 0, s, 2s, … below `size` (one
 * origin, 0, when the image is smaller than one tile).
 *
 * @example
 * tileOrigins(10, 4); // [0, 4, 8]
 */
export const tileOrigins = (size: number, stride: number): readonly number[] =>
  Array.from({ length: Math.max(1, Math.ceil(size / stride)) }, (_, i) => i * stride);

/**
 * Number of tiles the plan runs for a height × width image.
 *
 * @example
 * declare const plan: TilePlan;
 * tileCount(plan, 2000, 3000); // 13 × 19 = 247 for the tiny preset's tile 252
 */
export const tileCount = (plan: TilePlan, height: number, width: number): number =>
  tileOrigins(height, plan.stride).length * tileOrigins(width, plan.stride).length;

/**
 * Network work of running `plan` over a height × width image, in input pixels: tiles run ×
 * tile². The cost of a U-Net forward is proportional to its input area (every layer's size
 * is the input's minus a constant), so this orders tile choices by work.
 */
export const tilingCost = (plan: TilePlan, height: number, width: number): number => tileCount(plan, height, width) * plan.tile * plan.tile;

/**
 * The tile 'auto' picks for a height × width image (`segmentImage`'s default): among the
 * valid tiles up to `cap` (the model's own tile: the memory bound its user chose), the one of
 * least `tilingCost`, the smaller tile on a tie. For a square (or near-square) image that
 * fits in the stride of the cap, that is the smallest tile covering the image in one tile
 * (one tile of s + 2·context costs less than k² tiles of s/k + 2·context); a long thin
 * image may get a row of smaller tiles. A larger image keeps tiles of at most `cap` and gets
 * the smallest tile with the fewest tiles (a 400² image with the `small` preset's cap 572:
 * 2 × 2 tiles of 396 instead of 2 × 2 of 572). Larger tiles than `cap` would be less work
 * still, but memory grows with tile² (see README "Speed"). With `cap` below the smallest
 * tile that works, that smallest tile. With 'same' padding only tiles with at least the cap's
 * context margin qualify (less context would change the approximate result).
 *
 * @example
 * autoTile({ depth: 4 }, 128, 128, 572); // 316: output 132, stride 128, one tile
 * autoTile({ depth: 4 }, 400, 400, 572); // 396: stride 208, 2 × 2 tiles
 * autoTile({ depth: 4 }, 2000, 2000, 572); // 524: 6 × 6 tiles, as many as 572 needs
 */
export const autoTile = (cfg: GeometryConfig, height: number, width: number, cap: number): number => {
  // 'same' padding: a smaller tile would also keep less context (approximate tiling), so only
  // tiles with at least the cap's context margin qualify; valid padding has one context for all
  const context = planOf(cfg, cap)?.context ?? 0;
  let best: TilePlan | undefined;
  let bestCost = Infinity;
  for (let n = minimumInput(cfg); ; n = validAbove(cfg, n + 1)) {
    const plan = planOf(cfg, n);
    if (plan && plan.context >= context) {
      if (n > cap && best) break;
      const cost = tilingCost(plan, height, width);
      if (cost < bestCost) [best, bestCost] = [plan, cost];
      // a tile that covers the image in one tile is the last worth trying: larger ones only add context
      if (plan.stride >= height && plan.stride >= width) break;
    }
  }
  return best!.tile;
};
