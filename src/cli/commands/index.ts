import type { Command } from '../command.js';
import { info } from './info.js';

/** Every command, in the order `--help` lists them. */
export const commands: readonly Command[] = [info];
