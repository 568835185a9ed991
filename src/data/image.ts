/**
 * The in-memory image of the data module: channel-planar float32 (CHW), exactly the
 * layout of one item of an NCHW tensor, so `toTensor` is a reshape, not a transpose.
 *
 * Intensities are kept raw on reading (0…255 for 8-bit, 0…65535 for 16-bit, floats as
 * stored) together with the file's bit depth; `normalize` turns them into network input.
 *
 * Why not one type with plot's `Raster`: an `Image` is data for the network (any channel
 * count, float values of any range, planar), a `Raster` is an 8-bit interleaved RGB
 * picture for people, drawn into by src/plot. Data becomes a picture one way only
 * (`rasterOf`, `heatmap`, `overlay` in src/plot); no code turns a picture back into data.
 *
 * @example
 * import { image, toTensor, normalize } from './image.js';
 * const img = image(2, 1, 1, Float32Array.of(0, 255));
 * toTensor(normalize('per-image')(img)).shape; // [1, 1, 1, 2]
 */
import { unsafeTensor, type Tensor } from '../tensor/tensor.js';

export interface Image {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** channels × height × width values, channel-planar: data[(c·H + y)·W + x]. */
  readonly data: Float32Array;
}

/** How intensities become network input; see `normalize`. */
export type NormalizeMode = 'per-image' | 'range' | 'none';

/**
 * An image over existing data (no copy; the caller hands the buffer over).
 * Throws when the data length is not width × height × channels (a programming error).
 *
 * @example
 * image(3, 2, 1, new Float32Array(6));
 */
export const image = (width: number, height: number, channels: number, data: Float32Array): Image => {
  if (data.length !== width * height * channels) {
    throw new Error(`image: ${data.length} values for ${width}×${height}×${channels}`);
  }
  return { width, height, channels, data };
};

/**
 * The image as a [1, C, H, W] tensor. Shares nothing: the data is copied, so the tensor
 * and the image stay independent.
 *
 * @example
 * toTensor(image(4, 3, 1, new Float32Array(12))).shape; // [1, 1, 3, 4]
 */
export const toTensor = (img: Image): Tensor =>
  unsafeTensor([1, img.channels, img.height, img.width], Float32Array.from(img.data));

/**
 * Item `n` of an NCHW tensor as an image (copied).
 *
 * @example
 * fromTensor(toTensor(img)); // equal to img
 */
export const fromTensor = (t: Tensor, n = 0): Image => {
  const [, c, h, w] = t.shape;
  const len = c * h * w;
  return image(w, h, c, t.data.slice(n * len, (n + 1) * len));
};

/**
 * One channel of an image (copied).
 *
 * @example
 * declare const rgb: Image; // 3 channels
 * channel(1)(rgb).channels; // 1 (the green plane)
 */
export const channel = (c: number) => (img: Image): Image => {
  const len = img.width * img.height;
  return image(img.width, img.height, 1, img.data.slice(c * len, (c + 1) * len));
};

/**
 * Luminance of an RGB image (ITU-R BT.601 luma weights 0.299, 0.587, 0.114, the usual
 * grey conversion of image libraries). One-channel images are returned unchanged.
 *
 * @example
 * luminance(image(1, 1, 3, Float32Array.of(255, 255, 255))).data; // [255]
 */
export const luminance = (img: Image): Image => {
  if (img.channels === 1) return img;
  if (img.channels !== 3) throw new Error(`luminance: ${img.channels} channels, expected 1 or 3`);
  const len = img.width * img.height;
  const out = new Float32Array(len);
  const d = img.data;
  for (let i = 0; i < len; i++) out[i] = 0.299 * d[i]! + 0.587 * d[len + i]! + 0.114 * d[2 * len + i]!;
  return image(img.width, img.height, 1, out);
};

/** Mean and (population) standard deviation of a run of values. */
const moments = (d: Float32Array, from: number, to: number): { mean: number; std: number } => {
  let s = 0;
  for (let i = from; i < to; i++) s += d[i]!;
  const mean = s / Math.max(1, to - from);
  let v = 0;
  for (let i = from; i < to; i++) v += (d[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / Math.max(1, to - from)) };
};

/**
 * Intensity normalisation, per channel:
 * - `'per-image'` (default for training): x ↦ (x − μ)/σ with the channel's own mean μ and
 *   standard deviation σ, so every image enters the network at zero mean and unit
 *   variance whatever its exposure or bit depth (a constant channel only loses its mean);
 * - `'range'`: x ↦ x / max, with max the largest value of the bit depth (2^bits − 1, pass
 *   it as `max`), or, when `max` is not given, (x − min)/(max − min) of the image → [0, 1];
 * - `'none'`: the raw values.
 *
 * @example
 * normalize('range', 255)(image(2, 1, 1, Float32Array.of(0, 255))).data; // [0, 1]
 */
export const normalize =
  (mode: NormalizeMode = 'per-image', max?: number) =>
  (img: Image): Image => {
    if (mode === 'none') return img;
    const out = new Float32Array(img.data.length);
    const len = img.width * img.height;
    for (let c = 0; c < img.channels; c++) {
      const from = c * len;
      let shift: number;
      let scale: number;
      if (mode === 'per-image') {
        const m = moments(img.data, from, from + len);
        shift = m.mean;
        scale = m.std > 0 ? 1 / m.std : 1;
      } else if (max !== undefined) {
        shift = 0;
        scale = 1 / max;
      } else {
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = from; i < from + len; i++) {
          lo = Math.min(lo, img.data[i]!);
          hi = Math.max(hi, img.data[i]!);
        }
        shift = lo;
        scale = hi > lo ? 1 / (hi - lo) : 1;
      }
      for (let i = from; i < from + len; i++) out[i] = (img.data[i]! - shift) * scale;
    }
    return image(img.width, img.height, img.channels, out);
  };

/** What a decoder returns: the raw intensities and how they were stored. */
export interface RawImage {
  readonly image: Image;
  /** Bits per sample in the file (1, 2, 4, 8, 16 or 32). */
  readonly bitDepth: number;
  /** Unsigned integers, signed integers or IEEE floats. */
  readonly sampleFormat: 'uint' | 'int' | 'float';
}

/**
 * The largest value of an unsigned bit depth (2^bits − 1), undefined for int and float.
 *
 * @example
 * import { readPng } from './png.js';
 * maxValue(readPng('a.png')); // 255 for an 8-bit PNG
 */
export const maxValue = (raw: RawImage): number | undefined =>
  raw.sampleFormat === 'uint' ? 2 ** raw.bitDepth - 1 : undefined;
