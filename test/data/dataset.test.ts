import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetClassWeights, loadEntry, openDataset, splitDataset, trainingItem, type Dataset } from '../../src/data/dataset.js';
import { DataError } from '../../src/data/errors.js';
import { image } from '../../src/data/image.js';
import { countInstances } from '../../src/data/labels.js';
import { encodePng } from '../../src/data/png.js';
import { weightMapCache } from '../../src/data/weight-map.js';
import { hasSharedData, put, SHARED_DATA, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const grey = (w: number, h: number, f: (i: number) => number) => encodePng(image(w, h, 1, Float32Array.from({ length: w * h }, (_, i) => f(i))));

/** A folder pair under tmp with the given files (name → bytes). */
const folders = (name: string, images: Record<string, Uint8Array>, labels: Record<string, Uint8Array>) => {
  const root = path.join(tmp.dir, name);
  fs.mkdirSync(path.join(root, 'images'), { recursive: true });
  fs.mkdirSync(path.join(root, 'labels'), { recursive: true });
  for (const [f, b] of Object.entries(images)) put(root, `images/${f}`, b);
  for (const [f, b] of Object.entries(labels)) put(root, `labels/${f}`, b);
  return { imagesDir: path.join(root, 'images'), labelsDir: path.join(root, 'labels') };
};

const caught = (f: () => unknown): DataError => {
  try {
    f();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
};

describe('data sets from folders', () => {
  const img = grey(8, 6, (i) => i);
  const mask = grey(8, 6, (i) => (i % 8 < 4 ? 255 : 0));

  it('pairs by stem across extensions, ignores other files, loads lazily', () => {
    const dirs = folders('ok', { '00.png': img, '01.png': img, 'README.txt': Buffer.from('x'), '.DS_Store': Buffer.from('x') }, { '00.png': mask, '01.png': mask });
    const ds = openDataset({ ...dirs, kind: 'binary' });
    expect(ds.name).toBe('ok');
    expect(ds.entries.map((e) => e.stem)).toEqual(['00', '01']);
    const e = loadEntry(ds)(ds.entries[1]!);
    expect(e.key).toBe('ok/01');
    expect(e.image.width).toBe(8);
    expect(Array.from(e.labels.classes.data.subarray(0, 8))).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    expect(countInstances(e.labels.instances)).toBe(1);
    const item = trainingItem(weightMapCache())(e);
    expect(item.weights.data.length).toBe(48);
  });

  it('unpaired files: a DataError naming every one of them', () => {
    const dirs = folders('unpaired', { '00.png': img, '03.png': img, '07.png': img }, { '00.png': mask, '99.png': mask });
    const err = caught(() => openDataset({ ...dirs, kind: 'binary' }));
    expect(err.message).toMatch(/2 image\(s\) without a label .*: 03\.png, 07\.png/);
    expect(err.message).toMatch(/1 label\(s\) without an image .*: 99\.png/);
  });

  it('an empty folder is a DataError naming the folder', () => {
    const dirs = folders('empty', {}, { '00.png': mask });
    const err = caught(() => openDataset({ ...dirs, kind: 'binary' }));
    expect(err.message).toContain('is empty');
    expect(err.file).toBe(dirs.imagesDir);
  });

  it('image/label size mismatch names both files and sizes', () => {
    const dirs = folders('size', { '07.png': grey(512, 512, () => 0) }, { '07.png': grey(512, 510, () => 0) });
    const ds = openDataset({ ...dirs, kind: 'binary' });
    const err = caught(() => loadEntry(ds)(ds.entries[0]!));
    expect(err.message).toBe('labels/07.png: size 512×510 does not match image images/07.png 512×512');
  });

  it('more classes than configured, a truncated file, a non-image file: DataErrors naming the file', () => {
    const dirs = folders('bad', { 'a.png': img, 'b.png': img, 'c.png': img }, { 'a.png': grey(8, 6, (i) => i % 5), 'b.png': mask.subarray(0, 40), 'c.png': Buffer.from('not an image at all') });
    const ds = openDataset({ ...dirs, kind: 'multiclass', numClasses: 3 });
    const [a, b, c] = ds.entries.map((e) => caught(() => loadEntry(ds)(e)));
    expect(a!.message).toMatch(/^labels\/a\.png: 5 classes .* more than the configured numClasses 3/);
    expect(b!.message).toMatch(/^labels\/b\.png: /);
    expect(c!.message).toMatch(/^labels\/c\.png: not a PNG file/);
  });

  it('data-set-wide class weights pool the class counts of all label files', () => {
    const dirs = folders('pooled', { '0.png': img, '1.png': img }, { '0.png': grey(8, 6, (i) => (i < 12 ? 255 : 0)), '1.png': grey(8, 6, (i) => (i < 24 ? 255 : 0)) });
    const [bg, fg] = datasetClassWeights(openDataset({ ...dirs, kind: 'binary' }));
    expect(bg).toBeCloseTo(96 / (2 * 60), 10);
    expect(fg).toBeCloseTo(96 / (2 * 36), 10);
  });

  it('two files with one stem are a DataError', () => {
    const dirs = folders('dup', { '00.png': img, '00.tif': img }, { '00.png': mask });
    expect(caught(() => openDataset({ ...dirs, kind: 'binary' })).message).toMatch(/00\.png and 00\.tif have the same stem/);
  });

  it('validation split by names or by a seeded fraction', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const ds: Dataset = { name: 'x', options: { imagesDir: '', labelsDir: '', kind: 'binary' }, entries: names.map((stem) => ({ stem, imagePath: stem, labelPath: stem })) };
    const byName = splitDataset({ names: ['c', 'h'] })(ds);
    expect(byName.validation.entries.map((e) => e.stem)).toEqual(['c', 'h']);
    expect(byName.train.entries).toHaveLength(8);
    const s1 = splitDataset({ fraction: 0.3, seed: 5 })(ds);
    expect(s1.validation.entries).toHaveLength(3);
    expect(splitDataset({ fraction: 0.3, seed: 5 })(ds)).toEqual(s1);
    expect([...s1.train.entries, ...s1.validation.entries].map((e) => e.stem).sort()).toEqual(names);
    expect(() => splitDataset({ names: ['zz'] })(ds)).toThrow(/not in data set x: zz/);
  });
});

if (!hasSharedData) console.warn(`Skipping shared-data tests: ${SHARED_DATA} is absent.`);

describe.skipIf(!hasSharedData)(`real data in ${SHARED_DATA}`, () => {
  it('ISBI 2012: 24 pairs of 512×512, binary labels with the cells as objects', () => {
    const ds = openDataset({ imagesDir: `${SHARED_DATA}/isbi2012/images`, labelsDir: `${SHARED_DATA}/isbi2012/labels`, kind: 'binary' });
    expect(ds.entries).toHaveLength(24);
    const e = loadEntry(ds)(ds.entries[0]!);
    expect([e.image.width, e.image.height]).toEqual([512, 512]);
    expect(new Set(e.labels.classes.data)).toEqual(new Set([0, 1]));
    expect(countInstances(e.labels.instances)).toBeGreaterThan(20);
  });

  it('DSB 2018: 313 pairs with 16-bit instance labels', () => {
    const ds = openDataset({ imagesDir: `${SHARED_DATA}/dsb2018/images`, labelsDir: `${SHARED_DATA}/dsb2018/instances`, kind: 'instances' });
    expect(ds.entries).toHaveLength(313);
    const e = loadEntry(ds)(ds.entries[0]!);
    expect(countInstances(e.labels.instances)).toBeGreaterThan(1);
    expect(e.labels.classes.width).toBe(e.image.width);
  });
});
