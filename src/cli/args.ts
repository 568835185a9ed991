/**
 * Flag parsing and checking for the CLI on node:util's parseArgs (strict: an unknown flag is
 * an error). Bad usage — an unknown flag, a missing one, a value of the wrong type or out of
 * range, an unknown backend, an invalid tile — is a `UsageError`: one line on stderr naming
 * the flag, the value and what was expected, and exit code 2 (README, "Command line").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_MAX_PIXELS } from '../data/limits.js';
import { tilePlan } from '../infer/plan.js';
import { checkedPlan } from '../infer/files.js';
import type { TileChoice } from '../infer/tiles.js';
import type { UNetConfig } from '../unet/config.js';
import { BACKENDS, isBackendName } from '../runtime/backend.js';
import { geometry, validAbove, type GeometryConfig } from '../unet/geometry.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** A token that is a negative number (-1, -0.5, -.5, -1e3), not a flag. */
const NEGATIVE = /^-(\d|\.\d)/;

/**
 * `argv` with `--flag -1` joined into `--flag=-1` for every flag that takes a value:
 * parseArgs refuses a value that starts with '-' ("argument is ambiguous"), which would hide
 * the range check's message (e.g. "--steps -1: expected at least 1") behind a confusing one.
 *
 * @example
 * joinNegativeValues(['--steps', '-1', '-v'], { steps: { type: 'string' } }); // ['--steps=-1', '-v']
 */
export const joinNegativeValues = (argv: readonly string[], options: Options): string[] => {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [...out, ...argv.slice(i)]; // positionals from here on
    const next = argv[i + 1];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
};

/** Parses `argv` for `command` against its option table; throws UsageError on bad flags. */
export const parse = (command: string, argv: readonly string[], options: Options, positionals = false): Parsed => {
  try {
    const r = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: positionals, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.split('\n')[0]} (see 'unet-ts ${command} --help')`);
  }
};

/** A flag's value as an integer, or a UsageError naming flag and value. */
export const intFlag = (command: string, name: string, v: string | boolean | undefined, fallback?: number): number | undefined => {
  if (v === undefined || typeof v === 'boolean') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`${command}: --${name} ${v} is not an integer`);
  return n;
};

/** A flag's value as a finite number, or a UsageError. */
export const numFlag = (command: string, name: string, v: string | boolean | undefined, fallback?: number): number | undefined => {
  if (v === undefined || typeof v === 'boolean') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${command}: --${name} ${v} is not a number`);
  return n;
};

/** A required string flag, or a UsageError. */
export const required = (command: string, name: string, v: string | boolean | undefined): string => {
  if (typeof v !== 'string' || v === '') throw new UsageError(`${command}: --${name} is required`);
  return v;
};

export const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** Bounds of a numeric flag; each is inclusive unless named `above`/`below` (exclusive). */
export interface Range {
  readonly min?: number;
  readonly max?: number;
  readonly above?: number;
  readonly below?: number;
}

const describeRange = (r: Range): string => {
  const lo = r.min !== undefined ? `≥ ${r.min}` : r.above !== undefined ? `> ${r.above}` : undefined;
  const hi = r.max !== undefined ? `≤ ${r.max}` : r.below !== undefined ? `< ${r.below}` : undefined;
  return [lo, hi].filter((x) => x !== undefined).join(' and ');
};

/** `n` if it lies in `r`, else a UsageError naming the flag, the value as given (`shown`) and the range. */
export const inRange = (command: string, name: string, n: number, r: Range, shown = String(n)): number => {
  const ok =
    (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max) && (r.above === undefined || n > r.above) && (r.below === undefined || n < r.below);
  if (!ok) throw new UsageError(`${command}: --${name} ${shown}: expected a number ${describeRange(r)}`);
  return n;
};

/**
 * An integer flag in a range: the fallback when absent, else a UsageError for a non-integer
 * or an out-of-range value.
 *
 * @example
 * intIn('preview', 'n', '0', { min: 1 }, 4); // throws "preview: --n 0: expected a number ≥ 1"
 */
export function intIn(command: string, name: string, v: string | boolean | undefined, r: Range, fallback: number): number;
export function intIn(command: string, name: string, v: string | boolean | undefined, r: Range): number | undefined;
export function intIn(command: string, name: string, v: string | boolean | undefined, r: Range, fallback?: number): number | undefined {
  const n = intFlag(command, name, v);
  return n === undefined ? fallback : inRange(command, name, n, r, String(v));
}

/** A number flag in a range (see `intIn`). */
export function numIn(command: string, name: string, v: string | boolean | undefined, r: Range, fallback: number): number;
export function numIn(command: string, name: string, v: string | boolean | undefined, r: Range): number | undefined;
export function numIn(command: string, name: string, v: string | boolean | undefined, r: Range, fallback?: number): number | undefined {
  const n = numFlag(command, name, v);
  return n === undefined ? fallback : inRange(command, name, n, r, String(v));
}

/** Seeds are 32-bit unsigned integers (what the generator in src/tensor/random.ts mixes). */
export const SEED_RANGE: Range = { min: 0, max: 2 ** 32 - 1 };

/**
 * The --backend flag (or, without it, UNET_BACKEND): undefined for auto, else a known name.
 * An unknown name is bad usage (exit 2), found before any model or image is read; a known
 * backend that cannot start on this machine stays a runtime failure (exit 1).
 */
export const backendFlag = (command: string, v: string | boolean | undefined): string | undefined => {
  const flag = str(v);
  const [source, name] = flag !== undefined ? ['--backend', flag] : ['UNET_BACKEND', process.env['UNET_BACKEND']];
  if (name === undefined || name === '' || name === 'auto') return flag === undefined ? undefined : 'auto';
  if (!isBackendName(name)) throw new UsageError(`${command}: ${source} ${name}: unknown backend; expected one of ${BACKENDS.join(', ')} or auto`);
  return flag === undefined ? undefined : name; // UNET_BACKEND: the runtime reads it itself
};

/**
 * --out DIR: created if missing. An existing file there, or a file in the way of a parent
 * folder, is bad usage with a clear message (mkdir's would be a raw "EEXIST: file already
 * exists, mkdir …" or "ENOTDIR").
 */
export const outDirFlag = (command: string, dir: string, flag = 'out'): string => {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`${command}: --${flag} ${dir} is an existing file; expected a folder (existing or to be created)`);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way of one of its parent folders' : (e as Error).message.split('\n')[0];
    throw new UsageError(`${command}: --${flag} ${dir}: cannot create the folder: ${why}`);
  }
  return dir;
};

/**
 * --out FILE (or --json FILE): a path to write, so not an existing folder, and its folder must
 * exist as a folder (a missing one is created by the atomic writer; a file in its place is not).
 */
export const outFileFlag = (command: string, file: string, flag = 'out'): string => {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new UsageError(`${command}: --${flag} ${file} is a folder; expected a file name to write`);
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(dir)) {
      if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${command}: --${flag} ${file}: ${dir} is a file, not a folder`);
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return file;
};

/** The largest tile any command accepts: far above any image that fits in memory on one tile. */
export const TILE_MAX = 65536;

/** An image a tile must cover: its file (named in messages) and size. */
export interface ImageSize {
  readonly file: string;
  readonly width: number;
  readonly height: number;
}

/** How a command uses its tile: overlap-tile inference (keeps the plan's stride) or a training crop (keeps the output). */
export type TileUse = 'inference' | 'training';

/** The output pixels one tile contributes, or undefined when the size is not usable. */
const coverOf = (cfg: GeometryConfig, use: TileUse, tile: number): number | undefined => {
  if (use === 'inference') {
    const p = tilePlan(cfg, tile);
    return E.isRight(p) ? p.right.stride : undefined;
  }
  const g = geometry(cfg)(tile);
  return E.isRight(g) ? g.right.output : undefined;
};

/**
 * The smallest valid tile whose kept output covers `size` pixels in one tile, and the next
 * valid size above it.
 *
 * @example
 * coveringTiles({ depth: 3 }, 'inference', 40); // { cover: 132, next: 140 }
 */
export const coveringTiles = (cfg: GeometryConfig, use: TileUse, size: number): { readonly cover: number; readonly next: number } => {
  let t = validAbove(cfg, 1);
  while ((coverOf(cfg, use, t) ?? -1) < size) t = validAbove(cfg, t + 1);
  return { cover: t, next: validAbove(cfg, t + 1) };
};

/**
 * --tile N, checked: an integer in 1…TILE_MAX, valid for the network (else the nearest valid
 * sizes), usable for `use` and — when `images` is given — not absurdly larger than the largest
 * of them: at most one valid step above the smallest tile that covers that image in one tile,
 * or the model's own tile (`fallback`) if that is larger. A bigger tile only adds mirrored
 * context at a quadratic memory cost (tile 10004 on a 40×30 image: 3.4 GB). `images` is a
 * function so that the files are read only when --tile is given. Absent: `fallback` unchecked.
 */
export const tileFlag = (
  command: string,
  v: string | boolean | undefined,
  cfg: GeometryConfig,
  opts: { readonly fallback: number; readonly use: TileUse; readonly images?: () => readonly ImageSize[] },
): number => {
  const tile = intIn(command, 'tile', v, { min: 1, max: TILE_MAX });
  if (tile === undefined) return opts.fallback;
  if (opts.use === 'inference') {
    const p = tilePlan(cfg, tile);
    if (E.isLeft(p)) throw new UsageError(`${command}: --tile ${tile}: ${p.left}`);
  } else {
    const g = geometry(cfg)(tile);
    if (E.isLeft(g)) throw new UsageError(`${command}: --tile ${tile}: ${g.left.message}`);
  }
  const images = opts.images?.() ?? [];
  if (images.length === 0) return tile;
  const largest = images.reduce((a, b) => (Math.max(b.width, b.height) > Math.max(a.width, a.height) ? b : a));
  const { cover, next } = coveringTiles(cfg, opts.use, Math.max(largest.width, largest.height));
  const limit = Math.max(next, opts.fallback);
  if (tile > limit) {
    throw new UsageError(
      `${command}: --tile ${tile} is far larger than the largest image (${largest.file}, ${largest.width}×${largest.height}): tile ${cover} already covers it in one tile; expected at most ${limit}`,
    );
  }
  return tile;
};

/** The flags every command that reads image files takes (`readImageFile`'s page and pixel limit). */
export const IMAGE_FILE_OPTIONS: Options = { page: { type: 'string' }, 'max-pixels': { type: 'string' } };

/** Usage lines for IMAGE_FILE_OPTIONS. */
export const IMAGE_FILE_USAGE = `  --page N          the page of multi-page TIFF files (0-based; a multi-page TIFF without it is an error)
  --max-pixels N    the largest width × height an image file may have (default ${DEFAULT_MAX_PIXELS} = 2^28),
                    checked on the header before decoding`;

/** `--page` and `--max-pixels` as `readImageFile` options, range-checked (usage errors name flag and value). */
export const imageFileFlags = (command: string, values: Parsed['values']): { readonly page?: number; readonly maxPixels?: number } => {
  const page = intIn(command, 'page', values['page'], { min: 0, max: 65535 });
  const maxPixels = intIn(command, 'max-pixels', values['max-pixels'], { min: 1, max: Number.MAX_SAFE_INTEGER });
  return { ...(page !== undefined ? { page } : {}), ...(maxPixels !== undefined ? { maxPixels } : {}) };
};

/**
 * `--tile` of an inference command (`segment`, `evaluate`): 'auto' (the least-work tile per
 * image, up to the model's own) when absent, else the given size, checked by `tileFlag` against
 * the model and the largest image and by the overlap-tile plan.
 */
export const inferenceTileFlag = (command: string, v: string | boolean | undefined, config: UNetConfig, images: () => readonly ImageSize[]): TileChoice =>
  v === undefined ? 'auto' : checkedPlan(config, tileFlag(command, v, config, { fallback: config.tile, use: 'inference', images })).tile;
