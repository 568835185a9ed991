/**
 * The file side of inference for the CLI: loading a model checkpoint, expanding input
 * paths (files and folders) into image files, checking a tile size and an image against a
 * model. Every failure is an InferenceError whose one-line message names the file and the problem.
 *
 * @example
 * import { loadModel, imageInputs, checkedPlan } from './files.js';
 * const model = await loadModel('model.safetensors');
 * const plan = checkedPlan(model.config, 252);
 * const files = imageInputs(['images/', 'extra.tif']);
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Image } from '../data/image.js';
import { IMAGE_EXTENSIONS, isImageFile } from '../data/image-file.js';
import { readModelFile } from '../unet/checkpoint.js';
import type { UNetConfig } from '../unet/config.js';
import { tilePlan, type TilePlan } from './plan.js';
import type { Model } from './tiles.js';
import { InferenceError } from './inference-error.js';

/**
 * Loads a model checkpoint (config and parameters; optimizer state is ignored).
 *
 * @example
 * await loadModel('missing.safetensors'); // throws "model file missing.safetensors does not exist"
 */
export const loadModel = async (file: string): Promise<Model> => {
  if (!fs.existsSync(file)) throw new InferenceError(`model file ${file} does not exist`);
  if (fs.statSync(file).isDirectory()) throw new InferenceError(`model file ${file} is a folder; expected a .safetensors checkpoint`);
  const { config, params } = await readModelFile(file);
  return { config, params };
};

/**
 * The plan for `tile` (default: the model's own tile), or an Error naming the nearest
 * valid sizes.
 *
 * @example
 * checkedPlan(PRESETS.tiny, 250); // throws "unet: tile size 250 is not valid … nearest valid sizes: 244 or 252"
 */
export const checkedPlan = (config: UNetConfig, tile: number = config.tile): TilePlan => {
  const p = tilePlan(config, tile);
  if (E.isLeft(p)) throw new InferenceError(`--tile: ${p.left}`);
  return p.right;
};

/**
 * Throws when an image's channel count is not the model's `inChannels`.
 *
 * @example
 * declare const rgb: Image; // 3 channels
 * checkChannels(PRESETS.tiny, rgb, 'a.png'); // throws "a.png: the image has 3 channels, the model expects 1 …"
 */
export const checkChannels = (config: UNetConfig, img: Image, file: string): void => {
  if (img.channels === config.inChannels) return;
  const hint = img.channels === 3 && config.inChannels === 1 ? ' (use --grey to convert RGB to grey)' : '';
  throw new InferenceError(`${file}: the image has ${img.channels} channels, the model expects ${config.inChannels} (inChannels)${hint}`);
};

const listImages = (dir: string): string[] => {
  const files = fs
    .readdirSync(dir)
    .filter((f) => !f.startsWith('.') && isImageFile(f))
    .sort()
    .map((f) => path.join(dir, f));
  if (files.length === 0) throw new InferenceError(`input folder ${dir} has no image files (${IMAGE_EXTENSIONS.join(', ')})`);
  return files;
};

/**
 * The image files named by `inputs`: files as given, folders expanded to their image files
 * (sorted, hidden files skipped). Throws for a missing path, a file that is not an image,
 * an empty folder, or two images with the same stem (their outputs would collide).
 *
 * @example
 * imageInputs(['data/images']); // ['data/images/00.png', 'data/images/01.png', …]
 */
export const imageInputs = (inputs: readonly string[]): readonly string[] => {
  const files = inputs.flatMap((p) => {
    if (!fs.existsSync(p)) throw new InferenceError(`input ${p} does not exist`);
    if (fs.statSync(p).isDirectory()) return listImages(p);
    if (!isImageFile(p)) throw new InferenceError(`input ${p}: unsupported file type '${path.extname(p)}'; expected ${IMAGE_EXTENSIONS.join(', ')}`);
    return [p];
  });
  const seen = new Map<string, string>();
  for (const f of files) {
    const stem = stemOf(f);
    const prev = seen.get(stem);
    if (prev !== undefined && prev !== f) throw new InferenceError(`inputs ${prev} and ${f} have the same name '${stem}'; their outputs would overwrite each other`);
    seen.set(stem, f);
  }
  return [...new Set(files)];
};

/** A file's name without folder and extension. @example stemOf('a/b.tif') // 'b' */
export const stemOf = (file: string): string => path.basename(file, path.extname(file));
