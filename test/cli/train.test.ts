import { beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthetic } from '../../src/data/synthetic.js';
import { image } from '../../src/data/image.js';
import { writePng } from '../../src/data/png.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { recipeDefaults, train } from '../../src/cli/commands/train.js';
import { UsageError } from '../../src/cli/args.js';
import { initParams } from '../../src/unet/params.js';
import { initState, sgd } from '../../src/train/optim.js';
import { PRESETS } from '../../src/unet/config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = ['--import', 'tsx', 'src/cli/main.ts'];
const dir = mkdtempSync(join(tmpdir(), 'unet-train-cli-'));
const config = join(dir, 'config.json');

const cli = (a: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [...args, ...a], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
    );
  });

beforeAll(() => {
  for (const sub of ['images', 'labels']) mkdirSync(join(dir, sub));
  for (let i = 0; i < 3; i++) {
    const s = synthetic({ width: 80, height: 80, radius: [5, 9] })(i);
    writePng(join(dir, 'images', `c${i}.png`), image(80, 80, 1, s.image.data.map((v) => Math.round(v * 255))), { bitDepth: 8 });
    writePng(join(dir, 'labels', `c${i}.png`), image(80, 80, 1, Float32Array.from(s.instances.data)), { bitDepth: 16 });
  }
  writeFileSync(config, JSON.stringify({ inChannels: 1, classes: 2, depth: 2, base: 4, dropout: 0.5, padding: 'valid', tile: 60 }));
});

const data = () => ['--images', join(dir, 'images'), '--labels', join(dir, 'labels'), '--instances', '--config', config];

/** A `train` child on the cpu backend whose stdout and stderr are collected. */
const start = (a: readonly string[]) => {
  const child = spawn(process.execPath, [...args, 'train', ...data(), '--backend', 'cpu', ...a], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
};

/** The step numbers in a log.jsonl, in order (a torn last line is skipped). */
const logSteps = (log: string): number[] =>
  existsSync(log)
    ? readFileSync(log, 'utf8').split('\n').flatMap((l) => {
        try {
          const e = JSON.parse(l) as { type?: string; step?: number };
          return e.type === 'step' && typeof e.step === 'number' ? [e.step] : [];
        } catch {
          return [];
        }
      })
    : [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const waitFor = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(25);
  return cond();
};

/** `train.run` in this process: for the checks that fail before any work starts. */
const usageError = (a: readonly string[]): Promise<unknown> => train.run(a).then(() => undefined, (e: unknown) => e);

describe('unet-ts train', () => {
  it('trains, validates and writes checkpoints, log, loss chart and overlays', async () => {
    const out = join(dir, 'run');
    const r = await cli(['train', ...data(), '--val-names', 'c2', '--steps', '3', '--val-every', '2', '--backend', 'cpu', '--out', out]);
    expect(r.stderr + r.stdout).toContain('done: 3 steps');
    expect(r.code).toBe(0);
    for (const f of ['last.safetensors', 'best.safetensors', 'log.jsonl', 'loss.png', 'val/c2_overlay.png']) expect(existsSync(join(out, f)), f).toBe(true);
    const ck = await loadCheckpoint(join(out, 'last.safetensors'));
    expect(ck.training!.step).toBe(3);
    expect(readFileSync(join(out, 'log.jsonl'), 'utf8')).toContain('"type":"validation"');
    expect(existsSync(join(out, 'train.lock'))).toBe(false);

    // The folder now holds a run: a new run there is refused …
    const again = await cli(['train', ...data(), '--steps', '2', '--backend', 'cpu', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`unet-ts: train: --out ${out} already holds a run (log.jsonl, last.safetensors, best.safetensors); give --resume ${join(out, 'last.safetensors')} to continue it, --overwrite to start again, or another --out`);
    // … unless --overwrite: the old run's files move to previous-<time>/, the new run starts clean.
    const over = await cli(['train', ...data(), '--steps', '2', '--backend', 'cpu', '--overwrite', '--out', out]);
    expect(over.code).toBe(0);
    const prev = readdirSync(out).filter((f) => f.startsWith('previous-'));
    expect(prev).toHaveLength(1);
    expect(over.stdout).toContain(`--overwrite: moved the previous run's log.jsonl, last.safetensors, best.safetensors, loss.png, val to ${join(out, prev[0]!)}`);
    expect(readdirSync(join(out, prev[0]!)).sort()).toEqual(['best.safetensors', 'last.safetensors', 'log.jsonl', 'loss.png', 'val']);
    expect(logSteps(join(out, 'log.jsonl'))).toEqual([1, 2]);
    expect(existsSync(join(out, 'best.safetensors'))).toBe(false);
    expect((await loadCheckpoint(join(out, prev[0]!, 'last.safetensors'))).training!.step).toBe(3);
  });

  it('flags are checked by type and range: a UsageError naming flag and value (exit 2)', async () => {
    const out = join(dir, 'never');
    const cases: [string[], string][] = [
      [['--steps', '-1'], '--steps -1: expected a number ≥ 1'],
      [['--steps=-1'], '--steps -1: expected a number ≥ 1'],
      [['--steps', '0'], '--steps 0: expected a number ≥ 1'],
      [['--steps', '2.5'], '--steps 2.5 is not an integer'],
      [['--minutes', '0'], '--minutes 0: expected a number > 0'],
      [['--minutes', '-0.5'], '--minutes -0.5: expected a number > 0'],
      [['--lr', '0'], '--lr 0: expected a number > 0'],
      [['--lr', 'Infinity'], '--lr Infinity is not a number'],
      [['--lr', 'fast'], '--lr fast is not a number'],
      [['--momentum', '1'], '--momentum 1: expected a number ≥ 0 and < 1'],
      [['--weight-decay', '-1e-4'], '--weight-decay -1e-4: expected a number ≥ 0'],
      [['--checkpoint-every', '0'], '--checkpoint-every 0: expected a number ≥ 1'],
      [['--val-every', '-3'], '--val-every -3: expected a number ≥ 1'],
      [['--accumulate', '0'], '--accumulate 0: expected a number ≥ 1'],
      [['--seed', '-1'], '--seed -1: expected a number ≥ 0 and ≤ 4294967295'],
      [['--val-fraction', '1'], '--val-fraction 1: expected a number > 0 and < 1'],
      [['--tile', '0'], '--tile 0: expected a number ≥ 1'],
      [['--tile', '61'], '--tile 61: '],
      [['--resume', 'x.safetensors', '--overwrite'], 'give --resume (continue the run in --out) or --overwrite (start it again), not both'],
      [['--schedule', 'cyclic'], '--schedule cyclic; expected constant, step, poly, cosine'],
      [['--warmup', '-1'], '--warmup -1: expected a number ≥ 0'],
      [['--w0', '-1'], '--w0 -1: expected a number ≥ 0'],
      [['--sigma', '0'], '--sigma 0: expected a number > 0'],
      [['--select', 'loss'], '--select loss; expected iou, pixel, rand, seg'],
      [['--class-weights', 'inverse'], '--class-weights inverse; expected balanced, dataset, none or comma-separated numbers ≥ 0 (one per class)'],
      [['--class-weights', '1,-2'], '--class-weights 1,-2; expected balanced'],
      [['--class-weights', '1,2,3'], '--class-weights 1,2,3 gives 3 weight(s); the network has 2 classes'],
      [['--momentum', '0.9'], '--momentum 0.9 applies to sgd; the optimizer is adam (the default): add --optimizer sgd'],
    ];
    for (const [flags, message] of cases) {
      const e = await usageError([...data(), ...flags, '--out', out]);
      expect(e, flags.join(' ')).toBeInstanceOf(UsageError);
      expect((e as Error).message, flags.join(' ')).toContain(`train: ${message}`);
    }
    expect(existsSync(out)).toBe(false);
    // The same through the CLI: node's parseArgs alone would say "argument is ambiguous".
    const r = await cli(['train', ...data(), '--steps', '-1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('unet-ts: train: --steps -1: expected a number ≥ 1');
  });

  it('every recipe flag changes the run: class weights, w0 and sigma the first loss, schedule and warm-up the rates, select the score', async () => {
    const run = async (name: string, flags: readonly string[]) => {
      const out = join(dir, `recipe-${name}`);
      const r = await cli(['train', ...data(), '--val-names', 'c2', '--steps', '4', '--val-every', '4', '--backend', 'cpu', '--seed', '3', ...flags, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const lines = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
      const steps = lines.filter((l) => l['type'] === 'step');
      return { stdout: r.stdout, loss: steps[0]!['loss'] as number, lrs: steps.map((l) => l['lr'] as number), validation: lines.find((l) => l['type'] === 'validation')! };
    };
    const base = await run('default', []);
    const variants = await Promise.all(
      (
        [
          ['none', ['--class-weights', 'none']],
          ['balanced', ['--class-weights', 'balanced']],
          ['fixed', ['--class-weights', '1,3']],
          ['w0', ['--w0', '0']],
          ['sigma', ['--sigma', '2']],
        ] as const
      ).map(async ([n, f]) => [n, await run(n, f)] as const),
    );
    const losses = [base.loss, ...variants.map(([, v]) => v.loss)];
    expect(new Set(losses).size, JSON.stringify(variants.map(([n, v]) => [n, v.loss]))).toBe(losses.length);
    // The defaults with --instances: Adam 1e-3, cosine, data-set-wide class balance, Eq. 2 border term.
    expect(base.stdout).toMatch(/adam lr 0\.001, cosine schedule; class weights dataset [\d.]+,[\d.]+, w0 10, sigma 5; select iou/);
    expect(variants.find(([n]) => n === 'fixed')![1].stdout).toContain('class weights 1,3, w0 10');
    expect(base.lrs[0]).toBe(0.001);
    base.lrs.slice(1).forEach((lr, i) => expect(lr).toBeLessThan(base.lrs[i]!));
    expect(base.validation['score']).toBe(base.validation['iou']);

    const cos = await run('cosine', ['--optimizer', 'sgd', '--schedule', 'cosine', '--warmup', '2', '--select', 'pixel']);
    const expected = [0.005, 0.01, 0.01 * (0.01 + (0.99 * (1 + Math.cos(Math.PI / 2))) / 2), 0.01 * (0.01 + (0.99 * (1 + Math.cos((3 * Math.PI) / 4))) / 2)];
    cos.lrs.forEach((lr, i) => expect(lr).toBeCloseTo(expected[i]!, 12));
    expect(cos.validation['score']).toBe(-(cos.validation['pixelError'] as number));
    expect(cos.stdout).toContain('sgd lr 0.01, cosine schedule, 2 warm-up steps');
    const constant = await run('constant', ['--optimizer', 'sgd', '--schedule', 'constant']);
    expect(constant.lrs).toEqual([0.01, 0.01, 0.01, 0.01]);
  });

  it('recipe defaults: plain cross-entropy for binary labels, Eq. 2 with data-set-wide balance for instances', () => {
    expect(recipeDefaults(false)).toEqual({ optimizer: 'adam', schedule: 'cosine', classWeights: 'none', w0: 0, sigma: 5 });
    expect(recipeDefaults(true)).toEqual({ optimizer: 'adam', schedule: 'cosine', classWeights: 'dataset', w0: 10, sigma: 5 });
  });

  it('--resume refuses architecture, optimizer and seed flags that differ from the checkpoint, naming both', async () => {
    const ckDir = join(dir, 'tiny-run');
    const file = join(ckDir, 'last.safetensors');
    const tiny = PRESETS.tiny;
    const params = initParams(tiny, 0);
    await saveCheckpoint(file, { config: tiny, params, training: { optimizer: sgd(0.99), state: initState(sgd(0.99), params), step: 4, seed: 0, extra: '{}' } });
    const base = ['--images', join(dir, 'images'), '--labels', join(dir, 'labels'), '--resume', file, '--out', ckDir];
    const cases: [string[], string][] = [
      [['--preset', 'small'], `--preset small (depth 4, base 16, 1 input channel(s), 2 classes, valid padding, dropout 0.5) conflicts with --resume ${file} (depth 3, base 8, 1 input channel(s), 2 classes, valid padding, dropout 0.5); leave out --preset to resume`],
      [['--config', config], `--config ${config} (depth 2, base 4,`],
      [['--optimizer', 'adam'], `--optimizer adam conflicts with --resume ${file} (optimizer sgd); leave out --optimizer to resume`],
      [['--seed', '5'], `--seed 5 conflicts with --resume ${file} (seed 0)`],
      [['--momentum', '0.9'], `--momentum 0.9 conflicts with --resume ${file} (momentum 0.99)`],
    ];
    for (const [flags, message] of cases) {
      const e = await usageError([...base, ...flags]);
      expect(e, flags.join(' ')).toBeInstanceOf(UsageError);
      expect((e as Error).message, flags.join(' ')).toContain(`train: ${message}`);
    }
  });

  it('--out: a file is a usage error; a folder locked by a live run is refused naming the lock and its pid', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const e = await usageError([...data(), '--out', file]);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(`train: --out ${file} is an existing file; expected a folder (existing or to be created)`);
    const out = join(dir, 'locked');
    mkdirSync(out);
    const lock = join(out, 'train.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, hostname: hostname(), started: '2026-01-01T00:00:00.000Z' }));
    const l = await usageError([...data(), '--out', out]);
    expect(l).not.toBeInstanceOf(UsageError); // exit 1: the folder's state, not the flags
    expect((l as Error).message).toBe(`train: --out ${out} is in use: ${lock}: locked by pid ${process.pid} on ${hostname()}, started 2026-01-01T00:00:00.000Z, which is still running; another run is writing this folder (wait for it, stop it, or use another folder)`);
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid); // untouched
  });

  // SIGINT and SIGTERM end a run with a checkpoint of the last finished step, say where it is,
  // release the lock and exit 130 / 143.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} during training writes last.safetensors, names it and exits ${code}`, async () => {
      const out = join(dir, `signal-${signal}`);
      const log = join(out, 'log.jsonl');
      const run = start(['--steps', '1000', '--checkpoint-every', '1000', '--out', out]);
      expect(await waitFor(() => logSteps(log).length > 0, 60_000)).toBe(true);
      run.child.kill(signal);
      expect(await run.exited, run.output()).toBe(code);
      const file = join(out, 'last.safetensors');
      expect(run.output()).toMatch(new RegExp(`${signal}: stopped at step \\d+ of 1000; wrote ${file.replace(/[.]/g, '\\.')}; continue with --resume`));
      const steps = logSteps(log);
      expect((await loadCheckpoint(file)).training!.step).toBe(steps[steps.length - 1]);
      expect(existsSync(join(out, 'train.lock'))).toBe(false);
    });
  }

  it('bad input: missing --out is a usage error (2); a missing folder names it (1)', async () => {
    const a = await cli(['train', ...data()]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--out is required/);
    const b = await cli(['train', '--images', join(dir, 'nope'), '--labels', join(dir, 'labels'), '--out', join(dir, 'x')]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/nope/);
  });

  // A kill at any moment never leaves a checkpoint that does not load or resume. Each round
  // SIGKILLs a run (every step writes a checkpoint) at a random moment — mostly while it
  // steps and writes checkpoints, every third one during start-up (lock takeover, stale-temp
  // cleanup, log truncation) — and the next round resumes from what it left, so every
  // checkpoint is loaded and resumed. 20 rounds, as issue 18 asks: a round costs about 1.4 s
  // (node + tsx start-up, a first step of a depth-2, base-4 network on 60² tiles), ~30 s in all.
  const KILL_ROUNDS = 20;
  it(`SIGKILL at ${KILL_ROUNDS} random moments: every checkpoint left loads and resumes, stale locks and temp files are cleared, the log never repeats a step`, async () => {
    const out = join(dir, 'killed');
    const file = join(out, 'last.safetensors');
    const log = join(out, 'log.jsonl');
    const lock = join(out, 'train.lock');
    let lastStep = 0;
    for (let round = 0; round < KILL_ROUNDS; round++) {
      const from = existsSync(file) ? (await loadCheckpoint(file)).training!.step : undefined;
      // Killed before its first checkpoint, a run leaves a log but nothing to resume: start again.
      const how = from !== undefined ? ['--resume', file] : existsSync(log) ? ['--overwrite'] : [];
      const hadLock = existsSync(lock);
      const run = start(['--steps', '1000', '--checkpoint-every', '1', ...how, '--out', out]);
      if (round % 3 === 2) await sleep(Math.random() * 1500);
      else {
        expect(await waitFor(() => (logSteps(log).at(-1) ?? 0) > (from ?? 0), 60_000), run.output()).toBe(true);
        await sleep(Math.random() * 400);
      }
      run.child.kill('SIGKILL');
      await run.exited;
      // A killed run leaves its lock (unless killed before taking it); the next run takes it over.
      if (hadLock && run.output().includes('training on')) expect(run.output()).toContain(`took over the stale lock ${lock}`);
      if (existsSync(file)) {
        const step = (await loadCheckpoint(file)).training!.step;
        expect(step, `round ${round}`).toBeGreaterThanOrEqual(from ?? 0);
        lastStep = step;
      }
    }
    // A clean finish from what the last kill left: lock taken over, temp files gone, a log of 1, 2, …, n.
    const end = lastStep + 2;
    const hadLock = existsSync(lock);
    const fin = start(['--steps', String(end), '--checkpoint-every', '1', ...(existsSync(file) ? ['--resume', file] : ['--overwrite']), '--out', out]);
    expect(await fin.exited, fin.output()).toBe(0);
    if (hadLock) expect(fin.output()).toContain(`took over the stale lock ${lock}`);
    expect((await loadCheckpoint(file)).training!.step).toBe(end);
    expect(logSteps(log)).toEqual(Array.from({ length: end }, (_, i) => i + 1));
    expect(readdirSync(out).filter((f) => f.includes('.tmp-') || f === 'train.lock')).toEqual([]);
  });
});
