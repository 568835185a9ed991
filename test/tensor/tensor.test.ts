import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  at,
  checkShape,
  fill,
  fromArray,
  map,
  offset,
  randomNormal,
  sameShape,
  size,
  tensor,
  unsafeTensor,
  zeros,
  type Shape,
  type Tensor,
} from '../../src/tensor/tensor.js';
import { showShape, type ShapeError } from '../../src/tensor/shape-error.js';

const shapeArb: fc.Arbitrary<Shape> = fc.tuple(
  fc.integer({ min: 1, max: 3 }),
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 0, max: 6 }),
  fc.integer({ min: 0, max: 6 }),
);

/** Shapes that are not four non-negative integers. */
const badShapeArb: fc.Arbitrary<number[]> = fc.oneof(
  // wrong rank
  fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 6 }).filter((a) => a.length !== 4),
  // one negative, non-integer or non-finite dimension
  fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 3 }),
      fc.oneof(fc.integer({ min: -5, max: -1 }), fc.constantFrom(0.5, 2.25, NaN, Infinity)),
    )
    .map(([a, i, v]) => a.map((d, j) => (j === i ? v : d))),
);

const left = <A>(r: E.Either<ShapeError, A>): ShapeError => {
  if (E.isRight(r)) throw new Error('expected Left, got Right');
  return r.left;
};

/** Every constructor over `shape` (with data of the matching length, if the shape has one). */
const constructors = (shape: readonly number[]): Array<[string, E.Either<ShapeError, Tensor>]> => {
  const n = shape.length === 4 && shape.every((d) => Number.isInteger(d) && d >= 0) ? shape.reduce((a, b) => a * b, 1) : 4;
  return [
    ['tensor', tensor(shape, new Float32Array(n))],
    ['fromArray', fromArray(shape, new Array<number>(n).fill(1))],
    ['zeros', zeros(shape)],
    ['fill', fill(3)(shape)],
    ['randomNormal', randomNormal(1)(shape)],
  ];
};

describe('constructors', () => {
  it('build a tensor of the shape with the right values', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (s, seed) => {
        const n = size(s);
        const vals = Array.from({ length: n }, (_, i) => i * 0.5 - 3);
        const t = fromArray(s, vals);
        expect(E.isRight(t) && t.right.shape).toEqual(s);
        expect(E.isRight(t) && Array.from(t.right.data)).toEqual(vals);
        const z = zeros(s);
        expect(E.isRight(z) && z.right.data.length === n && z.right.data.every((v) => v === 0)).toBe(true);
        const f = fill(-2.5)(s);
        expect(E.isRight(f) && f.right.data.length === n && f.right.data.every((v) => v === -2.5)).toBe(true);
        const r = randomNormal(seed)(s);
        expect(E.isRight(r) && r.right.data.length).toBe(n);
      }),
    );
  });

  it('reject a bad shape with an error naming tensor and the shape', () => {
    fc.assert(
      fc.property(badShapeArb, (shape) => {
        for (const [name, r] of constructors(shape)) {
          const e = left(r);
          expect(e.op, name).toBe('tensor');
          expect(e.message, name).toContain('tensor');
          expect(e.message, name).toContain(showShape(shape));
        }
      }),
    );
  });

  it('reject data of the wrong length naming both lengths and the shape', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 0, max: 300 }), (s, len) => {
        fc.pre(len !== size(s));
        for (const e of [left(tensor(s, new Float32Array(len))), left(fromArray(s, new Array<number>(len).fill(0)))]) {
          expect(e.op).toBe('tensor');
          expect(e.message).toContain(showShape(s));
          expect(e.message).toContain(`${len} values`);
          expect(e.message).toContain(`needs ${size(s)}`);
        }
      }),
    );
  });

  it('fromArray rounds to float32 and copies (the source can change afterwards)', () => {
    const src = [0.1, 1 / 3, 1e-50, 3e38];
    const t = fromArray([1, 1, 2, 2], src);
    if (E.isLeft(t)) throw new Error(t.left.message);
    expect(Array.from(t.right.data)).toEqual(src.map(Math.fround));
    const typed = Float32Array.from([1, 2, 3, 4]);
    const u = fromArray([1, 1, 2, 2], typed);
    if (E.isLeft(u)) throw new Error(u.left.message);
    expect(u.right.data).not.toBe(typed);
    typed[0] = 99;
    expect(u.right.data[0]).toBe(1);
  });

  it('tensor wraps the data without copying (ownership passes to the tensor)', () => {
    const d = new Float32Array(6);
    const t = tensor([1, 2, 3, 1], d);
    expect(E.isRight(t) && t.right.data).toBe(d);
  });

  it('unsafeTensor throws on a length mismatch and a bad shape', () => {
    expect(() => unsafeTensor([1, 1, 2, 2], new Float32Array(3))).toThrow(/unsafeTensor.*3 values.*\[1, 1, 2, 2\].*needs 4/);
    expect(() => unsafeTensor([1, 1, -2, -2], new Float32Array(4))).toThrow(/unsafeTensor/);
    expect(() => unsafeTensor([1, 1, 0.5, 8], new Float32Array(4))).toThrow(/unsafeTensor/);
    const d = new Float32Array(4);
    expect(unsafeTensor([1, 1, 2, 2], d).data).toBe(d);
  });
});

describe('checkShape', () => {
  it('accepts exactly four non-negative integers, naming the op otherwise', () => {
    fc.assert(
      fc.property(shapeArb, (s) => {
        const r = checkShape('myop', s);
        expect(E.isRight(r) && r.right).toEqual(s);
      }),
    );
    fc.assert(
      fc.property(badShapeArb, (s) => {
        const e = left(checkShape('myop', s));
        expect(e.op).toBe('myop');
        expect(e.message).toMatch(/^myop: /);
        expect(e.message).toContain(showShape(s));
      }),
    );
  });
});

describe('randomNormal', () => {
  it('is deterministic in the seed and differs between seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 2 }), (seed) => {
        const a = randomNormal(seed, 1, 2)([1, 2, 4, 4]);
        const b = randomNormal(seed, 1, 2)([1, 2, 4, 4]);
        const c = randomNormal(seed + 1, 1, 2)([1, 2, 4, 4]);
        if (E.isLeft(a) || E.isLeft(b) || E.isLeft(c)) throw new Error('Left');
        expect(b.right.data).toEqual(a.right.data);
        expect(c.right.data).not.toEqual(a.right.data);
      }),
      { numRuns: 50 },
    );
  });

  it('has about the requested mean and standard deviation', () => {
    for (const [seed, mean, std] of [[0, 0, 1], [7, 3, 2], [12345, -1.5, 0.1]] as const) {
      const t = randomNormal(seed, mean, std)([1, 1, 256, 256]);
      if (E.isLeft(t)) throw new Error(t.left.message);
      const d = t.right.data;
      const m = d.reduce((a, b) => a + b, 0) / d.length;
      const v = d.reduce((a, b) => a + (b - m) ** 2, 0) / d.length;
      // Standard errors at n = 65536: mean std/256, std ≈ std/362; bounds are > 5 standard errors.
      expect(Math.abs(m - mean)).toBeLessThan(0.02 * std);
      expect(Math.abs(Math.sqrt(v) / std - 1)).toBeLessThan(0.015);
    }
  });
});

describe('indexing', () => {
  it('offset is NCHW row-major and at reads that element', () => {
    fc.assert(
      fc.property(
        shapeArb.filter((s) => size(s) > 0),
        fc.nat(),
        (s, seed) => {
          const t = fromArray(s, Array.from({ length: size(s) }, (_, i) => i));
          if (E.isLeft(t)) throw new Error(t.left.message);
          const [n, c, y, x] = [seed % s[0], (seed >> 2) % s[1], (seed >> 4) % s[2], (seed >> 8) % s[3]];
          const expected = x + s[3] * (y + s[2] * (c + s[1] * n));
          expect(offset(s, n, c, y, x)).toBe(expected);
          expect(at(t.right, n, c, y, x)).toBe(expected);
        },
      ),
    );
  });

  it('at is NaN outside the data', () => {
    const t = fromArray([1, 1, 1, 2], [5, 6]);
    if (E.isLeft(t)) throw new Error(t.left.message);
    expect(at(t.right, 0, 0, 0, 1)).toBe(6);
    expect(at(t.right, 0, 0, 1, 0)).toBeNaN();
  });

  it('size and sameShape', () => {
    expect(size([1, 64, 572, 572])).toBe(64 * 572 * 572);
    expect(size([2, 0, 3, 3])).toBe(0);
    fc.assert(
      fc.property(shapeArb, shapeArb, (a, b) => {
        expect(sameShape(a, b)).toBe(a.every((d, i) => d === b[i]));
        expect(sameShape(a, a)).toBe(true);
      }),
    );
  });
});

describe('immutability', () => {
  it('no constructor or map writes to its inputs', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (s, seed) => {
        const shapeIn = [...s];
        const shapeCopy = [...s];
        const vals = Array.from({ length: size(s) }, (_, i) => Math.sin(seed + i));
        const valsCopy = [...vals];
        const buf = Float32Array.from(vals);
        const bufCopy = buf.slice();

        const t = tensor(shapeIn, buf);
        fromArray(shapeIn, vals);
        fromArray(shapeIn, buf);
        zeros(shapeIn);
        fill(2)(shapeIn);
        randomNormal(seed)(shapeIn);
        checkShape('x', shapeIn);
        if (E.isLeft(t)) throw new Error(t.left.message);
        const m = map((v, i) => v * 2 + i)(t.right);

        expect(shapeIn).toEqual(shapeCopy);
        expect(vals).toEqual(valsCopy);
        expect(buf).toEqual(bufCopy);
        expect(t.right.data).toEqual(bufCopy);
        // map returns a new buffer with the mapped values
        expect(m.data).not.toBe(t.right.data);
        expect(m.shape).toEqual(t.right.shape);
        expect(Array.from(m.data)).toEqual(Array.from(bufCopy, (v, i) => Math.fround(v * 2 + i)));
      }),
      { numRuns: 50 },
    );
  });

  it('a tensor returned by a constructor does not share its buffer with another one', () => {
    const a = zeros([1, 1, 2, 2]);
    const b = zeros([1, 1, 2, 2]);
    const f = fill(1)([1, 1, 2, 2]);
    if (E.isLeft(a) || E.isLeft(b) || E.isLeft(f)) throw new Error('Left');
    expect(a.right.data).not.toBe(b.right.data);
    expect(a.right.data.buffer).not.toBe(f.right.data.buffer);
  });
});
