import type { Command } from '../command.js';
import { bench } from './bench.js';
import { check } from './check.js';
import { demo } from './demo.js';
import { evaluate } from './evaluate.js';
import { exportModel } from './export.js';
import { info } from './info.js';
import { preview } from './preview.js';
import { queue } from './queue.js';
import { segment } from './segment.js';
import { train } from './train.js';
import { worker } from './worker.js';

/** Every command, in the order `--help` lists them. */
export const commands: readonly Command[] = [demo, info, preview, train, segment, queue, worker, evaluate, exportModel, check, bench];
