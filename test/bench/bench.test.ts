/**
 * The benchmark suite runs and produces well-formed output. Benchmarks are not tests:
 * nothing here depends on how fast anything is, only on the shape of the report (quick mode,
 * cpu backend, a depth-2 base-4 network at its smallest tile: seconds).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, benchOptions } from '../../src/cli/commands/bench.js';
import { UsageError } from '../../src/cli/args.js';
import { modelForwardFlop, modelTrainFlop } from '../../src/bench/flops.js';
import { median, kernelClock } from '../../src/bench/measure.js';
import { formatReport, type BenchReport } from '../../src/bench/report.js';
import { runBench } from '../../src/bench/run.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { rules } from '../../src/autodiff/rules.js';
import { randomTensor } from '../../src/bench/ops.js';
import { PRESETS } from '../../src/unet/config.js';

const dir = mkdtempSync(join(tmpdir(), 'unet-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const timing = (t: { firstMs: number; medianMs: number; samplesMs: readonly number[] }, reps: number): void => {
  expect(t.firstMs).toBeGreaterThanOrEqual(0);
  expect(t.medianMs).toBeGreaterThanOrEqual(0);
  expect(t.samplesMs).toHaveLength(reps);
  expect(t.medianMs).toBe(median(t.samplesMs));
};

describe('bench helpers', () => {
  it('FLOP counts follow the peer conventions (peers.md configs A, B, C)', () => {
    expect(modelForwardFlop(PRESETS.paper, 572) / 1e9).toBeCloseTo(300.9, 1);
    expect(modelForwardFlop(PRESETS.small, 572) / 1e9).toBeCloseTo(18.9, 1);
    expect(modelForwardFlop({ ...PRESETS.tiny, depth: 4 }, 252) / 1e9).toBeCloseTo(0.48, 2);
    expect(modelTrainFlop(PRESETS.paper, 572)).toBe(3 * modelForwardFlop(PRESETS.paper, 572));
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('kernelClock books every kernel of a conv VJP under its op name', async () => {
    const rt = await createRuntime({ backend: 'cpu' });
    try {
      const clock = kernelClock(rt);
      const x = randomTensor([1, 3, 10, 10], 1);
      const w = randomTensor([4, 3, 3, 3], 2);
      const b = randomTensor([1, 4, 1, 1], 3);
      const { out } = await rules.conv2d.forward(clock.rt, [x, w, b], { pad: 0 });
      expect([...clock.take().keys()]).toEqual(['conv2d.forward']);
      await rules.conv2d.vjp(clock.rt, randomTensor(out.shape, 4), [x, w, b], out, { pad: 0 }, null);
      const ops = [...clock.take().keys()];
      expect(ops).toContain('conv2d.vjp.dx');
      expect(ops).toContain('conv2d.vjp.dw');
      expect(ops.some((o) => o.startsWith('conv2d.vjp.db'))).toBe(true);
      expect(clock.take().size).toBe(0);
    } finally {
      await rt.dispose();
    }
  });
});

describe('bench flags', () => {
  it('defaults and quick defaults', () => {
    const d = benchOptions([]).options;
    expect(d).toMatchObject({ quick: false, presets: ['tiny', 'small', 'paper'], presetsExplicit: false, reps: 3, steps: 200 });
    const q = benchOptions(['--quick', '--only', 'ops', '--backend', 'cpu', '--json', 'x.json']);
    expect(q.options).toMatchObject({ quick: true, only: 'ops', backend: 'cpu', presets: ['tiny'], steps: 12 });
    expect(q.json).toBe('x.json');
    expect(benchOptions(['--presets', 'small,tiny,small']).options).toMatchObject({ presets: ['small', 'tiny'], presetsExplicit: true });
  });

  it('rejects bad values with a usage error', () => {
    expect(() => benchOptions(['--only', 'everything'])).toThrow(UsageError);
    expect(() => benchOptions(['--presets', 'huge'])).toThrow(UsageError);
    expect(() => benchOptions(['--reps', '0'])).toThrow(UsageError);
    expect(() => benchOptions(['--steps', '-1'])).toThrow(UsageError);
    expect(() => benchOptions(['--fast'])).toThrow(UsageError);
  });
});

describe('bench --quick on cpu', () => {
  let report: BenchReport;
  const lines: string[] = [];
  it('runs every section and returns a well-formed report', async () => {
    report = await runBench({ quick: true, backend: 'cpu', presets: ['tiny'], presetsExplicit: false, reps: 3, steps: 4 }, (l) => void lines.push(l));
    expect(report.schema).toBe('unet-ts-bench/1');
    expect(report.backend).toBe('cpu');
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.loadEnd).toHaveLength(3);
    expect(Number.isNaN(Date.parse(report.date))).toBe(false);
    expect(lines.some((l) => l.includes('conv 3×3'))).toBe(true);

    const ops = report.ops!;
    const names = ops.map((r) => r.name);
    for (const n of ['conv 3×3 forward', 'conv 3×3 dx', 'conv 3×3 dw', 'up-conv 2×2 forward', 'up-conv 2×2 VJP (dx+dw+db)', 'max-pool 2×2 forward', 'loss (softmax CE) VJP']) {
      expect(names).toContain(n);
    }
    expect(names.filter((n) => n === 'conv 3×3 forward')).toHaveLength(3);
    for (const r of ops) {
      timing(r, 3);
      if (r.flop !== null && r.medianMs > 0) expect(r.gflops).toBeGreaterThan(0);
    }

    const model = report.model!;
    expect(model.map((r) => r.mode)).toEqual(['forward', 'train']);
    for (const r of model) {
      timing(r, 3);
      expect(r).toMatchObject({ preset: 'tiny', depth: 2, base: 4 });
      expect(r.peakRssMiB).toBeGreaterThan(0);
      expect(r.flop).toBeGreaterThan(0);
    }

    const m = report.memory!;
    expect(m).toMatchObject({ preset: 'tiny', steps: 4, earlyStep: 2 });
    expect(m.rssEarlyMiB).toBeGreaterThan(0);
    expect(m.rssEndMiB).toBeGreaterThan(0);
    expect(m.growthPct).toBeCloseTo((100 * (m.rssEndMiB - m.rssEarlyMiB)) / m.rssEarlyMiB, 6);

    // Peers run when @tensorflow/tfjs is installed, and are skipped with a reason otherwise.
    const peers = report.peers!;
    expect(peers.map((p) => `${p.peer} ${p.mode}`)).toEqual(['tfjs-cpu forward', 'tfjs-cpu train', 'tfjs-wasm forward']);
    for (const p of peers) {
      if (p.timing === null) {
        expect(p.skipped).toMatch(/tensorflow/);
        continue;
      }
      timing(p.timing, 3);
      expect(p.ratio).toBeGreaterThanOrEqual(0);
      // Same network, same weights: the logits agree to float32 rounding.
      if (p.mode === 'forward') expect(p.maxAbsDiff).toBeLessThan(1e-3);
    }

    const text = formatReport(report);
    for (const s of ['unet-ts bench', 'machine:', 'backend: cpu', 'conv 3×3 dx', 'memory growth', 'Peers']) expect(text).toContain(s);
  });
});

describe('unet-ts bench command', () => {
  let out: string[] = [];
  beforeEach(() => {
    out = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('--quick --only ops --json FILE: prints the table and writes the JSON report', async () => {
    const file = join(dir, 'bench.json');
    expect(await bench.run(['--quick', '--backend', 'cpu', '--only', 'ops', '--reps', '1', '--json', file])).toBe(0);
    expect(out.join('\n')).toContain('conv 3×3 forward');
    const json = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
    expect(json.options).toMatchObject({ quick: true, only: 'ops', reps: 1 });
    expect(json.ops!.length).toBeGreaterThan(10);
    expect(json.model).toBeNull();
    expect(json.memory).toBeNull();
    expect(json.peers).toBeNull();
  });
});
