import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng } from '../../src/plot/png.js';

describe('PNG', () => {
  it('writes a PNG that decodes to the same pixels', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.infiniteStream(fc.integer({ min: 0, max: 255 })), (width, height, values) => {
        const data = Uint8Array.from(values.take(width * height * 3));
        const bytes = encodePng({ width, height, data });
        expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        expect(decodePng(bytes)).toEqual({ width, height, data });
      }),
      { numRuns: 30 },
    );
  });
});
