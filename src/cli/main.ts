#!/usr/bin/env node
/**
 * `unet-ts` — the command line. Each command lives in ./commands; this file only dispatches.
 * Exit codes (README, "Command line"): 0 success; 2 bad usage — a UsageError (unknown
 * command or flag, a missing flag, a value of the wrong type or out of range, an invalid
 * tile) or a backend name nobody knows (from any command, --backend or UNET_BACKEND); 1
 * everything else: bad data (DataError, CheckpointError, …, naming the file), a backend that
 * cannot start, a failed check; `train` stopped by SIGINT / SIGTERM exits 130 / 143 after
 * writing its checkpoint.
 */
import { UsageError } from './args.js';
import { BackendError } from '../runtime/backend.js';
import type { Command } from './command.js';
import { commands } from './commands/index.js';

const usage = (): string =>
  [
    'unet-ts — U-Net (Ronneberger, Fischer, Brox 2015) in TypeScript on GPU.js',
    '',
    'Usage: unet-ts <command> [flags]     (unet-ts <command> --help for its flags)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Backends: --backend webgpu|headlessgl|webasm|cpu|auto (or UNET_BACKEND); auto picks the fastest that starts.',
  ].join('\n');

/** 2 for the caller's mistakes, 1 for everything else (see the module comment). */
const exitCodeOf = (err: Error): number => (err instanceof UsageError || (err instanceof BackendError && err.unknownName) ? 2 : 1);

const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const cmd: Command | undefined = commands.find((c) => c.name === name);
  if (!cmd) throw new UsageError(`unknown command '${name}'; expected one of ${commands.map((c) => c.name).join(', ')}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return 0;
  }
  return cmd.run(rest);
};

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    console.error(`unet-ts: ${err.message}`);
    if (process.env['UNET_DEBUG']) console.error(err.stack);
    process.exitCode = exitCodeOf(err);
  },
);
