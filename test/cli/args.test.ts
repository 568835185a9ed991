import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { intFlag, numFlag, parse, required, str, UsageError } from '../../src/cli/args.js';

const opts = { tile: { type: 'string' }, verbose: { type: 'boolean' } } as const;

describe('parse', () => {
  it('reads known flags and positionals', () => {
    expect(parse('info', ['--tile', '572', '--verbose'], opts).values).toEqual({ tile: '572', verbose: true });
    expect(parse('infer', ['a.png', '--tile=188'], opts, true)).toEqual({ values: { tile: '188' }, positionals: ['a.png'] });
  });

  it('an unknown flag or an unexpected positional is a one-line UsageError naming the command', () => {
    for (const argv of [['--bogus'], ['--tile'], ['stray']]) {
      let caught: unknown;
      try {
        parse('info', argv, opts);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(UsageError);
      const m = (caught as Error).message;
      expect(m).toMatch(/^info: .*\(see 'unet-ts info --help'\)$/);
      expect(m).not.toContain('\n');
      expect((caught as Error).name).toBe('UsageError');
    }
  });
});

describe('flag values', () => {
  it('intFlag parses integers, falls back when absent, and names flag and value otherwise', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 1e6 }), (n) => {
        expect(intFlag('info', 'tile', String(n))).toBe(n);
      }),
    );
    expect(intFlag('info', 'tile', undefined, 572)).toBe(572);
    expect(intFlag('info', 'tile', true, 572)).toBe(572);
    expect(intFlag('info', 'tile', undefined)).toBeUndefined();
    for (const v of ['abc', '5.5', 'NaN', 'Infinity']) {
      expect(() => intFlag('info', 'tile', v)).toThrow(new UsageError(`info: --tile ${v} is not an integer`));
    }
  });

  it('numFlag parses finite numbers', () => {
    expect(numFlag('train', 'lr', '0.01')).toBe(0.01);
    expect(numFlag('train', 'lr', '-3')).toBe(-3);
    expect(numFlag('train', 'lr', undefined, 1)).toBe(1);
    for (const v of ['x', 'Infinity', 'NaN']) expect(() => numFlag('train', 'lr', v)).toThrow(`train: --lr ${v} is not a number`);
  });

  it('required and str', () => {
    expect(required('train', 'data', 'dir')).toBe('dir');
    expect(() => required('train', 'data', undefined)).toThrow(new UsageError('train: --data is required'));
    expect(() => required('train', 'data', '')).toThrow(UsageError);
    expect(() => required('train', 'data', true)).toThrow(UsageError);
    expect(str('a')).toBe('a');
    expect(str(true)).toBeUndefined();
    expect(str(undefined)).toBeUndefined();
  });
});
