#!/usr/bin/env node
/**
 * `unet-ts` — the command line. Each command lives in ./commands; this file only dispatches.
 * Exit codes: 0 success, 1 failure (bad data, failed check), 2 bad usage.
 */
import { UsageError } from './args.js';
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
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
