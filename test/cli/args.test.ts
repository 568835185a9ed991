import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  backendFlag,
  coveringTiles,
  intFlag,
  intIn,
  joinNegativeValues,
  numFlag,
  numIn,
  outDirFlag,
  outFileFlag,
  parse,
  required,
  str,
  tileFlag,
  UsageError,
} from '../../src/cli/args.js';

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

describe('negative numbers as flag values (issue 18)', () => {
  const o = { steps: { type: 'string' }, lr: { type: 'string' }, verbose: { type: 'boolean' } } as const;
  it('--flag -1 reaches the value check instead of parseArgs\' "argument is ambiguous"', () => {
    expect(parse('train', ['--steps', '-1'], o).values).toEqual({ steps: '-1' });
    expect(parse('train', ['--lr', '-0.5', '--steps', '-.5'], o).values).toEqual({ lr: '-0.5', steps: '-.5' });
    expect(parse('train', ['--lr', '-1e-3'], o).values).toEqual({ lr: '-1e-3' });
    expect(() => intIn('train', 'steps', parse('train', ['--steps', '-1'], o).values['steps'], { min: 1 })).toThrow(new UsageError('train: --steps -1: expected a number ≥ 1'));
  });
  it('leaves flags, boolean flags, --flag=value and everything after -- alone', () => {
    expect(joinNegativeValues(['--verbose', '-1'], o)).toEqual(['--verbose', '-1']);
    expect(joinNegativeValues(['--steps=-2', '--lr', '-x'], o)).toEqual(['--steps=-2', '--lr', '-x']);
    expect(joinNegativeValues(['--', '--steps', '-1'], o)).toEqual(['--', '--steps', '-1']);
    expect(joinNegativeValues(['--bogus', '-1'], o)).toEqual(['--bogus', '-1']);
    // a missing value is still parseArgs' error, not a silent join
    expect(() => parse('train', ['--steps', '--lr', '1'], o)).toThrow(UsageError);
  });
});

describe('ranges', () => {
  it('intIn / numIn: fallback when absent, the range in the message otherwise', () => {
    expect(intIn('preview', 'n', undefined, { min: 1 }, 4)).toBe(4);
    expect(intIn('preview', 'n', '7', { min: 1, max: 10 })).toBe(7);
    expect(() => intIn('preview', 'n', '0', { min: 1, max: 10 })).toThrow(new UsageError('preview: --n 0: expected a number ≥ 1 and ≤ 10'));
    expect(() => intIn('preview', 'n', '1.5', { min: 1 })).toThrow(new UsageError('preview: --n 1.5 is not an integer'));
    expect(numIn('evaluate', 'val-fraction', '0.25', { above: 0, below: 1 })).toBe(0.25);
    for (const v of ['0', '1', '-0.1', '2']) {
      expect(() => numIn('evaluate', 'val-fraction', v, { above: 0, below: 1 })).toThrow(new UsageError(`evaluate: --val-fraction ${Number(v)}: expected a number > 0 and < 1`));
    }
  });
});

describe('backendFlag', () => {
  it('accepts the backends and auto, refuses other names (flag or UNET_BACKEND) as usage', () => {
    const saved = process.env['UNET_BACKEND'];
    try {
      delete process.env['UNET_BACKEND'];
      expect(backendFlag('segment', undefined)).toBeUndefined();
      expect(backendFlag('segment', 'cpu')).toBe('cpu');
      expect(backendFlag('segment', 'auto')).toBe('auto');
      expect(() => backendFlag('segment', 'nosuch')).toThrow(new UsageError('segment: --backend nosuch: unknown backend; expected one of webgpu, headlessgl, webasm, cpu or auto'));
      process.env['UNET_BACKEND'] = 'gpu';
      expect(() => backendFlag('check', undefined)).toThrow(new UsageError('check: UNET_BACKEND gpu: unknown backend; expected one of webgpu, headlessgl, webasm, cpu or auto'));
      expect(backendFlag('check', 'cpu')).toBe('cpu');
      process.env['UNET_BACKEND'] = 'webasm';
      expect(backendFlag('check', undefined)).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env['UNET_BACKEND'];
      else process.env['UNET_BACKEND'] = saved;
    }
  });
});

describe('--out paths', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-cli-args-'));
  const file = path.join(dir, 'file.txt');
  fs.writeFileSync(file, 'x');
  it('outDirFlag creates a folder; an existing file is a clear UsageError, not EEXIST', () => {
    expect(outDirFlag('segment', path.join(dir, 'a', 'b'))).toBe(path.join(dir, 'a', 'b'));
    expect(fs.statSync(path.join(dir, 'a', 'b')).isDirectory()).toBe(true);
    expect(() => outDirFlag('segment', file)).toThrow(new UsageError(`segment: --out ${file} is an existing file; expected a folder (existing or to be created)`));
    const e = (() => {
      try {
        outDirFlag('preview', path.join(file, 'x'));
      } catch (x) {
        return x as Error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect(e?.message).not.toMatch(/EEXIST|ENOTDIR|mkdir/);
  });
  it('outFileFlag refuses a folder and a file in place of the parent folder', () => {
    expect(outFileFlag('export', path.join(dir, 'new', 'm.safetensors'))).toBe(path.join(dir, 'new', 'm.safetensors'));
    expect(() => outFileFlag('export', dir)).toThrow(new UsageError(`export: --out ${dir} is a folder; expected a file name to write`));
    expect(() => outFileFlag('evaluate', path.join(file, 'r.json'), 'json')).toThrow(new UsageError(`evaluate: --json ${path.join(file, 'r.json')}: ${file} is a file, not a folder`));
  });
});

describe('tileFlag', () => {
  const tiny = { depth: 3, padding: 'valid' } as const;
  it('the model tile when absent; a valid size otherwise, with the nearest valid sizes', () => {
    expect(tileFlag('segment', undefined, tiny, { fallback: 252, use: 'inference' })).toBe(252);
    expect(tileFlag('segment', '188', tiny, { fallback: 252, use: 'inference' })).toBe(188);
    expect(() => tileFlag('segment', '573', tiny, { fallback: 252, use: 'inference' })).toThrow(/^segment: --tile 573: .*nearest valid sizes: 572 or 580$/);
  });
  it('refuses a tile more than one valid step above the smallest covering the largest image (or the model tile)', () => {
    const images = () => [
      { file: 'small.png', width: 40, height: 30 },
      { file: 'wide.png', width: 200, height: 20 },
    ];
    const { cover, next } = coveringTiles(tiny, 'inference', 200);
    expect(next).toBe(cover + 8); // depth 3: valid tiles 8 apart
    expect(tileFlag('segment', String(next), tiny, { fallback: 252, use: 'inference', images })).toBe(next);
    expect(() => tileFlag('segment', '10004', tiny, { fallback: 252, use: 'inference', images })).toThrow(
      new UsageError(`segment: --tile 10004 is far larger than the largest image (wide.png, 200×20): tile ${cover} already covers it in one tile; expected at most ${next}`),
    );
    // the model's own tile is always allowed, even above the covering size
    const small = () => [{ file: 'small.png', width: 40, height: 30 }];
    expect(tileFlag('segment', '252', tiny, { fallback: 252, use: 'inference', images: small })).toBe(252);
    expect(() => tileFlag('segment', '260', tiny, { fallback: 252, use: 'inference', images: small })).toThrow(/expected at most 252$/);
  });
  it('reads the images only when --tile is given', () => {
    let read = 0;
    const images = () => (read++, [{ file: 'a.png', width: 10, height: 10 }]);
    tileFlag('segment', undefined, tiny, { fallback: 252, use: 'inference', images });
    expect(read).toBe(0);
  });
});
