/**
 * PNG encoding of rasters (via pngjs: 8-bit RGBA, opaque), and decoding back, for tests and
 * for reading images into plots.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { encodePng, raster } from './index.js';
 * writeFileSync('blank.png', encodePng(raster(64, 64)));
 */
import { PNG } from 'pngjs';
import type { Raster } from './raster.js';

/**
 * The PNG file bytes of a raster.
 *
 * @example
 * encodePng(raster(1, 1)).subarray(1, 4).toString(); // "PNG"
 */
export const encodePng = (r: Raster): Buffer => {
  const png = new PNG({ width: r.width, height: r.height });
  for (let i = 0; i < r.width * r.height; i++) {
    png.data[4 * i] = r.data[3 * i]!;
    png.data[4 * i + 1] = r.data[3 * i + 1]!;
    png.data[4 * i + 2] = r.data[3 * i + 2]!;
    png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png);
};

/**
 * A raster from PNG bytes (alpha is dropped, not composited). Throws on invalid PNG data.
 *
 * @example
 * decodePng(encodePng(r)); // same pixels as r
 */
export const decodePng = (bytes: Buffer | Uint8Array): Raster => {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const data = new Uint8Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) {
    data[3 * i] = png.data[4 * i]!;
    data[3 * i + 1] = png.data[4 * i + 1]!;
    data[3 * i + 2] = png.data[4 * i + 2]!;
  }
  return { width: png.width, height: png.height, data };
};
