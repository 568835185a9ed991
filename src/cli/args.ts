/**
 * Flag parsing for the CLI on node:util's parseArgs (strict: an unknown flag is an error).
 * Bad usage is a `UsageError`: one line on stderr and exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

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

/** Parses `argv` for `command` against its option table; throws UsageError on bad flags. */
export const parse = (command: string, argv: readonly string[], options: Options, positionals = false): Parsed => {
  try {
    const r = parseArgs({ args: [...argv], options, allowPositionals: positionals, strict: true });
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
