/**
 * The benchmark suite runs and produces well-formed output. Benchmarks are not tests:
 * nothing here depends on how fast anything is, only on what the report must say whatever the
 * speed (quick mode, cpu backend, a depth-2 base-4 network at its smallest tile: seconds):
 * every item present under its name and shape, FLOP and byte counts equal to a hand
 * computation, every measured time finite and positive, derived numbers (median, GFLOP/s,
 * GB/s, peer ratios, the dx/dw/db/host split of a VJP call) consistent with the times.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, benchOptions } from '../../src/cli/commands/bench.js';
import { UsageError } from '../../src/cli/args.js';
import { modelForwardFlop, modelTrainFlop } from '../../src/bench/flops.js';
import { median, kernelClock } from '../../src/bench/measure.js';
import { formatReport, peerTable, type BenchReport } from '../../src/bench/report.js';
import { benchOnnx } from '../../src/bench/onnx-peer.js';
import { benchLogits, modelTarget } from '../../src/bench/model.js';
import { peerPlan } from '../../src/bench/peers.js';
import { runBench } from '../../src/bench/run.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { rules } from '../../src/layers/rules.js';
import { randomTensor } from '../../src/bench/ops.js';
import { PRESETS } from '../../src/unet/config.js';

const dir = mkdtempSync(join(tmpdir(), 'unet-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Timed = { readonly firstMs: number; readonly medianMs: number; readonly samplesMs: readonly number[] };

/** Finite and > 0: a real measurement (an unset field would be undefined/NaN, a skipped one 0). */
const positive = (v: number, what: string): void => {
  expect(Number.isFinite(v), `${what} = ${v} is not finite`).toBe(true);
  expect(v, what).toBeGreaterThan(0);
};

/**
 * A timing of one whole call: `reps` samples after the first call, all measured (> 0), and
 * the median is the samples' median. `positiveTimes: false` for the times attributed inside a
 * call (host side = call − booked kernels, clamped at 0), which are only ≥ 0 and finite.
 */
const timing = (t: Timed, reps: number, what: string, positiveTimes = true): void => {
  expect(t.samplesMs, what).toHaveLength(reps);
  for (const [i, v] of [t.firstMs, ...t.samplesMs].entries()) {
    if (positiveTimes) positive(v, `${what} time ${i}`);
    else expect(Number.isFinite(v) && v >= 0, `${what} time ${i} = ${v}`).toBe(true);
  }
  expect(t.medianMs).toBe(median(t.samplesMs));
};

/** A 3×3 valid conv, counted by hand: 2 FLOP per multiply-add, cin·9 of them per output value. */
const conv3Flop = (cin: number, cout: number, ho: number): number => 2 * cin * 9 * cout * ho * ho;

/**
 * The U-Net of the paper (valid convs) counted layer by layer from its definition, not from
 * the layer table flops.ts reads: per level two 3×3 convs, a 2×2 max-pool down, a 2×2
 * up-conv (2·cin·cout FLOP per output pixel) up, two 3×3 convs on the concatenation, then a
 * 1×1 conv to the classes. Returns the output size, parameters and forward FLOP, or null
 * when the tile is not valid (an odd size before a pool, or nothing left).
 */
const handUNet = (inC: number, classes: number, depth: number, base: number, tile: number): { out: number; params: number; flop: number } | null => {
  let n = tile;
  let c = inC;
  let params = 0;
  let flop = 0;
  const conv = (cin: number, cout: number): boolean => {
    n -= 2;
    params += cin * cout * 9 + cout;
    flop += conv3Flop(cin, cout, n);
    return n > 0;
  };
  for (let l = 0; l < depth; l++) {
    if (!conv(c, base << l) || !conv(base << l, base << l)) return null;
    c = base << l;
    if (n % 2 !== 0) return null;
    n /= 2;
  }
  if (!conv(c, base << depth) || !conv(base << depth, base << depth)) return null;
  c = base << depth;
  for (let l = depth - 1; l >= 0; l--) {
    n *= 2;
    params += c * (base << l) * 4 + (base << l);
    flop += 2 * c * (base << l) * n * n;
    if (!conv(2 * (base << l), base << l) || !conv(base << l, base << l)) return null;
    c = base << l;
  }
  params += c * classes + classes;
  flop += 2 * c * classes * n * n;
  return { out: n, params, flop };
};

describe('bench helpers', () => {
  // The totals the peer measurements (PyTorch, onnxruntime, tfjs) were quoted against, for
  // the paper and small networks at 572 and a depth-4 tiny one at 252: same convention.
  it('FLOP counts follow the peer conventions (300.9, 18.9 and 0.48 GFLOP)', () => {
    expect(modelForwardFlop(PRESETS.paper, 572) / 1e9).toBeCloseTo(300.9, 1);
    expect(modelForwardFlop(PRESETS.small, 572) / 1e9).toBeCloseTo(18.9, 1);
    expect(modelForwardFlop({ ...PRESETS.tiny, depth: 4 }, 252) / 1e9).toBeCloseTo(0.48, 2);
    expect(modelTrainFlop(PRESETS.paper, 572)).toBe(3 * modelForwardFlop(PRESETS.paper, 572));
  });

  it('FLOP counts equal a layer-by-layer hand count of the network', () => {
    for (const [name, c] of Object.entries(PRESETS)) {
      const hand = handUNet(c.inChannels, c.classes, c.depth, c.base, c.tile);
      expect(hand, name).not.toBeNull();
      expect(modelForwardFlop(c, c.tile), name).toBe(hand!.flop);
    }
    // The paper's first layer alone, by hand: 1→64 channels, 572² → 570², 2·9 FLOP per term.
    expect(conv3Flop(1, 64, 570)).toBe(2 * 9 * 64 * 570 * 570);
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('kernelClock books every kernel of a conv VJP under its op name (off the device, db is a host pass: no kernel)', async () => {
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
      expect(ops.some((o) => o.startsWith('conv2d.vjp.db'))).toBe(false);
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
    expect(benchOptions(['--peers', 'onnxruntime,torch']).options.peers).toEqual(['onnxruntime', 'torch']);
    expect(d.peers).toBeUndefined();
  });

  it('rejects bad values with a usage error', () => {
    expect(() => benchOptions(['--only', 'everything'])).toThrow(UsageError);
    expect(() => benchOptions(['--presets', 'huge'])).toThrow(UsageError);
    expect(() => benchOptions(['--peers', 'onnx'])).toThrow("bench: --peers: unknown peer 'onnx' (expected tfjs-cpu, tfjs-wasm, onnxruntime, torch)");
    expect(() => benchOptions(['--reps', '0'])).toThrow(UsageError);
    expect(() => benchOptions(['--steps', '-1'])).toThrow(UsageError);
    expect(() => benchOptions(['--fast'])).toThrow(UsageError);
  });
});

describe('bench --quick on cpu', () => {
  let report: BenchReport;
  const lines: string[] = [];
  it('runs every section and returns a well-formed report', async () => {
    // no Python is found here, so the torch items take the skipped path (test/bench/torch-peer.test.ts runs them)
    const pythons = ['/nonexistent/python3'];
    report = await runBench({ quick: true, backend: 'cpu', presets: ['tiny'], presetsExplicit: false, reps: 3, steps: 4, pythons }, (l) => void lines.push(l));
    expect(report.schema).toBe('unet-ts-bench/1');
    expect(report.backend).toBe('cpu');
    expect(report.fallbacks).toEqual({});
    expect(report.options).toEqual({ quick: true, only: null, presets: ['tiny'], reps: 3, steps: 4 });
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.loadEnd).toHaveLength(3);
    expect(Number.isNaN(Date.parse(report.date))).toBe(false);
    positive(report.totalSeconds, 'totalSeconds');
    expect(lines.some((l) => l.includes('conv 3×3'))).toBe(true);

    // Ops: every quick case (ops.ts opCases) under its name and shape, with its count by hand.
    const ops = report.ops!;
    const op = (name: string, shape: string) => {
      const r = ops.find((o) => o.name === name && o.shape === shape);
      expect(r, `${name} at ${shape}`).toBeDefined();
      return r!;
    };
    const convs: [number, number, number][] = [[8, 8, 34], [32, 32, 10], [1, 8, 36]];
    for (const [cin, cout, h] of convs) {
      const shape = `${cin}→${cout}, ${h}²→${h - 2}²`;
      const f = conv3Flop(cin, cout, h - 2);
      expect(op('conv 3×3 forward', shape).flop).toBe(f);
      expect(op('conv 3×3 VJP (dx+dw+db)', shape).flop).toBe(2 * f);
      expect(op('conv 3×3 dx', shape).flop).toBe(f);
      expect(op('conv 3×3 dw', shape).flop).toBe(f);
      expect(op('conv 3×3 db', shape).flop).toBeNull();
      expect(op('conv 3×3 VJP host side', shape).flop).toBeNull();
    }
    // 16→8 at 12² → 24²: each of the 8·24² outputs gets one tap per input channel.
    expect(op('up-conv 2×2 forward', '16→8, 12²→24²').flop).toBe(2 * 16 * 8 * 24 * 24);
    expect(op('up-conv 2×2 VJP (dx+dw+db)', '16→8, 12²→24²').flop).toBe(2 * 2 * 16 * 8 * 24 * 24);
    // Memory-bound, float32 bytes moved once: the forward reads x (8×32²) and writes y (8×16²);
    // the VJP reads x and dy (y-sized) and writes dx (x-sized).
    expect(op('max-pool 2×2 forward', '8×32×32→8×16×16').bytes).toBe(4 * (8 * 32 * 32 + 8 * 16 * 16));
    expect(op('max-pool 2×2 VJP', '8×32×32→8×16×16').bytes).toBe(4 * (2 * 8 * 32 * 32 + 8 * 16 * 16));
    expect(op('loss (softmax CE) forward', '2×32×32').flop).toBeNull();
    expect(op('loss (softmax CE) VJP', '2×32×32').flop).toBeNull();
    expect(ops).toHaveLength(3 * 6 + 6 + 2 + 2);

    for (const r of ops) {
      // attributed inside a call: the host side, and db (0 off the device: a host pass, in the host side)
      const attributed = r.name.endsWith(' host side') || r.name.endsWith(' db');
      timing(r, 3, r.name + ' ' + r.shape, !attributed);
      expect(r.gflops).toBe(r.flop === null ? null : r.flop / r.medianMs / 1e6);
      expect(r.gbps).toBe(r.bytes === null ? null : r.bytes / r.medianMs / 1e6);
    }
    // A VJP call's split: kernels booked inside the call take no longer than the call, and the
    // host side is the rest, sample by sample (clamped at 0).
    for (const [label, shape] of [...convs.map(([i, o, h]) => ['conv 3×3', `${i}→${o}, ${h}²→${h - 2}²`]), ['up-conv 2×2', '16→8, 12²→24²']] as const) {
      const total = op(`${label} VJP (dx+dw+db)`, shape);
      const [dx, dw, db, host] = ['dx', 'dw', 'db', 'VJP host side'].map((p) => op(`${label} ${p}`, shape));
      for (let i = 0; i < 3; i++) {
        const booked = dx!.samplesMs[i]! + dw!.samplesMs[i]! + db!.samplesMs[i]!;
        expect(booked).toBeLessThanOrEqual(total.samplesMs[i]! + 1e-9);
        expect(host!.samplesMs[i]!).toBeCloseTo(Math.max(0, total.samplesMs[i]! - booked), 9);
      }
    }

    // Model: the quick tiny network (depth 2, base 4) at its smallest valid tile, counted by hand.
    let tile = 1;
    while (handUNet(1, 2, 2, 4, tile) === null) tile++;
    const hand = handUNet(1, 2, 2, 4, tile)!;
    const model = report.model!;
    expect(model.map((r) => r.mode)).toEqual(['forward', 'train']);
    for (const r of model) {
      timing(r, 3, `model ${r.mode}`);
      expect(r).toMatchObject({ preset: 'tiny', depth: 2, base: 4, tile, out: hand.out, params: hand.params });
      expect(r.flop).toBe(r.mode === 'forward' ? hand.flop : 3 * hand.flop);
      expect(r.gflops).toBe(r.flop / r.medianMs / 1e6);
      positive(r.peakRssMiB, 'peak RSS');
    }

    const m = report.memory!;
    expect(m).toMatchObject({ preset: 'tiny', tile, steps: 4, earlyStep: 2 });
    positive(m.rssEarlyMiB, 'early RSS');
    positive(m.rssEndMiB, 'end RSS');
    expect(m.growthPct).toBeCloseTo((100 * (m.rssEndMiB - m.rssEarlyMiB)) / m.rssEarlyMiB, 6);
    // The kernel cache is warm after 2 steps: a step that compiled new kernels would leak.
    expect(m.kernelsEnd).toBe(m.kernelsEarly);
    expect(m.gpuEarlyMiB).toBeNull(); // cpu is not a resident backend

    // Peers run when @tensorflow/tfjs (onnxruntime-node) is installed, and are skipped with a reason otherwise.
    const peers = report.peers!;
    expect(peers.map((p) => `${p.peer} ${p.mode}`)).toEqual(['tfjs-cpu forward', 'tfjs-cpu train', 'tfjs-wasm forward', 'onnxruntime forward', 'torch forward', 'torch train']);
    for (const p of peers.filter((r) => r.peer === 'torch')) {
      expect(p.timing).toBeNull();
      expect(p.skipped).toMatch(/^python3-torch not installed \(no 'import torch' in \/nonexistent\/python3;/);
    }
    for (const p of peers.filter((r) => r.peer !== 'torch')) {
      if (p.timing === null) {
        expect(p.skipped).toMatch(p.peer === 'onnxruntime' ? /onnxruntime-node/ : /tensorflow/);
        continue;
      }
      timing(p.timing, 3, `${p.peer} ${p.mode}`);
      // The ratio is against unet-ts's own row for the same item.
      const ours = model.find((r) => r.mode === p.mode)!;
      expect(p.unetMs).toBe(ours.medianMs);
      expect(p.ratio).toBe(p.timing.medianMs / ours.medianMs);
      // Same network, same weights: the logits agree to float32 rounding.
      if (p.mode === 'forward') expect(p.maxAbsDiff).toBeLessThan(1e-3);
    }

    const text = formatReport(report);
    for (const s of ['unet-ts bench', 'machine:', 'backend: cpu', 'conv 3×3 dx', 'memory growth', 'Peers']) expect(text).toContain(s);
    expect(text).toMatch(/^torch +tiny +forward +– .*skipped: python3-torch not installed/m);
    expect(text).toContain('note: peers skipped: python3-torch not installed');
  });
});

describe('bench: the onnxruntime peer (the engine of segment --engine onnx)', () => {
  it('is planned for tiny and small (forward), and times a forward with the logits of unet-ts', async () => {
    const targets = (['tiny', 'small', 'paper'] as const).map((p) => modelTarget(p, false));
    const onnx = peerPlan(targets, false).filter((p) => p.peer === 'onnxruntime');
    expect(onnx.map((p) => `${p.target.preset} ${p.target.tile} ${p.mode}`)).toEqual(['tiny 252 forward', 'small 572 forward']);
    // the quick tiny network (depth 2, base 4): milliseconds
    const t = modelTarget('tiny', true);
    const rt = await createRuntime({ backend: 'cpu' });
    try {
      const row = await benchOnnx({ peer: 'onnxruntime', target: t, mode: 'forward' }, 2, 5, await benchLogits(rt, t), 1);
      expect(row).toMatchObject({ peer: 'onnxruntime', preset: 'tiny', mode: 'forward', tile: t.tile, unetMs: 5 });
      expect(row.version).toMatch(/^onnxruntime-node 1\.\d+\.\d+, 1 thread, CPU$/);
      timing(row.timing!, 2, 'onnxruntime forward');
      expect(row.ratio).toBe(row.timing!.medianMs / 5);
      expect(row.maxAbsDiff).toBeLessThan(1e-4);
      expect(peerTable([row])).toMatch(/^onnxruntime +tiny +forward +\d/m);
    } finally {
      await rt.dispose();
    }
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
