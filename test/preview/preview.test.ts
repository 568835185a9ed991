import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { image } from '../../src/data/image.js';
import { readPng, writePng } from '../../src/data/png.js';
import { preview } from '../../src/preview/preview.js';
import { synthetic } from '../../src/data/synthetic.js';
import { tempDir } from '../data/helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('preview', () => {
  it('writes input, labels, weights and a sheet per sample, and returns their paths', () => {
    const imagesDir = path.join(tmp.dir, 'syn/images');
    const labelsDir = path.join(tmp.dir, 'syn/instances');
    for (const seed of [1, 2]) {
      const s = synthetic({ width: 96, height: 96 })(seed);
      writePng(path.join(imagesDir, `s${seed}.png`), image(96, 96, 1, s.image.data.map((v) => v * 255)));
      writePng(path.join(labelsDir, `s${seed}.png`), image(96, 96, 1, Float32Array.from(s.instances.data)), { bitDepth: 16 });
    }
    const outDir = path.join(tmp.dir, 'out');
    const files = preview({ imagesDir, labelsDir, instances: true, n: 2, seed: 3, outDir, tile: 204 });
    expect(files).toHaveLength(8);
    expect(files.map((f) => path.basename(f).replace(/^\d\d-s\d-/, ''))).toEqual(['input.png', 'labels.png', 'weights.png', 'sheet.png', 'input.png', 'labels.png', 'weights.png', 'sheet.png']);
    for (const f of files) expect(fs.existsSync(f)).toBe(true);
    const [input, labels, weights, sheet] = files.slice(0, 4).map((f) => readPng(f).image);
    expect([input!.width, input!.channels]).toEqual([204, 1]);
    expect([labels!.width, labels!.channels]).toEqual([20, 1]);
    expect([weights!.width, weights!.channels]).toEqual([20, 3]);
    expect(sheet!.channels).toBe(3);
    expect(sheet!.width).toBeGreaterThan(204 + 2 * 20);
    // The same call writes the same files (seeded).
    const again = preview({ imagesDir, labelsDir, instances: true, n: 2, seed: 3, outDir: path.join(tmp.dir, 'out2'), tile: 204 });
    expect(fs.readFileSync(again[3]!)).toEqual(fs.readFileSync(files[3]!));
  });

  it('an invalid tile size for the depth is an error naming the valid sizes', () => {
    expect(() => preview({ imagesDir: tmp.dir, labelsDir: tmp.dir, outDir: tmp.dir, tile: 190 })).toThrow(/tile size 190 is not valid.*188 or 204/);
  });
});
