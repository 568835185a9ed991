/**
 * Where the time of a U-Net forward pass and training step goes (issue #7).
 *
 *   npx tsx scripts/profile/step.ts [preset=small] [tile=572] [reps=2]
 *   node --cpu-prof --cpu-prof-dir scratch/prof --import tsx scripts/profile/step.ts small 572 1
 *
 * Books, per measured call (after one warm-up call that compiles the kernels):
 *  - each autodiff rule pass (`conv2d.forward`, `conv2d.vjp`, …), exclusive of nested rules;
 *  - inside it, each kernel by `spec.op` (everything inside `rt.run`), split into the
 *    gpu.js argument upload (`utils.flattenTo`, a copy into wasm memory), the worker-pool
 *    dispatch (the kernel running in the worker threads, main thread waiting) and the rest
 *    (result `slice` out of wasm memory, `Input` wrapping, `flatten`);
 *  - host work = rule time − kernel time (stackPlanes, fromQuads, weight transposes, …);
 *  - the optimiser update (Adam) and the main thread's GC pauses (PerformanceObserver 'gc').
 */
import { createRequire } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { inferenceCtx } from '../../src/autodiff/tape.js';
import { rules } from '../../src/layers/rules.js';
import { createRuntime, type KernelSpec, type Runtime } from '../../src/runtime/runtime.js';
import { benchSample, modelTarget } from '../../src/bench/model.js';
import { adam, initState, update } from '../../src/train/optim.js';
import { lossAndGrads } from '../../src/train/step.js';
import { isPresetName } from '../../src/unet/config.js';
import { predictLogits } from '../../src/unet/model.js';
import { initParams } from '../../src/unet/params.js';

const [presetArg = 'small', tileArg = '572', repsArg = '2'] = process.argv.slice(2);
if (!isPresetName(presetArg)) throw new Error(`unknown preset ${presetArg}`);
const target = { ...modelTarget(presetArg, false) };
const tile = Number(tileArg);
const reps = Number(repsArg);
if (tile !== target.tile) throw new Error(`this script measures the preset's own tile (${target.tile})`);

/** ms booked by key since the last reset. */
let book = new Map<string, number>();
const add = (k: string, ms: number): void => void book.set(k, (book.get(k) ?? 0) + ms);

// ---- gpu.js internals: argument upload and worker dispatch (same module instances gpu.js uses).
const require = createRequire(import.meta.url);
type AnyFn = (...a: unknown[]) => unknown;
const utils = (require('gpu.js/src/utils.js') as { utils: Record<string, AnyFn> }).utils;
const flattenTo = utils['flattenTo']!;
utils['flattenTo'] = function (this: unknown, ...a: unknown[]) {
  const t0 = performance.now();
  const r = flattenTo.apply(this, a);
  add('~upload', performance.now() - t0);
  return r;
};
const poolProto = (require('gpu.js/src/backend/web-assembly/worker-pool.js') as { WebAssemblyWorkerPool: { prototype: Record<string, AnyFn> } })
  .WebAssemblyWorkerPool.prototype;
const dispatch = poolProto['dispatch']!;
poolProto['dispatch'] = function (this: unknown, ...a: unknown[]) {
  const t0 = performance.now();
  return (dispatch.apply(this, a) as Promise<void>).then(() => add('~workers', performance.now() - t0));
};

// ---- rule passes (exclusive time: a nested rule call is subtracted from its caller).
const stack: number[] = [];
const timed = <A extends unknown[], R>(key: string, f: (...a: A) => Promise<R>) =>
  async (...a: A): Promise<R> => {
    stack.push(0);
    const t0 = performance.now();
    try {
      return await f(...a);
    } finally {
      const ms = performance.now() - t0;
      const nested = stack.pop()!;
      add(`rule ${key}`, ms - nested);
      if (stack.length > 0) stack[stack.length - 1]! += ms;
    }
  };
type MutableRule = { forward: (...a: unknown[]) => Promise<unknown>; vjp: (...a: unknown[]) => Promise<unknown> };
for (const [name, rule] of Object.entries(rules) as [string, MutableRule][]) {
  rule.forward = timed(`${name}.forward`, rule.forward.bind(rule));
  rule.vjp = timed(`${name}.vjp`, rule.vjp.bind(rule));
}

/** A 3×3 conv kernel's layer (channels, output size as the kernel sees it) and its FLOP, padding included. */
const convLayer = (spec: KernelSpec): { key: string; flop: number } | undefined => {
  const [x, y, z = 1] = spec.output;
  const c = spec.constants;
  if (spec.source.name === 'conv3Kernel' && y !== undefined && c['Cin'] !== undefined)
    return { key: `${spec.op} ${c['Cin']}→${x} ${4 * y}×${z}`, flop: 2 * c['Cin'] * x * 9 * 4 * y * z };
  if (spec.source.name === 'convDw3Kernel' && y !== undefined && c['T'] !== undefined && c['Q'] !== undefined)
    return { key: `${spec.op} ${y / 3}→${x} ${8 * c['Q']}×${c['T']}`, flop: 2 * x * y * 3 * c['T'] * 8 * c['Q'] };
  return undefined;
};

// ---- kernels by spec.op, and which rule pass they ran in.
const inner = await createRuntime({ backend: 'webasm' });
/** Books a kernel call (the ops call `compute`; `run` is compute plus a read to the host). */
const timedKernel = async <R>(spec: KernelSpec, call: () => Promise<R>): Promise<R> => {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      const ms = performance.now() - t0;
      add(`kernel ${spec.op}`, ms);
      const layer = convLayer(spec);
      if (layer) {
        add(`layer ${layer.key}`, ms);
        add(`flop ${layer.key}`, layer.flop);
      }
    }
};
const rt: Runtime = {
  ...inner,
  compute: (spec, args) => timedKernel(spec, () => inner.compute(spec, args)),
  run: (spec, args) => timedKernel(spec, () => inner.run(spec, args)),
};

// ---- GC pauses on the main thread.
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) add('~gc', e.duration);
}).observe({ entryTypes: ['gc'] });

const params0 = initParams(target.config, 1);
const sample = benchSample(target);
const opt = adam();
let params = params0;
let state = initState(opt, params);
const forward = () => predictLogits(inferenceCtx(rt), target.config, params0, sample.image);
const trainStep = async (i: number) => {
  const { grads } = await lossAndGrads(rt, target.config, params, sample, i);
  const t0 = performance.now();
  const u = update(opt, state, params, grads, 1e-4);
  add('optimizer.update (Adam)', performance.now() - t0);
  params = u.params;
  state = u.state;
};

const report = (title: string, wallMs: number[], books: Map<string, number>[]): void => {
  const n = books.length;
  const avg = (k: string) => books.reduce((s, b) => s + (b.get(k) ?? 0), 0) / n;
  const wall = wallMs.reduce((a, b) => a + b, 0) / n;
  const keys = new Set(books.flatMap((b) => [...b.keys()]));
  const pct = (ms: number) => ((100 * ms) / wall).toFixed(1).padStart(5);
  console.log(`\n## ${title}: ${(wall / 1000).toFixed(2)} s per call (mean of ${n}; ${wallMs.map((m) => (m / 1000).toFixed(2)).join(', ')} s); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rows = [...keys].filter((k) => !k.startsWith('layer ') && !k.startsWith('flop ')).sort((a, b) => avg(b) - avg(a));
  for (const k of rows) console.log(`${k.padEnd(36)} ${(avg(k) / 1000).toFixed(3).padStart(8)} s ${pct(avg(k))} %`);
  const ruleSum = rows.filter((k) => k.startsWith('rule ')).reduce((s, k) => s + avg(k), 0);
  const kernSum = rows.filter((k) => k.startsWith('kernel ')).reduce((s, k) => s + avg(k), 0);
  const other = wall - ruleSum - avg('optimizer.update (Adam)');
  console.log(`${'Σ rules (incl. their kernels)'.padEnd(36)} ${(ruleSum / 1000).toFixed(3).padStart(8)} s ${pct(ruleSum)} %`);
  console.log(`${'Σ kernels (rt.run)'.padEnd(36)} ${(kernSum / 1000).toFixed(3).padStart(8)} s ${pct(kernSum)} %`);
  console.log(`${'host in rules (Σ rules − Σ kernels)'.padEnd(36)} ${((ruleSum - kernSum) / 1000).toFixed(3).padStart(8)} s ${pct(ruleSum - kernSum)} %`);
  console.log(`${'rt.run minus upload and workers'.padEnd(36)} ${((kernSum - avg('~upload') - avg('~workers')) / 1000).toFixed(3).padStart(8)} s ${pct(kernSum - avg('~upload') - avg('~workers'))} %`);
  console.log(`${'outside rules and update (tape, …)'.padEnd(36)} ${(other / 1000).toFixed(3).padStart(8)} s ${pct(other)} %`);
  console.log('\n3×3 conv kernels by layer (kernel FLOP incl. padded lanes/columns):');
  for (const k of [...keys].filter((k) => k.startsWith('layer ')).sort((a, b) => avg(b) - avg(a))) {
    const key = k.slice(6);
    const ms = avg(k);
    console.log(`${key.padEnd(36)} ${(ms / 1000).toFixed(3).padStart(8)} s ${pct(ms)} % ${(avg(`flop ${key}`) / ms / 1e6).toFixed(2).padStart(6)} GFLOP/s`);
  }
};

const measure = async (title: string, f: (i: number) => Promise<unknown>): Promise<void> => {
  await f(0); // compile
  const walls: number[] = [];
  const books: Map<string, number>[] = [];
  for (let i = 1; i <= reps; i++) {
    book = new Map();
    const t0 = performance.now();
    await f(i);
    await new Promise((r) => setImmediate(r)); // let the GC observer deliver
    walls.push(performance.now() - t0);
    books.push(book);
  }
  report(title, walls, books);
};

console.log(`${presetArg} (depth ${target.config.depth}, base ${target.config.base}) at ${tile}² on ${rt.backend}; node ${process.version}`);
await measure('forward (predictLogits)', forward);
await measure('training step (lossAndGrads + Adam update)', trainStep);
await inner.dispose();
