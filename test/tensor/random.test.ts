import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rng, type Rng } from '../../src/tensor/random.js';

const draw = (r: Rng, n: number, f: (r: Rng) => number = (g) => g.uniform()): number[] => Array.from({ length: n }, () => f(r));
const seedArb = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

describe('rng', () => {
  it('is deterministic per seed (uniform, normal, int, u32)', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const both = (r: Rng): number[] => [...draw(r, 20), ...draw(r, 21, (g) => g.normal()), ...draw(r, 20, (g) => g.int(7)), ...draw(r, 5, (g) => g.u32())];
        expect(both(rng(seed))).toEqual(both(rng(seed)));
      }),
      { numRuns: 50 },
    );
  });

  it('differs between seeds', () => {
    fc.assert(
      fc.property(seedArb, seedArb, (a, b) => {
        fc.pre(a >>> 0 !== b >>> 0);
        expect(draw(rng(a), 4)).not.toEqual(draw(rng(b), 4));
      }),
    );
  });

  it('uniform lies in [0, 1), int(n) in {0..n−1}, u32 in [0, 2^32)', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const r = rng(seed);
        const bad: number[] = [];
        for (let i = 0; i < 200; i++) {
          const u = r.uniform();
          if (!(u >= 0 && u < 1)) bad.push(u);
          const k = r.int(n);
          if (!(Number.isInteger(k) && k >= 0 && k < n)) bad.push(k);
          const w = r.u32();
          if (!(Number.isInteger(w) && w >= 0 && w < 2 ** 32)) bad.push(w);
        }
        expect(bad).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('uniform is uniform: 20-bin chi-square on 100,000 draws', () => {
    for (const seed of [0, 1, 42, -7]) {
      const r = rng(seed);
      const bins = new Array<number>(20).fill(0);
      const n = 100_000;
      for (let i = 0; i < n; i++) bins[Math.floor(r.uniform() * 20)]! += 1;
      const e = n / 20;
      const chi2 = bins.reduce((s, o) => s + (o - e) ** 2 / e, 0);
      // 19 degrees of freedom: P(chi2 > 43.8) = 0.001.
      expect(chi2).toBeLessThan(43.8);
    }
  });

  it('normal has mean ≈ 0, variance ≈ 1 and symmetric tails', () => {
    const r = rng(2024);
    const xs = draw(r, 100_000, (g) => g.normal());
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
    expect(Math.abs(m)).toBeLessThan(0.015);
    expect(Math.abs(v - 1)).toBeLessThan(0.02);
    // P(|z| > 1.96) = 0.05
    const tail = xs.filter((x) => Math.abs(x) > 1.96).length / xs.length;
    expect(Math.abs(tail - 0.05)).toBeLessThan(0.005);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it('split streams differ from each other, from the parent, and between salts; splitting is deterministic', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 0, max: 1000 }), (seed, salt) => {
        const p = rng(seed);
        const a = p.split();
        const b = p.split();
        const c = p.split(salt + 1);
        const sa = draw(a, 8);
        const sb = draw(b, 8);
        const sc = draw(c, 8);
        const sp = draw(p, 8);
        expect(sa).not.toEqual(sb);
        expect(sa).not.toEqual(sc);
        expect(sb).not.toEqual(sc);
        expect(sp).not.toEqual(sa);
        expect(sp).not.toEqual(sb);
        // same parent state, different salts → different streams
        expect(draw(rng(seed).split(salt), 8)).not.toEqual(draw(rng(seed).split(salt + 1), 8));
        // deterministic
        const q = rng(seed);
        expect(draw(q.split(), 8)).toEqual(sa);
      }),
      { numRuns: 100 },
    );
  });

  it('split streams are not correlated (sample correlation ≈ 0)', () => {
    const p = rng(5);
    const a = draw(p.split(), 20_000);
    const b = draw(p.split(), 20_000);
    const ma = a.reduce((s, x) => s + x, 0) / a.length;
    const mb = b.reduce((s, x) => s + x, 0) / b.length;
    let cov = 0;
    let va = 0;
    let vb = 0;
    for (let i = 0; i < a.length; i++) {
      cov += (a[i]! - ma) * (b[i]! - mb);
      va += (a[i]! - ma) ** 2;
      vb += (b[i]! - mb) ** 2;
    }
    // standard error 1/√20000 ≈ 0.007
    expect(Math.abs(cov / Math.sqrt(va * vb))).toBeLessThan(0.035);
  });
});
