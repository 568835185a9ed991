/**
 * `unet-ts export`: a training checkpoint (weights + optimizer state, for --resume) becomes
 * a model file (weights + config only): a third of the size for Adam, and what `segment`,
 * `evaluate` and `loadCheckpoint` need. The write is atomic, like every checkpoint.
 */
import { statSync } from 'node:fs';
import { outFileFlag, parse, required } from '../args.js';
import { loadCheckpoint, saveCheckpoint } from '../../train/checkpoint.js';
import { parameterCount } from '../../unet/params.js';
import type { Command } from '../command.js';

const usage = `Usage: unet-ts export --model FILE --out FILE

Writes the weights and model configuration of a checkpoint (e.g. a training run's
last.safetensors or best.safetensors) without its optimizer state.`;

const mib = (file: string): string => `${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`;

export const exportModel: Command = {
  name: 'export',
  summary: 'a training checkpoint without its optimizer state: the model file to ship',
  usage,
  run: async (argv) => {
    const { values } = parse('export', argv, { model: { type: 'string' }, out: { type: 'string' } });
    const from = required('export', 'model', values['model']);
    const to = outFileFlag('export', required('export', 'out', values['out']));
    const { config, params, training } = await loadCheckpoint(from);
    await saveCheckpoint(to, { config, params });
    const step = training ? `, trained ${training.step} steps` : '';
    console.log(`${to}: ${parameterCount(config).toLocaleString('en-US')} parameters${step}, ${mib(from)} → ${mib(to)}`);
    return 0;
  },
};
