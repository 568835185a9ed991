/**
 * The 3×3 conv 64→64 at 570² → 568² (the paper's level-1 shape, issue #7 targets) on webasm:
 * forward, input gradient dx and weight gradient dw, each with the worker pool (2 threads, as
 * the runtime runs) and on one thread (the same kernels; gpu.js's `_threadable` is forced
 * false so the non-shared module runs on the main thread), then tfjs-backend-wasm's conv2d
 * (XNNPACK) on the same shape for scale.
 *
 *   npx tsx scripts/profile/conv.ts [reps=2] [size=570]
 *
 * GFLOP/s = 2·64·64·9·568² / kernel time (the time inside rt.run for that kernel).
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { rules } from '../../src/layers/rules.js';
import { kernelClock, median } from '../../src/bench/measure.js';
import { randomTensor } from '../../src/bench/ops.js';
import { createRuntime } from '../../src/runtime/runtime.js';

const reps = Number(process.argv[2] ?? 2);
const size = Number(process.argv[3] ?? 570);
const C = 64;
const out = size - 2;
const flop = 2 * C * C * 9 * out * out;
const gf = (ms: number): string => (flop / ms / 1e6).toFixed(2);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

const require = createRequire(import.meta.url);
const kernelProto = (require('gpu.js/src/backend/web-assembly/kernel.js') as { WebAssemblyKernel: { prototype: Record<string, unknown> } })
  .WebAssemblyKernel.prototype;
const threadable = kernelProto['_threadable'] as () => boolean;
let oneThread = false;
kernelProto['_threadable'] = function (this: unknown) {
  return oneThread ? false : threadable.call(this);
};

const inner = await createRuntime({ backend: 'webasm' });
const clock = kernelClock(inner);
const x = randomTensor([1, C, size, size], 1);
const w = randomTensor([C, C, 3, 3], 2);
const b = randomTensor([1, C, 1, 1], 3);
const dy = randomTensor([1, C, out, out], 4);

const passes = async (): Promise<Map<string, number>> => {
  clock.take();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await rules.conv2d.forward(clock.rt, [x, w, b], { pad: 0 });
  const fwdWall = performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  const t1 = performance.now();
  await rules.conv2d.vjp(clock.rt, dy, [x, w, b], dy, { pad: 0 }, null);
  const vjpWall = performance.now() - t1;
  const k = clock.take();
  return new Map([
    ['forward', k.get('conv2d.forward') ?? 0],
    ['dx', k.get('conv2d.vjp.dx') ?? 0],
    ['dw', (k.get('conv2d.vjp.dw') ?? 0) + (k.get('conv2d.vjp.dw.sum') ?? 0)],
    ['forward call', fwdWall],
    ['vjp call', vjpWall],
    // CPU time of all threads of the process (user + system), ms
    ['forward cpu', (c1.user + c1.system) / 1000],
  ]);
};

const runMode = async (label: string): Promise<Map<string, number>> => {
  await passes(); // compile
  const runs: Map<string, number>[] = [];
  for (let i = 0; i < reps; i++) runs.push(await passes());
  const med = new Map([...runs[0]!.keys()].map((k) => [k, median(runs.map((r) => r.get(k)!))]));
  console.log(`\n${label} (median of ${reps}; load average ${load()})`);
  for (const p of ['forward', 'dx', 'dw']) console.log(`  ${p.padEnd(8)} ${(med.get(p)! / 1000).toFixed(2)} s  ${gf(med.get(p)!)} GFLOP/s`);
  console.log(`  whole forward call ${(med.get('forward call')! / 1000).toFixed(2)} s (CPU time, all threads: ${(med.get('forward cpu')! / 1000).toFixed(2)} s), whole vjp call (dx+dw+db+host) ${(med.get('vjp call')! / 1000).toFixed(2)} s`);
  return med;
};

console.log(`3×3 conv ${C}→${C}, ${size}² → ${out}², ${(flop / 1e9).toFixed(2)} GFLOP per pass; node ${process.version}`);
const pool = await runMode('webasm, worker pool (as the runtime runs)');
oneThread = true;
const single = await runMode('webasm, one thread (same kernels, _threadable = false)');
console.log('\n  pool speed-up over one thread: ' + ['forward', 'dx', 'dw'].map((p) => `${p} ${(single.get(p)! / pool.get(p)!).toFixed(2)}×`).join(', '));
await inner.dispose();

// ---- tfjs-backend-wasm (XNNPACK), one thread, NHWC.
const tf = await import('@tensorflow/tfjs');
tf.enableProdMode();
const wasm = await import('@tensorflow/tfjs-backend-wasm');
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
await tf.setBackend('wasm');
await tf.ready();
const xt = tf.randomUniform([1, size, size, C], -1, 1);
const wt = tf.randomUniform([3, 3, C, C], -1, 1);
const dyt = tf.randomUniform([1, out, out, C], -1, 1);
const time = async (f: () => ReturnType<typeof tf.conv2d>): Promise<number> => {
  const t0 = performance.now();
  const y = f();
  await y.data();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
};
const tfPass = async (name: string, f: () => ReturnType<typeof tf.conv2d>): Promise<void> => {
  await time(f);
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) ms.push(await time(f));
  const m = median(ms);
  console.log(`  ${name.padEnd(8)} ${(m / 1000).toFixed(2)} s  ${gf(m)} GFLOP/s`);
};
console.log(`\ntfjs-backend-wasm ${tf.version.tfjs}, ${wasm.getThreadsCount()} thread(s), SIMD ${String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))} (median of ${reps}; load average ${load()})`);
await tfPass('forward', () => tf.conv2d(xt as Parameters<typeof tf.conv2d>[0], wt as Parameters<typeof tf.conv2d>[1], 1, 'valid'));
await tfPass('dx', () => tf.conv2dTranspose(dyt as Parameters<typeof tf.conv2dTranspose>[0], wt as Parameters<typeof tf.conv2dTranspose>[1], [1, size, size, C], 1, 'valid'));
