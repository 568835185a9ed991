/**
 * Where a command gets its model configuration: --preset NAME, --config FILE (JSON), or
 * --model FILE (a checkpoint). Errors name the flag, the file and the problem.
 */
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { UsageError } from './args.js';
import { decodeConfig, isPresetName, PRESETS, type UNetConfig } from '../unet/config.js';

export const configFromFlags = (command: string, preset: string | undefined, configFile: string | undefined, fallback = 'tiny'): UNetConfig => {
  if (preset !== undefined && configFile !== undefined) throw new UsageError(`${command}: give --preset or --config, not both`);
  if (configFile !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (e) {
      throw new Error(`${configFile}: cannot read the model configuration: ${(e as Error).message}`);
    }
    const c = decodeConfig(json, configFile);
    if (E.isLeft(c)) throw new Error(c.left);
    return c.right;
  }
  const name = preset ?? fallback;
  if (!isPresetName(name)) throw new UsageError(`${command}: unknown preset '${name}'; expected one of ${Object.keys(PRESETS).join(', ')}`);
  return PRESETS[name];
};
