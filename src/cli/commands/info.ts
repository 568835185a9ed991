/** `unet-ts info`: the network's layers and shapes at a tile, parameter count, valid tiles, halo. */
import * as E from 'fp-ts/lib/Either.js';
import { parse, str, tileFlag, UsageError } from '../args.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import type { Command } from '../command.js';
import { configFromFlags } from '../model-source.js';
import { geometry, validAbove, validBelow } from '../../unet/geometry.js';
import { parameterCount } from '../../unet/params.js';
import { activationCount, summarize } from '../../unet/summary.js';
import { showShape } from '../../tensor/shape-error.js';

const usage = `Usage: unet-ts info [--preset paper|small|tiny | --config FILE | --model FILE] [--tile N]

Prints the layers with their output shapes at the tile size, the parameter count, the valid
tile sizes near the request, and the halo (context pixels lost on each side).`;

export const info: Command = {
  name: 'info',
  summary: 'layers, shapes, parameter count, valid tile sizes and halo of a model',
  usage,
  run: async (argv) => {
    const { values } = parse('info', argv, { preset: { type: 'string' }, config: { type: 'string' }, model: { type: 'string' }, tile: { type: 'string' } });
    const model = str(values['model']);
    if (model !== undefined && (values['preset'] !== undefined || values['config'] !== undefined)) throw new UsageError('info: give one of --preset, --config, --model');
    const c = model !== undefined ? (await loadCheckpoint(model)).config : configFromFlags('info', str(values['preset']), str(values['config']), 'paper');
    if (model !== undefined) console.log(`model ${model}`);
    const geo = { depth: c.depth, padding: c.padding };
    // a tile is checked as a training crop (a valid size; no image to compare it with)
    const tile = tileFlag('info', values['tile'], geo, { fallback: c.tile, use: 'training' });
    const g = geometry(geo)(tile);
    if (E.isLeft(g)) throw new Error(g.left.message); // the model's own tile: checked when it was decoded
    const rows = summarize(c, tile);
    if (E.isLeft(rows)) throw new Error(rows.left.message);
    console.log(`U-Net depth ${c.depth}, base ${c.base}, ${c.inChannels} → ${c.classes} classes, ${c.padding} convs, dropout ${c.dropout}`);
    console.log(`${'layer'.padEnd(16)} ${'op'.padEnd(22)} ${'output'.padEnd(22)} params`);
    for (const r of rows.right) console.log(`${r.name.padEnd(16)} ${r.op.padEnd(22)} ${showShape(r.out).padEnd(22)} ${r.params || ''}`);
    const convs = rows.right.filter((r) => r.op.startsWith('conv') || r.op.startsWith('up-conv')).length;
    console.log(`\nconv layers: ${convs}   parameters: ${parameterCount(c).toLocaleString('en-US')}`);
    console.log(`tile ${tile} → output ${g.right.output}, halo ${g.right.halo} px per side`);
    console.log(`skip crops per side (level 0…${c.depth - 1}): ${g.right.levels.map((l) => l.crop).join(' / ')}`);
    console.log(`activations at this tile: ${(activationCount(rows.right) * 4 / 2 ** 20).toFixed(1)} MiB (float32, forward)`);
    const below = validBelow(geo, tile - 1);
    console.log(`valid tiles near ${tile}: ${[below, validAbove(geo, tile + 1)].filter((v) => v !== undefined).join(', ')}`);
    return 0;
  },
};
