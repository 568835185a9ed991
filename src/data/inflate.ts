/**
 * A strict zlib inflate with no Node built-in (fflate underneath), for decoders that run in
 * the browser too (TIFF's Deflate strips, tiff-decode.ts): the two-byte header is checked,
 * the stream must end with its final block, and the Adler-32 of what it inflates to must
 * match the stored one (fflate skips that check). An error's message says what is wrong,
 * in zlib's words where zlib has them ("unexpected end of file", "incorrect data check").
 *
 * @example
 * import { zlibSync } from 'fflate';
 * inflateZlib(zlibSync(Uint8Array.of(1, 2, 3))); // Uint8Array [1, 2, 3]
 */
import { inflateSync } from 'fflate';

/**
 * Adler-32 of `bytes` (RFC 1950).
 *
 * @example
 * adler32(new TextEncoder().encode('Wikipedia')); // 0x11e60398
 */
export const adler32 = (bytes: Uint8Array): number => {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    // 5552 bytes keep both sums below 2^32 before the modulo (zlib's NMAX)
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) (a += bytes[i]!), (b += a);
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
};

/**
 * The bytes a zlib stream (RFC 1950) inflates to; throws an Error naming the damage.
 *
 * @example
 * import { zlibSync } from 'fflate';
 * inflateZlib(zlibSync(new Uint8Array(100))).length; // 100
 */
export const inflateZlib = (z: Uint8Array): Uint8Array => {
  if (z.length < 2) throw new Error('unexpected end of file');
  const cmf = z[0]!;
  const flg = z[1]!;
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) throw new Error('incorrect header check');
  if (flg & 32) throw new Error('a preset dictionary is not supported');
  if (z.length < 6) throw new Error('unexpected end of file');
  let out: Uint8Array;
  try {
    out = inflateSync(z.subarray(2, z.length - 4));
  } catch (e) {
    const code = (e as { code?: number }).code;
    throw new Error(code === 0 ? 'unexpected end of file' : (e as Error).message);
  }
  const stored = ((z[z.length - 4]! << 24) | (z[z.length - 3]! << 16) | (z[z.length - 2]! << 8) | z[z.length - 1]!) >>> 0;
  if (adler32(out) !== stored) throw new Error('incorrect data check');
  return out;
};
