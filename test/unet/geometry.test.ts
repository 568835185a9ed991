import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  geometry,
  inputFor,
  minimumInput,
  outputFor,
  validAbove,
  validBelow,
  type Geometry,
  type Padding,
} from '../../src/unet/geometry.js';
import { centerCropShape, concatShape } from '../../src/tensor/shape.js';

/**
 * Independent oracle: walks a tile of size n through the network one op at a time (3×3 conv,
 * 2×2 pool, 2×2 up-conv, crop) and says whether every op is defined, with the sizes it saw.
 */
interface Sim {
  readonly output: number;
  readonly downs: number[];
  readonly skips: number[];
  readonly ups: number[];
  readonly bottom: number;
}
const simulate = (depth: number, padding: Padding, n: number): Sim | undefined => {
  const conv = (x: number): number => (padding === 'valid' ? x - 2 : x);
  let x = n;
  const downs: number[] = [];
  const skips: number[] = [];
  for (let i = 0; i < depth; i++) {
    downs.push(x);
    x = conv(x);
    if (x < 1) return undefined;
    x = conv(x);
    if (x < 1) return undefined;
    skips.push(x);
    if (x % 2 !== 0) return undefined; // the pooling must see an even size
    x /= 2;
  }
  x = conv(conv(x));
  if (x < 1) return undefined;
  const bottom = x;
  const ups: number[] = new Array<number>(depth).fill(0);
  for (let i = depth - 1; i >= 0; i--) {
    x *= 2;
    ups[i] = x;
    const skip = skips[i]!;
    if (skip < x || (skip - x) % 2 !== 0) return undefined;
    x = conv(x);
    if (x < 1) return undefined;
    x = conv(x);
    if (x < 1) return undefined;
  }
  return { output: x, downs, skips, ups, bottom };
};
const isValid = (depth: number, padding: Padding, n: number): boolean => simulate(depth, padding, n) !== undefined;
/** The valid sizes m with lo ≤ m ≤ hi. */
const validIn = (depth: number, padding: Padding, lo: number, hi: number): number[] => {
  const out: number[] = [];
  for (let m = Math.max(1, lo); m <= hi; m++) if (isValid(depth, padding, m)) out.push(m);
  return out;
};

const depthArb = fc.integer({ min: 1, max: 5 });
const sizeArb = fc.integer({ min: 1, max: 2000 });
const paddingArb = fc.constantFrom<Padding>('valid', 'same');

const right = (r: E.Either<{ message: string }, Geometry>): Geometry => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

/** The nearest valid sizes named in a geometry error: [below | undefined, above]. */
const nearest = (message: string): [number | undefined, number] => {
  const two = /nearest valid sizes: (\d+) or (\d+)$/.exec(message);
  if (two) return [Number(two[1]), Number(two[2])];
  const one = /nearest valid sizes: (\d+) \(the smallest valid size\)$/.exec(message);
  if (one) return [undefined, Number(one[1])];
  throw new Error(`no nearest valid sizes in: ${message}`);
};

describe('geometry against the brute-force oracle', () => {
  it('accepts exactly the sizes where every pooling sees an even size and the output is positive', () => {
    fc.assert(
      fc.property(depthArb, paddingArb, sizeArb, (depth, padding, n) => {
        const sim = simulate(depth, padding, n);
        const g = geometry({ depth, padding })(n);
        expect(E.isRight(g)).toBe(sim !== undefined);
        if (E.isRight(g) && sim) {
          expect(g.right.input).toBe(n);
          expect(g.right.output).toBe(sim.output);
          expect(g.right.output).toBeGreaterThanOrEqual(1);
          expect(g.right.output).toBe(n - 2 * g.right.halo);
          expect(Number.isInteger(g.right.halo)).toBe(true);
          expect(g.right.bottom).toBe(sim.bottom);
          expect(g.right.levels.map((l) => l.down)).toEqual(sim.downs);
          expect(g.right.levels.map((l) => l.skip)).toEqual(sim.skips);
          expect(g.right.levels.map((l) => l.up)).toEqual(sim.ups);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('covers every size 1…2000 at depth 4 (both paddings)', () => {
    for (const padding of ['valid', 'same'] as const) {
      const mismatches: number[] = [];
      for (let n = 1; n <= 2000; n++) if (E.isRight(geometry({ depth: 4, padding })(n)) !== isValid(4, padding, n)) mismatches.push(n);
      expect(mismatches).toEqual([]);
    }
  });

  it('each skip crop aligns the skip map with the up-convolved one', () => {
    fc.assert(
      fc.property(depthArb, paddingArb, sizeArb, fc.integer({ min: 1, max: 8 }), (depth, padding, n0, c) => {
        // the first valid size ≥ n0 (so every run checks a geometry)
        const n = validAbove({ depth, padding }, n0);
        const g = right(geometry({ depth, padding })(n));
        expect(g.levels).toHaveLength(depth);
        for (const l of g.levels) {
          expect(Number.isInteger(l.crop) && l.crop >= 0).toBe(true);
          expect(l.skip - 2 * l.crop).toBe(l.up);
          const cropped = centerCropShape([1, c, l.skip, l.skip], l.up, l.up);
          expect(E.isRight(cropped) && cropped.right).toEqual([1, c, l.up, l.up]);
          expect(E.isRight(concatShape([1, c, l.up, l.up], [1, 2 * c, l.up, l.up]))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an invalid size gives a Left naming the size and the nearest valid sizes around it', () => {
    fc.assert(
      fc.property(depthArb, paddingArb, sizeArb, (depth, padding, n) => {
        fc.pre(!isValid(depth, padding, n));
        const g = geometry({ depth, padding })(n);
        if (E.isRight(g)) throw new Error(`${n} accepted`);
        expect(g.left.op).toBe('unet');
        expect(g.left.message).toContain(`tile size ${n} is not valid for depth ${depth} (${padding} padding)`);
        const [below, above] = nearest(g.left.message);
        expect(above).toBeGreaterThan(n);
        expect(isValid(depth, padding, above)).toBe(true);
        const from = below ?? 0;
        if (below !== undefined) {
          expect(below).toBeLessThan(n);
          expect(isValid(depth, padding, below)).toBe(true);
        }
        // no valid size strictly between them (when none is named below: no valid size below n)
        expect(validIn(depth, padding, from + 1, above - 1)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects non-integer and non-positive sizes', () => {
    for (const n of [572.5, 0, -572]) {
      const g = geometry({ depth: 4 })(n);
      expect(E.isLeft(g) && g.left.message).toContain(`tile size ${n} is not valid`);
    }
    expect(E.isLeft(geometry({ depth: 4 })(572.5)) && nearest((geometry({ depth: 4 })(572.5) as E.Left<{ message: string }>).left.message)).toEqual([572, 588]);
  });
});

describe('degenerate input terminates', () => {
  // These used to loop forever in validAbove (no valid size ≥ NaN, none at all for depth 2.5).
  it('a non-finite size is a Left, not a hang', () => {
    for (const n of [NaN, Infinity, -Infinity]) {
      const g = geometry({ depth: 4 })(n);
      expect(E.isLeft(g) && g.left.message).toMatch(/^unet: tile size -?(NaN|Infinity) is not a finite number$/);
    }
    expect(() => validAbove({ depth: 4 }, NaN)).toThrow(RangeError);
    expect(() => validAbove({ depth: 4 }, Infinity)).toThrow(/validAbove: size Infinity is not finite/);
    expect(validAbove({ depth: 4 }, -Infinity)).toBe(188);
    expect(validBelow({ depth: 4 }, NaN)).toBeUndefined();
  });

  it('a depth that is not a non-negative integer is a Left, not a hang', () => {
    for (const depth of [2.5, -1, NaN]) {
      const g = geometry({ depth })(572);
      expect(E.isLeft(g) && g.left.message).toBe(`unet: depth ${depth} is not a non-negative integer`);
      expect(() => validAbove({ depth }, 572)).toThrow(RangeError);
    }
  });
});

describe('the paper network (depth 4, valid)', () => {
  const geo = { depth: 4 };

  it('valid n = 188 + 16k, output n − 184, halo 92', () => {
    for (let n = 1; n <= 2000; n++) {
      const g = geometry(geo)(n);
      const want = n >= 188 && (n - 188) % 16 === 0;
      if (E.isRight(g) !== want) throw new Error(`n = ${n}: expected ${want ? 'valid' : 'invalid'}`);
      if (E.isRight(g)) {
        expect(g.right.output).toBe(n - 184);
        expect(g.right.halo).toBe(92);
      }
    }
    expect(minimumInput(geo)).toBe(188);
  });

  it('at n = 572: output 388, bottom 28, skip crops 4/16/40/88 per side at levels 3/2/1/0', () => {
    const g = right(geometry(geo)(572));
    expect(g.output).toBe(388);
    expect(g.bottom).toBe(28);
    expect(g.levels.map((l) => l.crop)).toEqual([88, 40, 16, 4]);
    expect(g.levels.map((l) => l.skip)).toEqual([568, 280, 136, 64]);
    expect(g.levels.map((l) => l.up)).toEqual([392, 200, 104, 56]);
    expect(g.levels.map((l) => l.down)).toEqual([572, 284, 140, 68]);
  });

  it('570 is invalid and names 556 and 572; 100 names only 188', () => {
    const bad = geometry(geo)(570);
    expect(E.isLeft(bad) && bad.left.message).toMatch(/nearest valid sizes: 556 or 572$/);
    const small = geometry(geo)(100);
    expect(E.isLeft(small) && small.left.message).toMatch(/nearest valid sizes: 188 \(the smallest valid size\)$/);
  });
});

describe("'same' padding", () => {
  it('valid n = multiples of 2^depth, output = n, halo 0, no crops', () => {
    fc.assert(
      fc.property(depthArb, sizeArb, (depth, n) => {
        const g = geometry({ depth, padding: 'same' })(n);
        expect(E.isRight(g)).toBe(n % 2 ** depth === 0);
        if (E.isRight(g)) {
          expect(g.right.output).toBe(n);
          expect(g.right.halo).toBe(0);
          expect(g.right.levels.every((l) => l.crop === 0)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('validBelow, validAbove, outputFor, inputFor', () => {
  it('validBelow / validAbove are the nearest valid sizes ≤ n and ≥ n', () => {
    fc.assert(
      fc.property(depthArb, paddingArb, sizeArb, (depth, padding, n) => {
        const cfg = { depth, padding };
        const above = validAbove(cfg, n);
        expect(above).toBeGreaterThanOrEqual(n);
        expect(isValid(depth, padding, above)).toBe(true);
        expect(validIn(depth, padding, n, above - 1)).toEqual([]);
        const below = validBelow(cfg, n);
        const lo = below ?? 0;
        if (below !== undefined) {
          expect(below).toBeLessThanOrEqual(n);
          expect(isValid(depth, padding, below)).toBe(true);
        }
        expect(validIn(depth, padding, lo + 1, n)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('outputFor is the output of a valid size and a Left otherwise', () => {
    expect(outputFor({ depth: 4 })(572)).toEqual(E.right(388));
    expect(E.isLeft(outputFor({ depth: 4 })(570))).toBe(true);
    expect(outputFor({ depth: 3, padding: 'same' })(64)).toEqual(E.right(64));
  });

  it('inputFor(out) is the smallest valid input with output ≥ out', () => {
    expect(inputFor({ depth: 4 })(388)).toBe(572);
    expect(inputFor({ depth: 4 })(389)).toBe(588);
    expect(inputFor({ depth: 4 })(1)).toBe(188);
    fc.assert(
      fc.property(depthArb, paddingArb, fc.integer({ min: 1, max: 1000 }), (depth, padding, out) => {
        const n = inputFor({ depth, padding })(out);
        const sim = simulate(depth, padding, n);
        expect(sim && sim.output >= out).toBe(true);
        for (let m = 1; m < n; m++) {
          const s = simulate(depth, padding, m);
          if (s && s.output >= out) throw new Error(`${m} < ${n} is valid with output ${s.output} ≥ ${out}`);
        }
      }),
      { numRuns: 100 },
    );
  });
});
