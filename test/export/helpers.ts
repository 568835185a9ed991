/**
 * Shared by the export tests: onnxruntime on one thread (the machine is shared), unet-ts's own
 * logits on the webasm backend, real image tiles when ../shared/data is there (synthetic ones
 * otherwise), and the error measures the comparisons report.
 */
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { inferenceCtx } from '../../src/autodiff/tape.js';
import { readImage } from '../../src/data/image-file.js';
import { normalize, type Image } from '../../src/data/image.js';
import { synthetic } from '../../src/data/synthetic.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { ModelData } from '../../src/unet/checkpoint.js';
import { predictLogits } from '../../src/unet/model.js';
import { hasSharedData, SHARED_DATA } from '../data/helpers.js';

/**
 * Runs an ONNX file on one input [N, C, H, W]; returns the first output as a Tensor. `quiet`:
 * onnxruntime logs only fatal errors (for runs expected to fail).
 */
export const runOnnx = async (bytes: Uint8Array, x: Tensor, quiet = false): Promise<Tensor> => {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: quiet ? 4 : 2 });
  try {
    const input = new ort.Tensor('float32', x.data, [...x.shape]);
    const out = await session.run({ [session.inputNames[0]!]: input });
    const y = out[session.outputNames[0]!]!;
    const dims = y.dims.map(Number);
    return { shape: [dims[0]!, dims[1]!, dims[2]!, dims[3]!], data: y.data as Float32Array };
  } finally {
    await session.release();
  }
};

/** unet-ts's logits for `x` (no tape). */
export const unetLogits = (rt: Runtime, model: ModelData, x: Tensor): Promise<Tensor> => predictLogits(inferenceCtx(rt), model.config, model.params, x);

/** Max |a − b| over all elements. */
export const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** Per-pixel argmax over the classes of logits [1, K, H, W]. */
export const argmax = (t: Tensor): Uint8Array => {
  const [, k, h, w] = t.shape;
  const out = new Uint8Array(h * w);
  for (let i = 0; i < h * w; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (t.data[c * h * w + i]! > t.data[best * h * w + i]!) best = c;
    out[i] = best;
  }
  return out;
};

/** The top-left `h` × `w` of an image as a [1, C, h, w] tensor. */
export const cropTensor = (img: Image, h: number, w: number): Tensor => {
  if (img.width < w || img.height < h) throw new Error(`cropTensor: image ${img.width}×${img.height} is smaller than ${w}×${h}`);
  const data = new Float32Array(img.channels * h * w);
  for (let c = 0; c < img.channels; c++)
    for (let y = 0; y < h; y++) data.set(img.data.subarray(c * img.width * img.height + y * img.width, c * img.width * img.height + y * img.width + w), c * h * w + y * w);
  return { shape: [1, img.channels, h, w], data };
};

/** The real image of each shipped model's data set that the tests use (as test/unet/bundled-models.test.ts). */
const SAMPLE_FILES = { isbi2012: join(SHARED_DATA, 'isbi2012/images/22.png'), dsb2018: join(SHARED_DATA, 'dsb2018/images/06c779330d6d.png') } as const;

/** A real image of each shipped model's data set when ../shared/data is there, else a synthetic one; normalised as unet-ts does. */
export const sampleImage = (set: keyof typeof SAMPLE_FILES): { image: Image; source: string } => {
  const file = SAMPLE_FILES[set];
  if (hasSharedData) return { image: readImage(file, { grey: true, normalize: 'per-image' }), source: file };
  return { image: normalize('per-image')(synthetic({ width: 400, height: 400 })(7).image), source: 'synthetic(7)' };
};

/** As `sampleImage`, in raw intensities (no normalisation): what a bioimage.io test input holds. */
export const rawSampleImage = (set: keyof typeof SAMPLE_FILES): { image: Image; source: string } => {
  const file = SAMPLE_FILES[set];
  if (hasSharedData) return { image: readImage(file, { grey: true, normalize: 'none' }), source: file };
  return { image: synthetic({ width: 400, height: 400 })(7).image, source: 'synthetic(7)' };
};
