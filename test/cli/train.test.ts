import { beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthetic } from '../../src/data/synthetic.js';
import { image } from '../../src/data/image.js';
import { writePng } from '../../src/data/png.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';

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
  });

  it('bad input: missing --out is a usage error (2); a missing folder names it (1)', async () => {
    const a = await cli(['train', ...data()]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--out is required/);
    const b = await cli(['train', '--images', join(dir, 'nope'), '--labels', join(dir, 'labels'), '--out', join(dir, 'x')]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/nope/);
  });

  // A kill at any moment — here repeatedly during the per-step checkpoint writes — never
  // leaves a last.safetensors that does not load.
  it('a SIGKILL during training leaves the last checkpoint loadable', async () => {
    const out = join(dir, 'killed');
    const child = spawn(process.execPath, [...args, 'train', ...data(), '--steps', '1000', '--checkpoint-every', '1', '--backend', 'cpu', '--out', out], { cwd: root, stdio: 'ignore' });
    const file = join(out, 'last.safetensors');
    const deadline = Date.now() + 90_000;
    while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(file)).toBe(true);
    // Let it write a few more checkpoints, then kill it at an arbitrary moment.
    await new Promise((r) => setTimeout(r, 1500 + Math.floor(Math.random() * 500)));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const ck = await loadCheckpoint(file);
    expect(ck.training!.step).toBeGreaterThanOrEqual(1);
  });
});
