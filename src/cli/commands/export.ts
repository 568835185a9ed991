/**
 * `unet-ts export`: a model in a form to ship.
 * - `--format safetensors` (default): a training checkpoint (weights + optimizer state, for
 *   --resume) becomes a model file (weights + config only): a third of the size for Adam, and
 *   what `segment`, `evaluate` and `loadCheckpoint` need. The write is atomic, like every
 *   checkpoint.
 * - `--format onnx`: the network as an ONNX graph for onnxruntime and other ONNX tools.
 * - `--format bioimageio`: a bioimage.io model package (zip) for deepImageJ, ilastik, QuPath
 *   and the bioimageio Python tools.
 * The two interchange formats are written by ../export-formats.ts.
 */
import { statSync } from 'node:fs';
import { outFileFlag, parse, required, str, UsageError } from '../args.js';
import { loadCheckpoint, saveCheckpoint } from '../../train/checkpoint.js';
import { parameterCount } from '../../unet/params.js';
import type { Command } from '../command.js';
import { exportBioimageio, exportOnnxFile, INTEROP_OPTIONS, INTEROP_USAGE, type InteropFormat } from '../export-formats.js';

const usage = `Usage: unet-ts export --model FILE --out FILE [--format safetensors|onnx|bioimageio] [flags]

--format safetensors (default): writes the weights and model configuration of a checkpoint
(e.g. a training run's last.safetensors or best.safetensors) without its optimizer state.
${INTEROP_USAGE}`;

const mib = (file: string): string => `${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`;

const FORMATS = ['safetensors', 'onnx', 'bioimageio'] as const;
type Format = (typeof FORMATS)[number];
const isFormat = (s: string): s is Format => (FORMATS as readonly string[]).includes(s);

export const exportModel: Command = {
  name: 'export',
  summary: 'a model to ship: safetensors without optimizer state, ONNX, or a bioimage.io package',
  usage,
  run: async (argv) => {
    const { values } = parse('export', argv, { model: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, ...INTEROP_OPTIONS });
    const from = required('export', 'model', values['model']);
    const format = str(values['format']) ?? 'safetensors';
    if (!isFormat(format)) throw new UsageError(`export: --format ${format}: expected one of ${FORMATS.join(', ')}`);
    const to = outFileFlag('export', required('export', 'out', values['out']));
    if (format !== 'safetensors') {
      const interop: InteropFormat = format;
      return interop === 'onnx' ? exportOnnxFile(values, from, to) : exportBioimageio(values, from, to);
    }
    const extra = Object.keys(INTEROP_OPTIONS).find((k) => values[k] !== undefined);
    if (extra !== undefined) throw new UsageError(`export: --${extra} applies to --format onnx or bioimageio, not safetensors`);
    const { config, params, training } = await loadCheckpoint(from);
    await saveCheckpoint(to, { config, params });
    const step = training ? `, trained ${training.step} steps` : '';
    console.log(`${to}: ${parameterCount(config).toLocaleString('en-US')} parameters${step}, ${mib(from)} → ${mib(to)}`);
    return 0;
  },
};
