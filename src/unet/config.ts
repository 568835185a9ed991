/**
 * The model configuration: an io-ts codec (decoded from a JSON file, a checkpoint's metadata,
 * or a preset) so that every field is checked with a message naming it.
 *
 * Presets: `paper` — the network of Fig. 1 (depth 4, 64 base channels, 31,030,658 parameters
 * for 1 input channel and 2 classes); `small` — base 16; `tiny` — base 8, depth 3 (CPU demo).
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { geometry } from './geometry.js';

const intIn = (name: string, lo: number, hi: number) =>
  t.refinement(t.number, (n) => Number.isInteger(n) && n >= lo && n <= hi, `${name} (an integer in [${lo}, ${hi}])`);

export const UNetConfigCodec = t.type({
  /** Image channels (1 for grey EM / fluorescence). */
  inChannels: intIn('inChannels', 1, 64),
  /** Output classes (2 for foreground/background). */
  classes: intIn('classes', 2, 256),
  /** Number of 2×2 poolings (paper: 4). */
  depth: intIn('depth', 1, 6),
  /** Feature channels at full resolution, doubled at each level (paper: 64). */
  base: intIn('base', 1, 1024),
  /** Dropout rate at the end of the contracting path (paper Sec. 3.1: 0.5). */
  dropout: t.refinement(t.number, (r) => r >= 0 && r < 1, 'dropout (a rate in [0, 1))'),
  /** 'valid' (paper) or 'same' convolutions. */
  padding: t.union([t.literal('valid'), t.literal('same')]),
  /** Default training/inference tile size (a valid input size). */
  tile: intIn('tile', 1, 100000),
});

export type UNetConfig = t.TypeOf<typeof UNetConfigCodec>;

export const PRESETS = {
  paper: { inChannels: 1, classes: 2, depth: 4, base: 64, dropout: 0.5, padding: 'valid', tile: 572 },
  small: { inChannels: 1, classes: 2, depth: 4, base: 16, dropout: 0.5, padding: 'valid', tile: 572 },
  tiny: { inChannels: 1, classes: 2, depth: 3, base: 8, dropout: 0.5, padding: 'valid', tile: 252 },
} as const satisfies Record<string, UNetConfig>;

export type PresetName = keyof typeof PRESETS;
export const isPresetName = (s: string): s is PresetName => s in PRESETS;

/**
 * One clause per bad field: "dropout: got 1, expected dropout (a rate in [0, 1))". (io-ts's
 * PathReporter would print the whole record type, naming every field, in each message.)
 */
const describeErrors = (errs: t.Errors): string => {
  const clauses = new Set<string>();
  for (const e of errs) {
    const field = e.context[1];
    const got = e.value === undefined ? 'nothing (missing)' : JSON.stringify(e.value);
    clauses.add(
      field === undefined
        ? `got ${got}, expected an object with fields ${Object.keys(UNetConfigCodec.props).join(', ')}`
        : `${field.key}: got ${got}, expected ${field.type.name}`,
    );
  }
  return [...clauses].join('; ');
};

/** Decodes and validates a configuration (from JSON), including that `tile` is a valid size. */
export const decodeConfig = (u: unknown, source = 'config'): E.Either<string, UNetConfig> =>
  pipe(
    UNetConfigCodec.decode(u),
    E.mapLeft((errs) => `${source}: invalid model configuration: ${describeErrors(errs)}`),
    E.chain((c) =>
      pipe(
        geometry({ depth: c.depth, padding: c.padding })(c.tile),
        E.bimap((e) => `${source}: ${e.message}`, () => c),
      ),
    ),
  );

/** Channels at level i (0 = full resolution; depth = the bottom). */
export const channelsAt = (c: UNetConfig, level: number): number => c.base * 2 ** level;
