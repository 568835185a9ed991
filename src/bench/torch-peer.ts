/**
 * PyTorch as an optional peer of the bench: when a Python with `import torch` is found
 * (Debian's python3-torch; never required), scripts/bench/torch_peer.py runs the same network
 * with the same weights and input, with 2 threads, and prints its timings as one JSON line.
 * The weights travel through the project's own model file (safetensors, names and layouts of
 * a PyTorch state_dict, loaded there with strict=True); the input, labels and pixel weights
 * through a second safetensors file; the forward's logits come back as raw float32 (NCHW) and
 * are compared with unet-ts's (max |Δ|). Without torch the items are skipped with the reason
 * "python3-torch not installed".
 *
 * @example
 * import { findTorch } from './torch-peer.js';
 * const torch = findTorch();
 * if ('error' in torch) console.log(`skipped: ${torch.error}`);
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { writeSafetensorsFile } from '../checkpoint/safetensors-file.js';
import type { Tensor } from '../tensor/tensor.js';
import { writeModelFile } from '../unet/checkpoint.js';
import { initParams } from '../unet/params.js';
import { modelForwardFlop, modelTrainFlop } from './flops.js';
import { gflops, median } from './measure.js';
import { benchSample } from './model.js';
import type { PeerItem, PeerRow } from './peers.js';

/** A torch peer's output that is not what torch_peer.py prints, or a run that failed. */
export class PeerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerError';
  }
}

/** Threads the PyTorch peer runs with (the development machine's 2 cores). */
export const TORCH_THREADS = 2;

/** The reason torch items are skipped when no Python imports torch. */
export const TORCH_MISSING = 'python3-torch not installed';

/** scripts/bench/torch_peer.py, from src/bench (tests, tsx) and from dist/bench alike. */
export const TORCH_SCRIPT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../scripts/bench/torch_peer.py');

/** A Python that imports torch: the command and torch's version. */
export interface TorchPython {
  readonly python: string;
  readonly version: string;
}

/**
 * The Pythons tried, in order: `UNET_TORCH_PYTHON` alone when set, else `python3` on the PATH
 * and Debian's /usr/bin/python3 (where python3-torch installs, behind a pyenv or venv python3).
 */
export const torchCandidates = (env: NodeJS.ProcessEnv = process.env): readonly string[] => {
  const forced = env['UNET_TORCH_PYTHON'];
  return forced !== undefined && forced !== '' ? [forced] : ['python3', '/usr/bin/python3'];
};

/**
 * The first candidate whose `import torch` works, or the reason none does (TORCH_MISSING,
 * naming the Pythons tried). Each probe is one short process (torch's import takes ~1 s).
 *
 * @example
 * findTorch(['python3']); // { python: 'python3', version: '1.13.1' } or { error: 'python3-torch not installed (…)' }
 */
export const findTorch = (candidates: readonly string[] = torchCandidates()): TorchPython | { readonly error: string } => {
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    const version = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
    if (version) return { python, version };
  }
  return { error: `${TORCH_MISSING} (no 'import torch' in ${candidates.join(', ')}; apt-get install python3-torch, or set UNET_TORCH_PYTHON)` };
};

/** What torch_peer.py prints (one JSON line). */
export interface TorchOutput {
  readonly torch: string;
  readonly threads: number;
  readonly mode: 'forward' | 'train';
  readonly firstMs: number;
  readonly samplesMs: readonly number[];
  /** Forward only. */
  readonly logitsShape?: readonly number[];
  /** Training only: the loss of the first step. */
  readonly firstLoss?: number;
}

const isMs = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Parses torch_peer.py's stdout: the last non-empty line as JSON, every field checked (a
 * PeerError names the first one that is missing or wrong).
 *
 * @example
 * parseTorchOutput('{"peer":"torch","torch":"1.13.1","threads":2,"mode":"train","firstMs":900,"samplesMs":[410,420]}').samplesMs; // [410, 420]
 */
export const parseTorchOutput = (stdout: string): TorchOutput => {
  const line = stdout.trim().split('\n').filter((l) => l.trim() !== '').pop();
  if (line === undefined) throw new PeerError('torch peer: no output (expected one JSON line)');
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new PeerError(`torch peer: output is not JSON: ${line.slice(0, 120)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PeerError(`torch peer: output is not a JSON object: ${line.slice(0, 120)}`);
  const o = v as Record<string, unknown>;
  const bad = (field: string, want: string): never => {
    throw new PeerError(`torch peer: output field '${field}' is ${JSON.stringify(o[field]) ?? 'missing'}; expected ${want}`);
  };
  if (o['peer'] !== 'torch') bad('peer', '"torch"');
  if (typeof o['torch'] !== 'string') bad('torch', 'the torch version');
  if (typeof o['threads'] !== 'number' || !Number.isInteger(o['threads']) || o['threads'] < 1) bad('threads', 'a positive integer');
  if (o['mode'] !== 'forward' && o['mode'] !== 'train') bad('mode', '"forward" or "train"');
  if (!isMs(o['firstMs'])) bad('firstMs', 'milliseconds');
  const samples = o['samplesMs'];
  if (!Array.isArray(samples) || samples.length === 0 || !samples.every(isMs)) bad('samplesMs', 'a non-empty list of milliseconds');
  const shape = o['logitsShape'];
  if (shape !== undefined && !(Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d > 0))) bad('logitsShape', 'a list of positive integers');
  if (o['mode'] === 'forward' && shape === undefined) bad('logitsShape', 'the logits shape of a forward run');
  const loss = o['firstLoss'];
  if (loss !== undefined && (typeof loss !== 'number' || !Number.isFinite(loss))) bad('firstLoss', 'a finite number');
  return {
    torch: o['torch'] as string,
    threads: o['threads'] as number,
    mode: o['mode'] as 'forward' | 'train',
    firstMs: o['firstMs'] as number,
    samplesMs: samples as number[],
    ...(shape !== undefined ? { logitsShape: shape as number[] } : {}),
    ...(loss !== undefined ? { firstLoss: loss as number } : {}),
  };
};

/** Runs a command, collecting stdout and stderr; resolves with the exit code (spawn errors as code −1). */
const runProcess = (cmd: string, args: readonly string[]): Promise<{ readonly code: number; readonly stdout: string; readonly stderr: string }> =>
  new Promise((done) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
    p.on('error', (e) => done({ code: -1, stdout, stderr: stderr + e.message }));
    p.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });

const maxAbsDiff = (a: Float32Array, b: Float32Array): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/**
 * Times one item in PyTorch: writes the bench parameters as a model file and the bench
 * sample as safetensors into a temporary folder, runs torch_peer.py there, and returns the
 * row (ratio to `unetMs`, logits compared with `unetLogits` for a forward). Throws a
 * PeerError when the script fails or prints something else than its JSON line.
 *
 * @example
 * import type { PeerItem } from './peers.js';
 * declare const item: PeerItem;
 * const row = await benchTorch({ python: '/usr/bin/python3', version: '1.13.1' }, item, 3, 120, null);
 * row.ratio; // torch median / unet-ts median
 */
export const benchTorch = async (
  torch: TorchPython,
  item: PeerItem,
  reps: number,
  unetMs: number | null,
  unetLogits: Tensor | null,
  script: string = TORCH_SCRIPT,
): Promise<PeerRow> => {
  const { target: t, mode } = item;
  if (!existsSync(script)) throw new PeerError(`torch peer: ${script} does not exist`);
  const dir = mkdtempSync(join(tmpdir(), 'unet-torch-peer-'));
  try {
    const model = join(dir, 'model.safetensors');
    const sampleFile = join(dir, 'sample.safetensors');
    const logitsFile = join(dir, 'logits.f32');
    await writeModelFile(model, { config: t.config, params: initParams(t.config, 1) });
    const s = benchSample(t);
    const table = { image: s.image, labels: s.labels, weights: s.weights };
    const w = await writeSafetensorsFile(sampleFile, Object.fromEntries(Object.entries(table).map(([k, v]) => [k, { shape: [...v.shape], data: v.data }])))();
    if (E.isLeft(w)) throw w.left;
    const args = [script, '--model', model, '--sample', sampleFile, '--mode', mode, '--reps', String(Math.max(1, reps)), '--threads', String(TORCH_THREADS), ...(mode === 'forward' ? ['--logits', logitsFile] : [])];
    const r = await runProcess(torch.python, args);
    if (r.code !== 0) throw new PeerError(`torch peer: ${torch.python} torch_peer.py exited with ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
    const out = parseTorchOutput(r.stdout);
    if (out.mode !== mode) throw new PeerError(`torch peer: asked for ${mode}, the output is of ${out.mode}`);
    let diff: number | null = null;
    if (mode === 'forward' && unetLogits) {
      if (!existsSync(logitsFile)) throw new PeerError('torch peer: torch_peer.py wrote no logits file');
      const bytes = readFileSync(logitsFile);
      const logits = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength - (bytes.byteLength % 4)));
      if (logits.length !== unetLogits.data.length) {
        throw new PeerError(`torch peer: ${logits.length} logits (shape ${JSON.stringify(out.logitsShape)}), unet-ts has ${unetLogits.data.length} (shape ${JSON.stringify(unetLogits.shape)})`);
      }
      diff = maxAbsDiff(logits, unetLogits.data);
    }
    const medianMs = median(out.samplesMs);
    const flop = mode === 'forward' ? modelForwardFlop(t.config, t.tile) : modelTrainFlop(t.config, t.tile);
    return {
      peer: 'torch',
      preset: t.preset,
      mode,
      tile: t.tile,
      timing: { firstMs: out.firstMs, medianMs, samplesMs: out.samplesMs },
      gflops: gflops(flop, medianMs),
      ratio: unetMs === null ? null : medianMs / unetMs,
      unetMs,
      maxAbsDiff: diff,
      version: `torch ${out.torch}, ${out.threads} threads`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
