/**
 * Queue test helpers: `unet-ts worker` child processes (from src through tsx, cpu backend, short
 * locks so a killed worker's job is taken over within seconds), small grey PNGs, and byte
 * comparison of output folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { image } from '../../src/data/image.js';
import { writePng } from '../../src/data/png.js';
import { rng } from '../../src/tensor/random.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr so far. */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Lock and stalled-check times of the test workers (ms): a killed worker's job moves on after about 2.5 s. */
export const LOCK_MS = 2000;
export const STALLED_MS = 500;

/** Starts `unet-ts worker` (cpu backend) and resolves once it says it is waiting for jobs. */
export const startWorker = async (url: string, extra: readonly string[] = []): Promise<WorkerProcess> => {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', url, '--backend', 'cpu', '--lock-duration', String(LOCK_MS), '--stalled-interval', String(STALLED_MS), ...extra];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within 30 s:\n${output}`)), 30_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (/waiting for jobs/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before taking jobs:\n${output}`));
    });
  });
  return { child, pid: child.pid!, output: () => output, exited };
};

/** SIGTERM (finish held jobs, then exit) and wait. */
export const stopWorker = async (w: WorkerProcess): Promise<void> => {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await w.exited;
};

/** A seeded 8-bit grey PNG of smooth blobs and noise. */
export const writeGreyPng = (file: string, width: number, height: number, seed: number): void => {
  const r = rng(seed);
  const px = Float32Array.from({ length: width * height }, (_, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    return Math.max(0, Math.min(255, Math.round(128 + 90 * Math.sin(x * 0.23 + seed) * Math.cos(y * 0.17 - seed) + 20 * r.normal())));
  });
  writePng(file, image(width, height, 1, px), { bitDepth: 8 });
};

/** The PNG outputs of a folder (temporary files of killed writers left out), name → bytes. */
export const outputFiles = (dir: string): Map<string, Buffer> =>
  new Map(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f))]),
  );

/** Names whose bytes differ between two folders, or that only one has. */
export const differingFiles = (a: ReadonlyMap<string, Buffer>, b: ReadonlyMap<string, Buffer>): string[] =>
  [...new Set([...a.keys(), ...b.keys()])].filter((f) => !(a.has(f) && b.has(f) && a.get(f)!.equals(b.get(f)!)));

/** Resolves when `check` is true (polled every 50 ms), rejects with `what` after `ms`. */
export const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> => {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
