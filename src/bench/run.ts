/**
 * Runs the benchmark suite: ops at the paper's layer shapes, the whole model per preset
 * (forward, training step, memory growth), and the peers (tfjs; PyTorch when installed);
 * returns one report.
 * Progress goes to `log` (stderr in the CLI), one line per item, so long runs show life.
 */
import { createRuntime, type Runtime } from '../runtime/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import type { PresetName } from '../unet/config.js';
import { opCases, type OpRow } from './ops.js';
import { benchLogits, benchModel, memoryGrowth, modelTarget, type MemoryGrowth, type ModelRow, type ModelTarget, type ModelMode } from './model.js';
import { benchPeer, loadTf, peerPlan, skippedPeer, type PeerName, type PeerRow } from './peers.js';
import { benchOnnx } from './onnx-peer.js';
import { benchTorch, findTorch, PeerError, TORCH_MISSING, TORCH_SCRIPT, torchCandidates } from './torch-peer.js';
import { finishMachine, machineNow, ms, type BenchReport } from './report.js';

export type Section = 'ops' | 'model' | 'peers';

export interface BenchOptions {
  /** Backend name or 'auto' (default: UNET_BACKEND, else auto). */
  readonly backend?: string;
  /** Small shapes and the smallest tiles: a smoke run of seconds. */
  readonly quick: boolean;
  /** Run one section only. */
  readonly only?: Section;
  readonly presets: readonly PresetName[];
  /** True when the presets were asked for: peers then run at every one of them. */
  readonly presetsExplicit: boolean;
  /** Only these peers (default: all). */
  readonly peers?: readonly PeerName[];
  /** Timed calls after the first (≥ 3 gives a meaningful median). */
  readonly reps: number;
  /** Training steps of the memory-growth run (0: skip it). */
  readonly steps: number;
  /** Pythons to try for the torch peer (default `torchCandidates()`: UNET_TORCH_PYTHON, else python3, /usr/bin/python3). */
  readonly pythons?: readonly string[];
}

const want = (o: BenchOptions, s: Section): boolean => o.only === undefined || o.only === s;

/** Wraps an item with a start and an end line on `log`. */
const item =
  (log: (line: string) => void) =>
  async <A>(label: string, f: () => Promise<A>): Promise<A> => {
    log(`bench: ${label} …`);
    const t0 = performance.now();
    const a = await f();
    log(`bench: ${label} done in ${ms(performance.now() - t0)}`);
    return a;
  };

const runOps = async (rt: Runtime, o: BenchOptions, step: ReturnType<typeof item>): Promise<OpRow[]> => {
  const rows: OpRow[] = [];
  for (const c of opCases(o.quick)) rows.push(...(await step(`op ${c.label}`, () => c.run(rt, o.reps))));
  return rows;
};

const runModel = async (rt: Runtime, targets: readonly ModelTarget[], o: BenchOptions, step: ReturnType<typeof item>): Promise<ModelRow[]> => {
  const rows: ModelRow[] = [];
  for (const t of targets)
    for (const mode of ['forward', 'train'] as const) rows.push(await step(`model ${t.preset} ${t.tile} ${mode}`, () => benchModel(rt, t, mode, o.reps)));
  return rows;
};

const runPeers = async (
  rt: Runtime,
  targets: readonly ModelTarget[],
  known: readonly ModelRow[],
  o: BenchOptions,
  step: ReturnType<typeof item>,
  notes: string[],
): Promise<PeerRow[]> => {
  const plan = peerPlan(targets, o.presetsExplicit).filter((p) => o.peers?.includes(p.peer) ?? true);
  const tfjs = plan.some((p) => p.peer === 'tfjs-cpu' || p.peer === 'tfjs-wasm');
  const cpu = tfjs ? await loadTf(false) : { error: 'not run' };
  const wasm = 'tf' in cpu ? await loadTf(true) : cpu;
  const logits = new Map<string, Tensor>();
  const timedHere = new Map<string, number>();
  const unetMs = async (t: ModelTarget, mode: ModelMode): Promise<number> => {
    const row = known.find((r) => r.preset === t.preset && r.mode === mode && r.tile === t.tile);
    if (row) return row.medianMs;
    const key = `${t.preset} ${t.tile} ${mode}`;
    const seen = timedHere.get(key);
    if (seen !== undefined) return seen;
    notes.push(`unet-ts ${t.preset} ${mode} timed for the peer ratio only (model section not run)`);
    const measured = (await step(`unet-ts ${t.preset} ${mode} (for the peer ratio)`, () => benchModel(rt, t, mode, o.reps))).medianMs;
    timedHere.set(key, measured);
    return measured;
  };
  const torch = plan.some((p) => p.peer === 'torch') ? findTorch(o.pythons ?? torchCandidates()) : undefined;
  const rows: PeerRow[] = [];
  const forwardLogits = async (t: ModelTarget): Promise<Tensor> => {
    const ref = logits.get(t.preset) ?? (await benchLogits(rt, t));
    logits.set(t.preset, ref);
    return ref;
  };
  for (const p of plan) {
    if (p.peer === 'torch') {
      if (torch === undefined || 'error' in torch) {
        rows.push(skippedPeer(p, torch?.error ?? TORCH_MISSING));
        continue;
      }
      const ours = await unetMs(p.target, p.mode);
      const ref = p.mode === 'forward' ? await forwardLogits(p.target) : null;
      const row = await step(`peer torch ${p.target.preset} ${p.target.tile} ${p.mode}`, () =>
        benchTorch(torch, p, o.reps, ours, ref).catch((e: unknown) => {
          if (e instanceof PeerError) return skippedPeer(p, e.message);
          throw e;
        }),
      );
      rows.push(row);
      continue;
    }
    if (p.peer === 'onnxruntime') {
      const [ours, ref] = [await unetMs(p.target, p.mode), await forwardLogits(p.target)];
      rows.push(await step(`peer onnxruntime ${p.target.preset} ${p.target.tile} forward`, () => benchOnnx(p, o.reps, ours, ref)));
      continue;
    }
    const loaded = p.peer === 'tfjs-cpu' ? cpu : wasm;
    if (!('tf' in loaded)) {
      rows.push(skippedPeer(p, loaded.error));
      continue;
    }
    const ours = await unetMs(p.target, p.mode);
    const ref = p.mode === 'forward' ? await forwardLogits(p.target) : null;
    const { tf } = loaded;
    rows.push(await step(`peer ${p.peer} ${p.target.preset} ${p.target.tile} ${p.mode}`, () => benchPeer(tf, p, o.reps, ours, ref)));
  }
  for (const why of new Set(rows.flatMap((r) => (r.skipped === undefined ? [] : [r.skipped])))) notes.push(`peers skipped: ${why}`);
  const ran = rows.find((r) => r.peer === 'torch' && r.version !== undefined);
  if (ran && torch && !('error' in torch)) notes.push(`torch peer: ${ran.version} (${torch.python} ${TORCH_SCRIPT}), weights from the unet-ts model file`);
  const onnx = rows.find((r) => r.peer === 'onnxruntime' && r.version !== undefined);
  if (onnx) notes.push(`onnxruntime peer: ${onnx.version ?? ''}; the engine of segment --engine onnx (the model's ONNX graph, session created before the first call)`);
  return rows;
};

/** Runs the sections asked for and returns the report (the caller prints / writes it). */
export const runBench = async (o: BenchOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<BenchReport> => {
  const t0 = performance.now();
  const date = new Date().toISOString();
  const machine = machineNow();
  const rt = await createRuntime(o.backend === undefined ? {} : { backend: o.backend });
  const step = item(log);
  const notes: string[] = [];
  try {
    log(`bench: backend ${rt.backend}${o.quick ? ' (quick)' : ''}`);
    const targets = o.presets.map((p) => modelTarget(p, o.quick));
    const ops = want(o, 'ops') ? await runOps(rt, o, step) : null;
    const model = want(o, 'model') ? await runModel(rt, targets, o, step) : null;
    let memory: MemoryGrowth | null = null;
    if (want(o, 'model') && o.steps > 0) {
      const tiny = modelTarget('tiny', o.quick);
      const every = Math.max(1, Math.round(o.steps / 10));
      memory = await step(`memory growth: ${o.steps} training steps of tiny ${tiny.tile}`, () =>
        memoryGrowth(rt, tiny, o.steps, (i, n) => {
          if (i % every === 0) log(`bench:   step ${i}/${n}`);
        }),
      );
    }
    const peers = want(o, 'peers') ? await runPeers(rt, targets, model ?? [], o, step, notes) : null;
    if (ops) notes.push('op dx/dw/db times are kernel times attributed by spec.op name inside one rules.*.vjp call (runtime wrapper); "VJP host side" is the rest of that call');
    if (model) notes.push('peak RSS is the process-wide maximum so far (process.resourceUsage().maxRSS), cumulative over the items in run order');
    return {
      schema: 'unet-ts-bench/1',
      date,
      machine: finishMachine(machine),
      backend: rt.backend,
      fallbacks: Object.fromEntries(rt.fallbacks()),
      options: { quick: o.quick, only: o.only ?? null, presets: [...o.presets], reps: o.reps, steps: o.steps },
      ops,
      model,
      memory,
      peers,
      notes,
      totalSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await rt.dispose();
  }
};
