/**
 * inflate.ts, the platform-free zlib inflate of TIFF's Deflate strips: the bytes zlib gives,
 * zlib's Adler-32, and an error (never a short or wrong result) for a cut, damaged or
 * foreign stream.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as zlib from 'node:zlib';
import { adler32, inflateZlib } from '../../src/data/inflate.js';

describe('inflateZlib', () => {
  it('inflates what zlib deflates (any level), and its Adler-32 is zlib’s', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.integer({ min: 0, max: 9 }), (bytes, level) => {
        const z = zlib.deflateSync(bytes, { level });
        expect(inflateZlib(z)).toEqual(bytes);
        expect(adler32(bytes)).toBe(z.readUInt32BE(z.length - 4));
      }),
      { numRuns: 60 },
    );
    const big = new Uint8Array(3 << 20).map((_, i) => (i * 7919) % 251); // more than 5552 bytes per modulo: the sums stay exact
    expect(adler32(big)).toBe(zlib.deflateSync(big, { level: 1 }).readUInt32BE(zlib.deflateSync(big, { level: 1 }).length - 4));
  });

  it('a cut, bit-flipped or foreign stream is an error, never a result', () => {
    const raw = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);
    const z = zlib.deflateSync(raw);
    for (let cut = 1; cut < z.length; cut++) expect(() => inflateZlib(z.subarray(0, z.length - cut)), `cut ${cut}`).toThrow();
    for (let i = 2; i < z.length; i++) {
      const bad = Uint8Array.from(z);
      bad[i]! ^= 0x04;
      let out: Uint8Array | undefined;
      try {
        out = inflateZlib(bad);
      } catch {
        continue;
      }
      expect(out, `flip at byte ${i} gave a result`).toEqual(raw); // only a flip that changes nothing may pass
    }
    expect(() => inflateZlib(z.subarray(0, z.length - 5))).toThrow('unexpected end of file');
    expect(() => inflateZlib(zlib.deflateRawSync(raw))).toThrow('incorrect header check');
    expect(() => inflateZlib(zlib.gzipSync(raw))).toThrow('incorrect header check');
  });
});
