/**
 * The benchmark report: one JSON-serialisable record (what `--json FILE` writes) and its
 * rendering as readable tables (what stdout shows).
 */
import { cpus, loadavg, platform, arch, totalmem } from 'node:os';
import type { MemoryGrowth, ModelRow } from './model.js';
import type { OpRow } from './ops.js';
import type { PeerRow } from './peers.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** 1-, 5- and 15-minute load averages when the run started and when it ended. */
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
}

export interface BenchReport {
  readonly schema: 'unet-ts-bench/1';
  readonly date: string;
  readonly machine: Machine;
  readonly backend: string;
  /** Kernels gpu.js ran on another backend than asked (op → reason). */
  readonly fallbacks: Readonly<Record<string, string>>;
  readonly options: { readonly quick: boolean; readonly only: string | null; readonly presets: readonly string[]; readonly reps: number; readonly steps: number };
  readonly ops: readonly OpRow[] | null;
  readonly model: readonly ModelRow[] | null;
  readonly memory: MemoryGrowth | null;
  readonly peers: readonly PeerRow[] | null;
  readonly notes: readonly string[];
  readonly totalSeconds: number;
}

/** The machine as seen now (the end load is filled in by `finishMachine`). */
export const machineNow = (): Machine => ({
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  cores: cpus().length,
  memoryGiB: totalmem() / 2 ** 30,
  node: process.version,
  platform: `${platform()} ${arch()}`,
  loadStart: loadavg(),
  loadEnd: [],
});

export const finishMachine = (m: Machine): Machine => ({ ...m, loadEnd: loadavg() });

/** A duration for people: 0.42 ms, 12.3 ms, 1.23 s, 2.1 min. */
export const ms = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${v.toFixed(1)} ms` : v < 120_000 ? `${(v / 1000).toFixed(2)} s` : `${(v / 60_000).toFixed(1)} min`;

const num = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

/**
 * A text table, widths from the content: the first `leftCols` columns and the last one
 * (free text) left-aligned, the numbers between right-aligned.
 */
export const table = (head: readonly string[], rows: readonly (readonly string[])[], leftCols = 2): string => {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const left = (i: number): boolean => i < leftCols || i === head.length - 1;
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
};

const opsTable = (rows: readonly OpRow[]): string =>
  table(
    ['op', 'shape', 'first call', 'median', 'GFLOP/s', 'GB/s', 'how'],
    rows.map((r) => [r.name, r.shape, ms(r.firstMs), ms(r.medianMs), num(r.gflops), num(r.gbps), r.note ?? '']),
  );

const modelTable = (rows: readonly ModelRow[]): string =>
  table(
    ['preset', 'mode', 'net', 'tile→out', 'params', 'GFLOP', 'first call', 'median', 'GFLOP/s', 'peak RSS'],
    rows.map((r) => [r.preset, r.mode, `depth ${r.depth} base ${r.base}`, `${r.tile}→${r.out}`, r.params.toLocaleString('en-US'), num(r.flop / 1e9), ms(r.firstMs), ms(r.medianMs), num(r.gflops), `${r.peakRssMiB.toFixed(0)} MiB`]),
    3,
  );

/**
 * The peers table: one row per peer item, in plan order (tfjs, onnxruntime, then torch); a skipped item
 * says `skipped: <reason>` in the last column.
 */
export const peerTable = (rows: readonly PeerRow[]): string =>
  table(
    ['peer', 'preset', 'mode', 'first call', 'median', 'GFLOP/s', 'unet-ts', 'peer/unet-ts', 'max |Δ logits|'],
    rows.map((r) =>
      r.timing === null
        ? [r.peer, r.preset, r.mode, '–', '', '', '', '', `skipped: ${r.skipped ?? ''}`]
        : [r.peer, r.preset, r.mode, ms(r.timing.firstMs), ms(r.timing.medianMs), num(r.gflops), ms(r.unetMs), r.ratio === null ? '–' : `${r.ratio.toFixed(2)}×`, r.maxAbsDiff === null ? '' : r.maxAbsDiff.toExponential(1)],
    ),
  );

const memoryLine = (m: MemoryGrowth): string =>
  `memory growth (${m.preset} ${m.tile}, ${m.steps} training steps): RSS ${m.rssEarlyMiB.toFixed(0)} MiB after ${m.earlyStep} → ` +
  `${m.rssEndMiB.toFixed(0)} MiB after ${m.steps} (${m.growthPct >= 0 ? '+' : ''}${m.growthPct.toFixed(1)}%); ` +
  `JS heap ${m.heapEarlyMiB.toFixed(0)} → ${m.heapEndMiB.toFixed(0)} MiB; kernels ${m.kernelsEarly} → ${m.kernelsEnd}` +
  (m.gpuEarlyMiB !== null && m.gpuEndMiB !== null ? `; GPU buffers ${m.gpuEarlyMiB.toFixed(1)} → ${m.gpuEndMiB.toFixed(1)} MiB` : '') +
  (m.gcForced ? '; gc forced before readings' : '; run with node --expose-gc to force gc before readings');

/** The whole report as text. */
export const formatReport = (r: BenchReport): string => {
  const m = r.machine;
  const load = (l: readonly number[]): string => l.map((v) => v.toFixed(2)).join(' ');
  const out: string[] = [
    `unet-ts bench — ${r.date}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB, ${m.platform}, node ${m.node}`,
    `backend: ${r.backend}${Object.keys(r.fallbacks).length > 0 ? ` (fallbacks: ${Object.entries(r.fallbacks).map(([k, v]) => `${k}: ${v}`).join('; ')})` : ''}`,
    `load average at start: ${load(m.loadStart)}, at end: ${load(m.loadEnd)}${r.options.quick ? '   [--quick: small shapes, numbers are smoke only]' : ''}`,
  ];
  const shapes = r.options.quick ? 'quick: small shapes' : "the paper's layer shapes";
  if (r.ops) out.push('', `Ops (${shapes}, batch 1; first call = compile + run; median of ${r.options.reps} further calls)`, opsTable(r.ops));
  if (r.model) out.push('', `Whole model (batch 1; median of ${r.options.reps} calls after the first; train = lossAndGrads + Adam update, FLOP = 3× forward)`, modelTable(r.model));
  if (r.memory) out.push('', memoryLine(r.memory));
  if (r.peers) out.push('', 'Peers (same architecture and weights; tfjs and onnxruntime in this process, torch in a Python process of its own)', peerTable(r.peers));
  if (r.notes.length > 0) out.push('', ...r.notes.map((n) => `note: ${n}`));
  out.push('', `total ${ms(r.totalSeconds * 1000)}`);
  return out.join('\n');
};
