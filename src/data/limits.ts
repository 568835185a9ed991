/**
 * Limits and checks shared by the image decoders (PNG, TIFF): the largest image they
 * decode, and the search for the first non-finite pixel.
 *
 * Why a pixel limit: a PNG or TIFF header states the image size, and a 1 KB file can
 * claim 30000 × 30000 pixels (a decompression bomb) that would take gigabytes and minutes
 * to inflate and convert before anything could notice the file is bogus. The decoders
 * check the size from the header BEFORE allocating or inflating anything.
 *
 * @example
 * import { DEFAULT_MAX_PIXELS, checkPixelCount } from './limits.js';
 * checkPixelCount(512, 512, DEFAULT_MAX_PIXELS); // undefined: fine
 * checkPixelCount(30000, 30000, DEFAULT_MAX_PIXELS); // '30000×30000 = 900000000 pixels exceeds …'
 */

/**
 * The default largest image (width × height) the decoders accept: 2^28 = 268 435 456
 * pixels, e.g. 16384 × 16384, which already takes 1 GiB per channel as float32.
 * Raise it per call with the `maxPixels` option of `readImage` / `decodeImage`.
 *
 * @example
 * readImage('huge.tif', { maxPixels: 2 * DEFAULT_MAX_PIXELS });
 */
export const DEFAULT_MAX_PIXELS = 2 ** 28;

const showLimit = (max: number): string => (max === DEFAULT_MAX_PIXELS ? `${max} (2^28, the default)` : String(max));

/**
 * Why a width × height image is refused under the limit `max` (without the file name),
 * or undefined when it is within it. Also refuses a limit that is not a positive number.
 *
 * @example
 * checkPixelCount(100000, 100000, 2 ** 28); // '100000×100000 = 10000000000 pixels exceeds …'
 */
export const checkPixelCount = (width: number, height: number, max: number): string | undefined => {
  if (!(max > 0)) return `maxPixels ${max} is not a positive number`;
  const n = width * height;
  if (n <= max) return undefined;
  return `${width}×${height} = ${n} pixels exceeds the limit of ${showLimit(max)} pixels (a damaged header or a decompression bomb?); pass a larger maxPixels to read it`;
};

/**
 * The first non-finite value of channel-planar data as (x, y, channel) and the value, or
 * undefined when every value is finite. One pass, no allocation: cheap enough to run on
 * every decoded image.
 *
 * @example
 * firstNonFinite(Float32Array.of(1, NaN), 2, 1); // { x: 1, y: 0, channel: 0, value: NaN }
 */
export const firstNonFinite = (
  data: ArrayLike<number>,
  width: number,
  height: number,
): { readonly x: number; readonly y: number; readonly channel: number; readonly value: number } | undefined => {
  const plane = width * height;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // v − v is 0 for every finite v and NaN for NaN and ±Infinity
    if (v - v !== 0) {
      const c = Math.floor(i / plane);
      const r = i - c * plane;
      return { x: r % width, y: Math.floor(r / width), channel: c, value: v };
    }
  }
  return undefined;
};

/**
 * "pixel (x=3, y=1, channel 0) is NaN" for a non-finite value found by `firstNonFinite`.
 *
 * @example
 * describeNonFinite({ x: 3, y: 1, channel: 0, value: Infinity }); // 'pixel (x=3, y=1, channel 0) is Infinity'
 */
export const describeNonFinite = (p: { readonly x: number; readonly y: number; readonly channel: number; readonly value: number }): string =>
  `pixel (x=${p.x}, y=${p.y}, channel ${p.channel}) is ${p.value}`;
