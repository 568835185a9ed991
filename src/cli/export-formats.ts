/**
 * `unet-ts export --format onnx|bioimageio`: the flags of the two interchange formats and the
 * writers behind them (src/export/). Both record where the model came from (file name and
 * sha256) in the file they write; both writes are atomic.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { backendFlag, str, UsageError, type Options, type Parsed } from './args.js';
import { readImageFile } from '../data/image-file.js';
import { synthetic } from '../data/synthetic.js';
import { bioimageioPackage, zipPackage } from '../export/bioimageio.js';
import { exportOnnx } from '../export/onnx.js';
import { inputSizes } from '../export/onnx-input.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadModel } from '../infer/files.js';
import { createRuntime } from '../runtime/runtime.js';

export type InteropFormat = 'onnx' | 'bioimageio';

/** Flags of the interchange formats (each format's own are checked by `onlyFor`). */
export const INTEROP_OPTIONS: Options = {
  output: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  authors: { type: 'string' },
  license: { type: 'string' },
  tags: { type: 'string' },
  sample: { type: 'string' },
  card: { type: 'string' },
  backend: { type: 'string' },
};

const BIOIMAGEIO_FLAGS = ['name', 'description', 'authors', 'license', 'tags', 'sample', 'card', 'backend'];

export const INTEROP_USAGE = `
--format onnx: the network as an ONNX graph (opset 17): input "input" [N, C, H, W] float32,
N, H, W free (H and W valid tile sizes, e.g. 188 + 16k at depth 4), output "logits"
[N, classes, H − 2·halo, W − 2·halo]; weights as initializers; config and provenance in the
metadata. Feed it images normalised as unet-ts does: per image and channel, zero mean and unit
variance (not part of the graph).
  --output logits|probabilities   the graph's output (default logits; probabilities: softmax)

--format bioimageio: a bioimage.io model package (format 0.5, a .zip): rdf.yaml, weights.onnx
(softmax output), test_input.npy / test_output.npy (a tile of --sample and unet-ts's result),
cover.png, documentation.md.
  --authors "A. Person; B. Person"   required: the people behind the model (';'-separated)
  --name NAME          default: the model file's name (5-128 letters, digits, spaces, _ - ( ))
  --description TEXT   default: "task" of the model card <model>.json beside the model, if any
  --license SPDX       default MIT (the licence of unet-ts and its shipped models)
  --tags a,b           added to unet, unet2d, segmentation, onnx, unet-ts
  --sample IMAGE       PNG/TIFF for the test tensors and the cover (default: a synthetic
                       400×400 cell image); its centre, up to 380×380, is used
  --card FILE          markdown documentation (default: <model>.md beside the model, if any)
  --backend NAME       where unet-ts computes test_output.npy (default auto)`;

/** A UsageError for a flag given with a format it does not apply to. */
const onlyFor = (values: Parsed['values'], format: InteropFormat): void => {
  const foreign = format === 'onnx' ? BIOIMAGEIO_FLAGS : ['output'];
  const bad = foreign.find((k) => values[k] !== undefined);
  if (bad !== undefined) throw new UsageError(`export: --${bad} applies to --format ${format === 'onnx' ? 'bioimageio' : 'onnx'}, not ${format}`);
};

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const provenance = (file: string): Record<string, string> => ({ source: path.basename(file), source_sha256: sha256(file) });
const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;

/**
 * --format onnx: writes the graph of the model file `from` to `to`; 0 on success.
 *
 * @example
 * await exportOnnxFile({ output: 'probabilities' }, 'models/dsb2018-small.safetensors', 'dsb2018-small.onnx');
 */
export const exportOnnxFile = async (values: Parsed['values'], from: string, to: string): Promise<number> => {
  onlyFor(values, 'onnx');
  const output = str(values['output']) ?? 'logits';
  if (output !== 'logits' && output !== 'probabilities') throw new UsageError(`export: --output ${output}: expected logits or probabilities`);
  const model = await loadModel(from);
  const bytes = await exportOnnx(model, { output, metadata: provenance(from) });
  writeFileAtomic(to, bytes);
  const { min, step, halo } = inputSizes(model.config);
  console.log(`${to}: ONNX opset 17, ${kib(bytes.length)}; input [N, ${model.config.inChannels}, H, W] with H, W = ${min} + ${step}k; ${output} [N, ${model.config.classes}, H − ${2 * halo}, W − ${2 * halo}]`);
  return 0;
};

/** Beside `model.safetensors`: `model.<ext>`, when it exists. */
const beside = (model: string, ext: string): string | undefined => {
  const f = path.join(path.dirname(model), `${path.basename(model, path.extname(model))}.${ext}`);
  return existsSync(f) ? f : undefined;
};

const cardTask = (json: string | undefined): string | undefined => {
  if (json === undefined) return undefined;
  const task = (JSON.parse(readFileSync(json, 'utf8')) as { task?: unknown }).task;
  return typeof task === 'string' ? task : undefined;
};

/**
 * --format bioimageio: writes the package of the model file `from` to `to`; 0 on success.
 *
 * @example
 * await exportBioimageio({ authors: 'A. Person', sample: 'nuclei.png' }, 'models/dsb2018-small.safetensors', 'dsb2018-small.zip');
 */
export const exportBioimageio = async (values: Parsed['values'], from: string, to: string): Promise<number> => {
  onlyFor(values, 'bioimageio');
  const authors = (str(values['authors']) ?? '').split(';').map((a) => a.trim()).filter((a) => a !== '');
  if (authors.length === 0) throw new UsageError(`export: --format bioimageio needs --authors "A. Person; B. Person" (bioimage.io names the people behind a model)`);
  const backend = backendFlag('export', values['backend']);
  const cardFile = str(values['card']) ?? beside(from, 'md');
  if (cardFile !== undefined && !existsSync(cardFile)) throw new UsageError(`export: --card ${cardFile} does not exist`);
  const model = await loadModel(from);
  const json = beside(from, 'json');
  const sampleFile = str(values['sample']);
  const sample = sampleFile !== undefined ? readImageFile(sampleFile, { grey: model.config.inChannels === 1 }).image : synthetic({ width: 400, height: 400 })(0).image;
  const rt = await createRuntime(backend !== undefined ? { backend } : {});
  try {
    const pkg = await bioimageioPackage(rt, model, {
      name: str(values['name']) ?? path.basename(from, path.extname(from)),
      description: str(values['description']) ?? cardTask(json) ?? `U-Net segmentation into ${model.config.classes} classes, trained with unet-ts`,
      authors: authors.map((name) => ({ name })),
      ...(str(values['license']) !== undefined ? { license: str(values['license'])! } : {}),
      tags: (str(values['tags']) ?? '').split(',').map((t) => t.trim()).filter((t) => t !== ''),
      sample,
      ...(cardFile !== undefined ? { documentation: readFileSync(cardFile, 'utf8') } : {}),
      ...(json !== undefined ? { attachments: { [path.basename(json)]: readFileSync(json) } } : {}),
      provenance: { ...provenance(from), sample: sampleFile !== undefined ? path.basename(sampleFile) : 'synthetic 400x400, seed 0' },
    });
    const zip = zipPackage(pkg);
    writeFileAtomic(to, zip);
    console.log(`${to}: bioimage.io package (format ${pkg.rdf.format_version}), ${kib(zip.length)}: ${[...pkg.files.keys()].join(', ')}`);
  } finally {
    await rt.dispose();
  }
  return 0;
};
