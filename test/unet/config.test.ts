import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { channelsAt, decodeConfig, isPresetName, PRESETS, type UNetConfig } from '../../src/unet/config.js';
import { initParams, parameterCount, paramSpecs } from '../../src/unet/params.js';
import { validAbove } from '../../src/unet/geometry.js';
import { size } from '../../src/tensor/tensor.js';

const FIELDS = ['inChannels', 'classes', 'depth', 'base', 'dropout', 'padding', 'tile'] as const;
type Field = (typeof FIELDS)[number];

const BAD: Record<Field, readonly unknown[]> = {
  inChannels: [0, -1, 65, 1.5, '1', null],
  classes: [1, 0, 257, 2.5, '2'],
  depth: [0, 7, 3.5, '4', -4],
  base: [0, 1025, 64.5, true],
  dropout: [1, -0.1, 1.5, '0.5', NaN],
  padding: ['full', 'VALID', 0, null],
  tile: [0, 1.5, 100001, '572', -572],
};

const configArb: fc.Arbitrary<UNetConfig> = fc
  .record({
    inChannels: fc.integer({ min: 1, max: 64 }),
    classes: fc.integer({ min: 2, max: 256 }),
    depth: fc.integer({ min: 1, max: 5 }),
    base: fc.integer({ min: 1, max: 1024 }),
    dropout: fc.double({ min: 0, max: 0.99, noNaN: true }),
    padding: fc.constantFrom('valid' as const, 'same' as const),
    near: fc.integer({ min: 1, max: 2000 }),
  })
  .map(({ near, ...c }) => ({ ...c, tile: validAbove({ depth: c.depth, padding: c.padding }, near) }));

/** Bitwise equality of two float arrays (fast, unlike a deep toEqual). */
const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const leftOf = (r: E.Either<string, UNetConfig>): string => {
  if (E.isRight(r)) throw new Error(`accepted ${JSON.stringify(r.right)}`);
  return r.left;
};

describe('decodeConfig', () => {
  it('accepts the presets unchanged', () => {
    for (const [name, p] of Object.entries(PRESETS)) {
      expect(isPresetName(name)).toBe(true);
      expect(decodeConfig(p)).toEqual(E.right(p));
    }
    expect(isPresetName('huge')).toBe(false);
  });

  it('accepts any well-formed configuration with a valid tile', () => {
    fc.assert(
      fc.property(configArb, (c) => {
        expect(decodeConfig(JSON.parse(JSON.stringify(c)))).toEqual(E.right(c));
      }),
    );
  });

  it('rejects a bad field with a message naming that field (and no other) and the bad value', () => {
    for (const field of FIELDS) {
      for (const v of BAD[field]) {
        const msg = leftOf(decodeConfig({ ...PRESETS.paper, [field]: v }, 'model.json'));
        expect(msg).toMatch(/^model\.json: invalid model configuration: /);
        expect(msg).toContain(`${field}: got ${JSON.stringify(v)}, expected `);
        for (const other of FIELDS) if (other !== field) expect(msg).not.toContain(`${other}:`);
      }
    }
  });

  it('names every bad or missing field', () => {
    const { tile: _tile, ...noTile } = PRESETS.paper;
    expect(leftOf(decodeConfig(noTile))).toContain('tile: got nothing (missing)');
    const msg = leftOf(decodeConfig({ ...PRESETS.paper, depth: 9, padding: 'full' }));
    expect(msg).toContain('depth: got 9');
    expect(msg).toContain('padding: got "full"');
    expect(leftOf(decodeConfig(null))).toContain('got null, expected an object with fields inChannels');
    expect(leftOf(decodeConfig([1, 2]))).toContain('expected an object');
  });

  it('rejects an invalid tile naming the nearest valid sizes', () => {
    expect(leftOf(decodeConfig({ ...PRESETS.paper, tile: 570 }, 'cfg'))).toMatch(/^cfg: .*tile size 570 is not valid.*556 or 572/);
    expect(leftOf(decodeConfig({ ...PRESETS.tiny, tile: 90 }))).toMatch(/tile size 90 .*92 \(the smallest valid size\)/);
    expect(leftOf(decodeConfig({ ...PRESETS.paper, padding: 'same', tile: 572 }))).toMatch(/560 or 576/);
    expect(decodeConfig({ ...PRESETS.paper, padding: 'same', tile: 576 })).toEqual(E.right({ ...PRESETS.paper, padding: 'same', tile: 576 }));
  });
});

/** Parameter count written out level by level (independent of paramSpecs). */
const countByHand = (c: UNetConfig): number => {
  const ch = (i: number): number => c.base * 2 ** i;
  const conv = (cin: number, cout: number, k: number): number => cin * cout * k * k + cout;
  let total = 0;
  for (let i = 0; i < c.depth; i++) total += conv(i === 0 ? c.inChannels : ch(i - 1), ch(i), 3) + conv(ch(i), ch(i), 3);
  total += conv(ch(c.depth - 1), ch(c.depth), 3) + conv(ch(c.depth), ch(c.depth), 3);
  for (let i = 0; i < c.depth; i++) total += ch(i + 1) * ch(i) * 4 + ch(i) + conv(2 * ch(i), ch(i), 3) + conv(ch(i), ch(i), 3);
  return total + conv(ch(0), c.classes, 1);
};

describe('parameters', () => {
  it('the paper network has 31,030,658 parameters; small 1,940,834', () => {
    expect(parameterCount(PRESETS.paper)).toBe(31_030_658);
    expect(parameterCount(PRESETS.small)).toBe(1_940_834);
    expect(parameterCount(PRESETS.tiny)).toBe(countByHand(PRESETS.tiny));
  });

  it('parameterCount agrees with the count written out by hand', () => {
    fc.assert(
      fc.property(configArb, (c) => {
        expect(parameterCount(c)).toBe(countByHand(c));
      }),
    );
  });

  it('paramSpecs: 23 conv layers at depth 4 (18 3×3, 4 up-convs, one 1×1); 5·depth + 3 in general', () => {
    const specs = paramSpecs(PRESETS.paper);
    const weights = specs.filter((p) => p.name.endsWith('.weight'));
    expect(weights).toHaveLength(23);
    expect(weights.filter((p) => p.shape[2] === 3)).toHaveLength(18);
    expect(weights.filter((p) => p.name.includes('upconv'))).toHaveLength(4);
    expect(weights.filter((p) => p.shape[2] === 1)).toHaveLength(1);
    expect(specs.filter((p) => p.name.endsWith('.bias'))).toHaveLength(23);
    expect(specs[0]).toEqual({ name: 'down.0.conv1.weight', shape: [64, 1, 3, 3], fanIn: 9 });
    expect(specs.find((p) => p.name === 'bottom.conv2.weight')).toEqual({ name: 'bottom.conv2.weight', shape: [1024, 1024, 3, 3], fanIn: 9 * 1024 });
    expect(specs.find((p) => p.name === 'up.3.upconv.weight')).toEqual({ name: 'up.3.upconv.weight', shape: [1024, 512, 2, 2], fanIn: 1024 });
    expect(specs.find((p) => p.name === 'up.0.conv1.weight')).toEqual({ name: 'up.0.conv1.weight', shape: [64, 128, 3, 3], fanIn: 9 * 128 });
    expect(specs.at(-2)).toEqual({ name: 'out.weight', shape: [2, 64, 1, 1], fanIn: 64 });
    fc.assert(
      fc.property(configArb, (c) => {
        const s = paramSpecs(c);
        expect(s.filter((p) => p.name.endsWith('.weight'))).toHaveLength(5 * c.depth + 3);
        expect(new Set(s.map((p) => p.name)).size).toBe(s.length);
        for (const p of s) {
          if (p.name.endsWith('.bias')) {
            expect(p.fanIn).toBe(0);
            expect([p.shape[0], p.shape[2], p.shape[3]]).toEqual([1, 1, 1]);
          } else if (p.name.includes('upconv')) expect(p.fanIn).toBe(p.shape[0]);
          else expect(p.fanIn).toBe(p.shape[1] * p.shape[2] * p.shape[3]);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('channelsAt doubles per level', () => {
    expect([0, 1, 2, 3, 4].map((l) => channelsAt(PRESETS.paper, l))).toEqual([64, 128, 256, 512, 1024]);
  });
});

describe('initParams', () => {
  it('is deterministic per seed, differs between seeds and between layers, and matches paramSpecs', () => {
    const c = PRESETS.tiny;
    const a = initParams(c, 1);
    const b = initParams(c, 1);
    const d = initParams(c, 2);
    const specs = paramSpecs(c);
    expect(Object.keys(a)).toEqual(specs.map((p) => p.name));
    for (const p of specs) {
      const t = a[p.name]!;
      expect(t.shape).toEqual(p.shape);
      expect(t.data.length).toBe(size(p.shape));
      expect(sameBits(b[p.name]!.data, t.data), p.name).toBe(true);
      if (p.fanIn > 0) expect(sameBits(d[p.name]!.data, t.data), p.name).toBe(false);
    }
    // each tensor draws from its own stream: same-shaped layers differ
    expect(a['down.2.conv2.weight']!.shape).toEqual(a['up.2.conv2.weight']!.shape);
    expect(sameBits(a['down.2.conv2.weight']!.data, a['up.2.conv2.weight']!.data)).toBe(false);
  });

  it('biases are zero and weights have mean ≈ 0, std ≈ √(2/N) (N = fan-in)', () => {
    const c = PRESETS.small;
    const params = initParams(c, 7);
    let checked = 0;
    for (const p of paramSpecs(c)) {
      const d = params[p.name]!.data;
      if (p.fanIn === 0) {
        expect(d.every((v) => v === 0), p.name).toBe(true);
        continue;
      }
      expect(d.some((v) => v !== 0), p.name).toBe(true);
      if (d.length < 20_000) continue;
      const mean = d.reduce((s, v) => s + v, 0) / d.length;
      const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
      const want = Math.sqrt(2 / p.fanIn);
      expect(Math.abs(std / want - 1), p.name).toBeLessThan(0.03);
      expect(Math.abs(mean), p.name).toBeLessThan(0.05 * want);
      checked++;
    }
    // bottom.conv2 of small is 256×256×3×3 = 589,824 values: std within 1 %
    const big = params['bottom.conv2.weight']!.data;
    const std = Math.sqrt(big.reduce((s, v) => s + v * v, 0) / big.length);
    expect(Math.abs(std / Math.sqrt(2 / (9 * 256)) - 1)).toBeLessThan(0.01);
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});
