/**
 * `npm run export:models`: both shipped models (models/*.safetensors) in both interchange
 * formats, through the same `unet-ts export` command a user runs:
 *
 *   out/models/<name>.onnx   ONNX graph, logits output (--format onnx)
 *   out/models/<name>.zip    bioimage.io package (--format bioimageio), its model card as
 *                            documentation; test tensors and cover from a real image of the
 *                            model's data set when ../shared/data is there, else synthetic
 *
 * out/ is git-ignored: the files are build products, made again on demand (about 20 s).
 *
 *   npm run export:models [-- --out DIR]
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { exportModel } from '../src/cli/commands/export.js';
import { BUNDLED_MODELS, bundledModel, type BundledModelName } from '../src/unet/bundled.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED = path.resolve(ROOT, '..', 'shared', 'data');

/** A real image of each model's data set (the ones the bundled-model tests segment). */
const SAMPLES: Readonly<Record<BundledModelName, string>> = {
  'isbi2012-small': path.join(SHARED, 'isbi2012', 'images', '22.png'),
  'dsb2018-small': path.join(SHARED, 'dsb2018', 'images', '06c779330d6d.png'),
};

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = path.resolve(values.out ?? path.join(ROOT, 'out', 'models'));

for (const name of BUNDLED_MODELS) {
  const model = bundledModel(name);
  const sample = existsSync(SAMPLES[name]) ? ['--sample', SAMPLES[name]] : [];
  if (sample.length === 0) console.log(`${name}: ${SAMPLES[name]} not found; the package's test tensors come from a synthetic image`);
  await exportModel.run(['--model', model, '--out', path.join(out, `${name}.onnx`), '--format', 'onnx']);
  await exportModel.run(['--model', model, '--out', path.join(out, `${name}.zip`), '--format', 'bioimageio', '--authors', 'unet-ts contributors', ...sample]);
}
