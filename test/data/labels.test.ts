import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { image } from '../../src/data/image.js';
import { connectedComponents, countInstances, labelMap, labelsFromImage, separateTouching, type LabelMap } from '../../src/data/labels.js';

const img = (w: number, values: number[]) => image(w, values.length / w, 1, Float32Array.from(values));
const arr = (m: LabelMap): number[] => Array.from(m.data);

/** Reference: union–find over equal non-zero neighbours, as a partition key per pixel. */
const referenceComponents = (m: LabelMap, conn: 4 | 8): number[] => {
  const parent = Array.from({ length: m.data.length }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const offsets = conn === 4 ? [[1, 0], [0, 1]] : [[1, 0], [0, 1], [1, 1], [-1, 1]];
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      const v = m.data[y * m.width + x]!;
      for (const [dx, dy] of offsets) {
        const nx = x + dx!;
        const ny = y + dy!;
        if (v === 0 || nx < 0 || nx >= m.width || ny >= m.height || m.data[ny * m.width + nx] !== v) continue;
        parent[find(y * m.width + x)] = find(ny * m.width + nx);
      }
    }
  }
  return Array.from(m.data, (v, i) => (v === 0 ? -1 : find(i)));
};

const samePartition = (a: number[], b: number[]): boolean => {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((a[i] === 0) !== (b[i] === -1)) return false;
    if (a[i] === 0) continue;
    if ((ab.get(a[i]!) ?? b[i]) !== b[i] || (ba.get(b[i]!) ?? a[i]) !== a[i]) return false;
    ab.set(a[i]!, b[i]!);
    ba.set(b[i]!, a[i]!);
  }
  return true;
};

const smallMap = fc
  .record({ w: fc.integer({ min: 1, max: 8 }), h: fc.integer({ min: 1, max: 8 }) })
  .chain(({ w, h }) => fc.array(fc.integer({ min: 0, max: 2 }), { minLength: w * h, maxLength: w * h }).map((v) => labelMap(w, h, Int32Array.from(v))));

describe('connectedComponents', () => {
  it.each([4, 8] as const)('%i-connectivity matches a union–find reference', (conn) => {
    fc.assert(fc.property(smallMap, (m) => samePartition(arr(connectedComponents(conn)(m)), referenceComponents(m, conn))), { numRuns: 200 });
  });

  it('diagonal neighbours are separate with 4-connectivity, joined with 8', () => {
    const m = labelMap(2, 2, Int32Array.of(1, 0, 0, 1));
    expect(arr(connectedComponents(4)(m))).toEqual([1, 0, 0, 2]);
    expect(arr(connectedComponents(8)(m))).toEqual([1, 0, 0, 1]);
  });
});

describe('labelsFromImage', () => {
  it('binary 0/255 (ISBI: 255 = cell) → cells are class 1 and the objects', () => {
    const l = labelsFromImage({ kind: 'binary' })(img(5, [255, 255, 0, 255, 255]));
    expect(arr(l.classes)).toEqual([1, 1, 0, 1, 1]);
    expect(arr(l.instances)).toEqual([1, 1, 0, 2, 2]);
    expect(l.numClasses).toBe(2);
  });

  it('binary: two values map low → 0, high → 1 (with 0: 0 vs the non-zero value); one value is all 0 or all 1', () => {
    expect(arr(labelsFromImage({ kind: 'binary' })(img(3, [1, 2, 2])).classes)).toEqual([0, 1, 1]);
    expect(arr(labelsFromImage({ kind: 'binary' })(img(4, [0, 200, 200, 0])).classes)).toEqual([0, 1, 1, 0]);
    expect(arr(labelsFromImage({ kind: 'binary' })(img(2, [0, 0])).classes)).toEqual([0, 0]);
    expect(arr(labelsFromImage({ kind: 'binary' })(img(2, [7, 7])).classes)).toEqual([1, 1]);
  });

  it('binary: three or more values are a DataError naming the file, the values and what was expected (issue 18: was thresholded at 0)', () => {
    const read = (values: number[]) => () => labelsFromImage({ kind: 'binary', file: '/d/labels/07.png' })(img(values.length, values));
    expect(read([0, 3, 9, 200])).toThrow(DataError);
    expect(read([0, 3, 9, 200])).toThrow(
      'labels/07.png: 4 distinct values (0, 3, 9, 200) in a binary mask; expected at most two (background = the lower, e.g. 0/255); object ids 1…N need instance labels (--instances)',
    );
    // an anti-aliased 0/255 mask: the edge values are not silently made foreground
    expect(read([0, 1, 128, 254, 255])).toThrow(/5 distinct values \(0, 1, 128, 254, 255\)/);
    // many values are shown shortened, with their count
    expect(read(Array.from({ length: 100 }, (_, i) => i))).toThrow(/100 distinct values \(0, 1, 2, 3, 4, …, 99 \(100 values\)\)/);
  });

  it('binary: more than two values and no 0 is a DataError naming the file', () => {
    expect(() => labelsFromImage({ kind: 'binary', file: '/d/labels/07.png' })(img(3, [1, 2, 3]))).toThrow(/labels\/07\.png: 3 distinct values \(1, 2, 3\) in a binary mask; expected at most two .*a class map needs a model with that many classes$/);
  });

  it('multiclass: indices kept, sorted values remapped, too many classes rejected', () => {
    expect(arr(labelsFromImage({ kind: 'multiclass', numClasses: 3 })(img(3, [0, 2, 1])).classes)).toEqual([0, 2, 1]);
    expect(arr(labelsFromImage({ kind: 'multiclass', numClasses: 3 })(img(3, [0, 255, 128])).classes)).toEqual([0, 2, 1]);
    const f = () => labelsFromImage({ kind: 'multiclass', numClasses: 3, file: 'labels/01.png' })(img(4, [0, 1, 2, 3]));
    expect(f).toThrow(DataError);
    expect(f).toThrow(/labels\/01\.png: 4 classes \(values 0, 1, 2, 3\); more than the configured numClasses 3/);
  });

  it('instances: ids kept, classes 0/1, touching objects separated by background', () => {
    const l = labelsFromImage({ kind: 'instances' })(img(6, [1, 1, 1, 2, 2, 2]));
    expect(arr(l.instances)).toEqual([1, 1, 0, 0, 2, 2]);
    expect(arr(l.classes)).toEqual([1, 1, 0, 0, 1, 1]);
    const raw = labelsFromImage({ kind: 'instances', separateTouching: false })(img(6, [1, 1, 1, 300, 300, 0]));
    expect(arr(raw.instances)).toEqual([1, 1, 1, 300, 300, 0]);
    expect(countInstances(raw.instances)).toBe(2);
  });

  it('separateTouching leaves objects that do not touch unchanged (also diagonally)', () => {
    const m = labelMap(3, 3, Int32Array.of(1, 0, 0, 0, 0, 0, 0, 0, 2));
    expect(arr(separateTouching(m))).toEqual(arr(m));
    expect(arr(separateTouching(labelMap(2, 2, Int32Array.of(1, 0, 0, 2))))).toEqual([0, 0, 0, 0]);
  });

  it('colour and fractional label images are DataErrors', () => {
    expect(() => labelsFromImage({ kind: 'binary', file: 'l.png' })(image(1, 1, 3, Float32Array.of(1, 2, 3)))).toThrow(/l\.png: colour label image/);
    expect(() => labelsFromImage({ kind: 'instances', file: 'l.tif' })(img(2, [0, 0.5]))).toThrow(/l\.tif: label value 0\.5 at pixel 1,0/);
  });
});
