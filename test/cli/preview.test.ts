import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../src/cli/args.js';
import { preview } from '../../src/cli/commands/preview.js';
import { image } from '../../src/data/image.js';
import { writePng } from '../../src/data/png.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-cli-preview-'));
const images = path.join(dir, 'images');
const labels = path.join(dir, 'labels');
fs.mkdirSync(images);
fs.mkdirSync(labels);
writePng(path.join(images, 'a.png'), image(50, 40, 1, Float32Array.from({ length: 2000 }, (_, i) => (i * 37) % 255)));
writePng(path.join(labels, 'a.png'), image(50, 40, 1, Float32Array.from({ length: 2000 }, (_, i) => (i % 50 > 25 ? 255 : 0))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const usage = async (argv: readonly string[], message: string | RegExp): Promise<void> => {
  const e = await preview.run(argv).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UsageError);
  if (typeof message === 'string') expect((e as Error).message).toBe(message);
  else expect((e as Error).message).toMatch(message);
};

describe('unet-ts preview: flags by range (issue 18)', () => {
  const base = ['--images', images, '--labels', labels, '--out', path.join(dir, 'out')];
  it('refuses out-of-range counts, seeds and depths, and negative values, as UsageErrors', async () => {
    await usage([...base, '--n', '0'], 'preview: --n 0: expected a number ≥ 1 and ≤ 10000');
    await usage([...base, '--n', '-3'], 'preview: --n -3: expected a number ≥ 1 and ≤ 10000');
    await usage([...base, '--seed', '-1'], 'preview: --seed -1: expected a number ≥ 0 and ≤ 4294967295');
    await usage([...base, '--depth', '7'], 'preview: --depth 7: expected a number ≥ 1 and ≤ 6');
  });
  it('--tile: a valid size for the depth, not far above what covers the largest image', async () => {
    await usage([...base, '--depth', '2', '--tile', '63'], /^preview: --tile 63: .*nearest valid sizes: 60 or 64$/);
    // depth 2, training crop: output = tile − 40, so 92 is the smallest covering 50 px; at most 96
    await usage([...base, '--depth', '2', '--tile', '10004'], `preview: --tile 10004 is far larger than the largest image (${path.join(images, 'a.png')}, 50×40): tile 92 already covers it in one tile; expected at most 96`);
  });
  it('--out that is an existing file is a clear UsageError, not a raw EEXIST from mkdir', async () => {
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, 'x');
    await usage(['--images', images, '--labels', labels, '--out', file], `preview: --out ${file} is an existing file; expected a folder (existing or to be created)`);
  });
});
