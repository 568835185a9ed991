import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { commands } from '../../src/cli/commands/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI from source (node + the tsx loader), as `unet-ts ...args`. */
const cli = (args: readonly string[]): Promise<Result> =>
  new Promise((resolve) => {
    const env = { ...process.env };
    delete env['UNET_DEBUG'];
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });

// The cases that need a real process (exit code, stdout/stderr); the rest of `info` is tested
// in-process in info.test.ts. Two at a time: the machine has 2 cores.
const CASES = {
  help: ['--help'],
  unknownCommand: ['frobnicate'],
  unknownFlag: ['info', '--bogus'],
  paper: ['info', '--preset', 'paper'],
  badTile: ['info', '--tile', '570'],
  // issue 18: every usage error exits 2 (these exited 1), a data error 1
  tile573: ['info', '--preset', 'tiny', '--tile', '573'],
  noInputs: ['segment', '--model', 'model.safetensors', '--out', 'out'],
  noSuchBackend: ['check', '--backend', 'nosuch'],
  negativeSteps: ['bench', '--steps', '-1'],
  missingModel: ['segment', '--model', 'no-such-model.safetensors', '--out', 'out', 'x.png'],
} as const satisfies Record<string, readonly string[]>;

const results = {} as Record<keyof typeof CASES, Result>;
beforeAll(async () => {
  const queue = Object.entries(CASES) as Array<[keyof typeof CASES, readonly string[]]>;
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) results[next[0]] = await cli(next[1]);
  };
  await Promise.all([worker(), worker()]);
});

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

describe('unet-ts', () => {
  it('--help prints usage listing every command, exit 0', () => {
    const r = results.help;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Usage: unet-ts <command> [flags]');
    expect(r.stdout).toContain('Commands:');
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    expect(r.stdout).toContain('webgpu|headlessgl|webasm|cpu|auto');
  });

  it('an unknown command is a one-line error listing the commands, exit 2', () => {
    const r = results.unknownCommand;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual([`unet-ts: unknown command 'frobnicate'; expected one of ${commands.map((c) => c.name).join(', ')}`]);
  });

  it('an unknown flag is a one-line error naming it, exit 2', () => {
    const r = results.unknownFlag;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const l = lines(r.stderr);
    expect(l).toHaveLength(1);
    expect(l[0]).toMatch(/^unet-ts: info: .*'--bogus'.*\(see 'unet-ts info --help'\)$/);
  });
});

describe('unet-ts info', () => {
  it('--preset paper prints 31,030,658 parameters, 23 conv layers and the 88 / 40 / 16 / 4 crops', () => {
    const r = results.paper;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('parameters: 31,030,658');
    expect(r.stdout).toContain('conv layers: 23');
    expect(r.stdout).toContain('tile 572 → output 388, halo 92 px per side');
    expect(r.stdout).toContain('skip crops per side (level 0…3): 88 / 40 / 16 / 4');
    expect(r.stdout).toContain('valid tiles near 572: 556, 588');
    expect(r.stdout).toMatch(/^down\.0\.conv1 +conv 3×3 \+ ReLU +\[1, 64, 570, 570\] +640$/m);
    expect(r.stdout).toMatch(/^up\.0\.crop +crop skip 568→392 +\[1, 64, 392, 392\]/m);
    expect(r.stdout).toMatch(/^out +conv 1×1 +\[1, 2, 388, 388\] +130$/m);
  });

  it('--tile 570 exits 2 with one line naming the nearest valid sizes 556 and 572', () => {
    const r = results.badTile;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const l = lines(r.stderr);
    expect(l).toHaveLength(1);
    expect(l[0]).toMatch(/^unet-ts: info: --tile 570: .*tile size 570 is not valid.*556 or 572$/);
  });
});

describe('exit codes (README: bad usage 2, bad data 1)', () => {
  const oneLine = (r: Result, code: number, re: RegExp): void => {
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    const l = lines(r.stderr);
    expect(l).toHaveLength(1);
    expect(l[0]).toMatch(re);
  };
  it('an invalid tile, no inputs, an unknown backend, a negative count: exit 2, one line naming the flag', () => {
    oneLine(results.tile573, 2, /^unet-ts: info: --tile 573: .*nearest valid sizes: 572 or 580$/);
    oneLine(results.noInputs, 2, /^unet-ts: segment: no input images/);
    oneLine(results.noSuchBackend, 2, /^unet-ts: check: --backend nosuch: unknown backend; expected one of webgpu, headlessgl, webasm, cpu or auto$/);
    // `--steps -1` reaches the range check instead of parseArgs' "argument is ambiguous"
    oneLine(results.negativeSteps, 2, /^unet-ts: bench: --steps -1: expected a number ≥ 0 and ≤ 100000$/);
  });
  it('a missing model file is a data error: exit 1, one line naming the file', () => {
    oneLine(results.missingModel, 1, /^unet-ts: model file no-such-model\.safetensors does not exist$/);
  });
});
