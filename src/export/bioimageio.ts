/**
 * A bioimage.io model package (format 0.5): the zip that deepImageJ (Fiji), ilastik, QuPath
 * and the `bioimageio` Python tools open. It holds
 * - `rdf.yaml`, the model description (./bioimageio-rdf.ts), written with the `yaml` package,
 *   every string value double-quoted: a YAML 1.1 reader (PyYAML) would otherwise read the
 *   plain ISO timestamp as a datetime, which the format's JSON schema rejects;
 * - `weights.onnx`, the network with a softmax output (./onnx.ts) and its sha256;
 * - `test_input.npy` / `test_output.npy` (./npy.ts): a tile of a sample image in its raw
 *   intensities, and the probabilities unet-ts computes for it after its own per-image
 *   normalisation — what a consumer must reproduce (the spec's test tensors);
 * - `cover.png`: that tile's prediction drawn by the repository's overlay and heat-map code;
 * - `documentation.md` (the model card when there is one) and any attachments.
 *
 * Zipped with fflate: a maintained, dependency-free, pure-JavaScript zip writer with a
 * synchronous API (yazl streams and would need stream plumbing for an in-memory archive); the
 * entries' times are fixed so that the same inputs give the same bytes.
 */
import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import { stringify } from 'yaml';
import { inferenceCtx } from '../autodiff/tape.js';
import { image, normalize, toTensor, type Image } from '../data/image.js';
import { encodeRgbPng } from '../data/png.js';
import { displayGrey } from '../infer/outputs.js';
import { heatmap } from '../plot/colormap.js';
import { overlay, sideBySide } from '../plot/overlay.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ModelData } from '../unet/checkpoint.js';
import { validBelow } from '../unet/geometry.js';
import { predictLogits } from '../unet/model.js';
import { bioimageioRdf, type Author, type BioimageioRdf, type PackagedFile } from './bioimageio-rdf.js';
import { encodeNpy } from './npy.js';
import { exportOnnx, unetTsVersion } from './onnx.js';
import { inputSizes } from './onnx-input.js';

/** The largest test tile: enough context for a meaningful cover, small enough to keep the package light. */
const MAX_TEST_TILE = 380;

export interface BioimageioOptions {
  /** 5 to 128 letters, digits, spaces, `_ - ( )`. */
  readonly name: string;
  readonly description: string;
  readonly authors: readonly Author[];
  /** SPDX identifier (default 'MIT', the licence of unet-ts and its shipped models). */
  readonly license?: string;
  /** Added to 'unet', 'unet2d', 'segmentation', 'onnx', 'unet-ts'. */
  readonly tags?: readonly string[];
  /** An image in raw intensities (any size ≥ the smallest valid tile): its centre becomes the test tensors and the cover. */
  readonly sample: Image;
  /** Markdown (the model card); default: a description generated from the config. */
  readonly documentation?: string;
  /** Further files by name, e.g. the model card's JSON. */
  readonly attachments?: Readonly<Record<string, Uint8Array>>;
  /** ISO 8601 (default: now). */
  readonly timestamp?: string;
  /** Kept in rdf.yaml under config.unet-ts and in weights.onnx's metadata (e.g. source, source_sha256). */
  readonly provenance?: Readonly<Record<string, string>>;
}

export interface BioimageioPackage {
  /** File name → bytes, rdf.yaml first. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly rdf: BioimageioRdf;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The centre `s` × `s` of an image, all channels. */
const centre = (img: Image, s: number): Image => {
  const [x0, y0] = [Math.floor((img.width - s) / 2), Math.floor((img.height - s) / 2)];
  const out = new Float32Array(img.channels * s * s);
  for (let c = 0; c < img.channels; c++)
    for (let y = 0; y < s; y++) {
      const from = c * img.width * img.height + (y0 + y) * img.width + x0;
      out.set(img.data.subarray(from, from + s), c * s * s + y * s);
    }
  return image(s, s, img.channels, out);
};

/** Softmax over the channels of logits [1, K, H, W] (float64 sums, float32 result). */
const softmax = (data: Float32Array, k: number, hw: number): Float32Array => {
  const out = new Float32Array(data.length);
  for (let i = 0; i < hw; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, data[c * hw + i]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(data[c * hw + i]! - max);
    for (let c = 0; c < k; c++) out[c * hw + i] = Math.exp(data[c * hw + i]! - max) / sum;
  }
  return out;
};

/** Per pixel, the class with the highest probability. */
const argmax = (p: Float32Array, k: number, hw: number): Uint8Array => {
  const out = new Uint8Array(hw);
  for (let i = 0; i < hw; i++) for (let c = 1; c < k; c++) if (p[c * hw + i]! > p[out[i]! * hw + i]!) out[i] = c;
  return out;
};

const generatedDocs = (m: ModelData, o: BioimageioOptions): string => {
  const { config: c } = m;
  const { min, step, halo } = inputSizes(c);
  return [
    `# ${o.name}`,
    '',
    o.description,
    '',
    `U-Net (Ronneberger, Fischer, Brox, MICCAI 2015) trained with unet-ts: depth ${c.depth}, ${c.base} base channels, ${c.padding} 3×3 convolutions, ${c.inChannels} input channel(s), ${c.classes} classes.`,
    '',
    `- Input: y and x each ${min} + ${step}k pixels; each image normalised per channel to zero mean and unit variance (over the whole image, before tiling).`,
    `- Output: softmax probabilities of the ${c.classes} classes, ${halo} px smaller than the input on each side.`,
    '',
  ].join('\n');
};

/**
 * The files of a bioimage.io package for `model`; the test output is computed on `rt`.
 *
 * @example
 * import { bioimageioPackage, bundledModel, loadCheckpoint, readImage, zipPackage } from 'unet-ts';
 * import { writeFileSync } from 'node:fs';
 * const model = await loadCheckpoint(bundledModel('dsb2018-small'));
 * const sample = readImage('nuclei.png', { grey: true, normalize: 'none' }); // raw intensities
 * const pkg = await bioimageioPackage(rt, model, { name: 'dsb2018-small', description: 'Nuclei vs background', authors: [{ name: 'A. Person' }], sample });
 * writeFileSync('dsb2018-small.zip', zipPackage(pkg));
 */
export const bioimageioPackage = async (rt: Runtime, model: ModelData, o: BioimageioOptions): Promise<BioimageioPackage> => {
  const { config } = model;
  const { sample } = o;
  if (sample.channels !== config.inChannels) throw new Error(`bioimageioPackage: the sample image has ${sample.channels} channel(s), the model takes ${config.inChannels}`);
  const { min, halo } = inputSizes(config);
  const s = validBelow(config, Math.min(sample.width, sample.height, MAX_TEST_TILE));
  if (s === undefined || s < min) throw new Error(`bioimageioPackage: the sample image is ${sample.width}×${sample.height}; expected at least ${min}×${min} (the smallest valid tile)`);
  const raw = centre(sample, s);
  const logits = await predictLogits(inferenceCtx(rt), config, model.params, toTensor(normalize('per-image')(raw)));
  const [, k, h, w] = logits.shape;
  const probs = softmax(logits.data, k, h * w);
  const grey = centre(raw, h);
  const cover = sideBySide([overlay(displayGrey(grey), w, h, argmax(probs, k, h * w)), heatmap(probs.subarray((k - 1) * h * w), w, h, { min: 0, max: 1 })], 8);

  const provenance = { unet_ts_version: unetTsVersion(), ...o.provenance };
  const files = new Map<string, Uint8Array>([
    ['weights.onnx', await exportOnnx(model, { output: 'probabilities', metadata: provenance })],
    ['test_input.npy', encodeNpy([1, config.inChannels, s, s], raw.data)],
    ['test_output.npy', encodeNpy([1, k, h, w], probs)],
    ['cover.png', encodeRgbPng(cover)],
    ['documentation.md', new TextEncoder().encode(o.documentation ?? generatedDocs(model, o))],
    ...Object.entries(o.attachments ?? {}),
  ]);
  const file = (source: string): PackagedFile => ({ source, sha256: sha256(files.get(source)!) });
  const rdf = bioimageioRdf({
    config,
    name: o.name,
    description: o.description,
    authors: o.authors,
    license: o.license ?? 'MIT',
    tags: [...new Set(['unet', 'unet2d', 'segmentation', 'onnx', 'unet-ts', ...(o.tags ?? [])])],
    timestamp: o.timestamp ?? new Date().toISOString(),
    weights: file('weights.onnx'),
    testInput: file('test_input.npy'),
    testOutput: file('test_output.npy'),
    cover: 'cover.png',
    documentation: 'documentation.md',
    attachments: Object.keys(o.attachments ?? {}).map(file),
    provenance: { ...provenance, test_tile: `${s}x${s} from the centre of the sample, halo ${halo}` },
  });
  return { files: new Map([['rdf.yaml', new TextEncoder().encode(stringify(rdf, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }))], ...files]), rdf };
};

/** Entry time of every zipped file (fixed: the same package gives the same bytes). */
const ZIP_TIME = new Date('2000-01-01T00:00:00Z');

/**
 * A package as zip bytes (deflate), its files at the archive's root as bioimage.io expects.
 *
 * @example
 * import { zipPackage, type BioimageioPackage } from 'unet-ts';
 * declare const pkg: BioimageioPackage;
 * zipPackage(pkg); // Uint8Array starting with "PK"
 */
export const zipPackage = (pkg: BioimageioPackage): Uint8Array =>
  zipSync(Object.fromEntries([...pkg.files].map(([name, bytes]) => [name, [bytes, { mtime: ZIP_TIME }]])), { level: 6 });
