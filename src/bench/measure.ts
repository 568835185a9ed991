/**
 * Timing primitives of the benchmark suite: wall-clock timing of async work (first call =
 * compile + run, then the median of further calls), per-kernel attribution through a wrapped
 * runtime, and memory readings.
 *
 * Nothing here asserts anything about speed: benchmarks report numbers, tests only check
 * that the numbers are well formed.
 */
import type { KernelSpec, Runtime } from '../runtime/runtime.js';

/** Median of a non-empty list (mean of the two middle values for an even count). */
export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Milliseconds of one awaited call. */
export const timeOnce = async <A>(f: () => Promise<A>): Promise<{ readonly ms: number; readonly value: A }> => {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
};

export interface Timing {
  /** The first call: kernel compilation plus one run. */
  readonly firstMs: number;
  /** Median of the steady-state calls after the first. */
  readonly medianMs: number;
  /** Every steady-state call, in order. */
  readonly samplesMs: readonly number[];
}

/**
 * `f` followed by a wait for the GPU: on a resident runtime a kernel call returns when it is
 * submitted, so a timed call must wait for the queue to time the work (immediate elsewhere).
 */
export const synced =
  <A>(rt: Runtime, f: (i: number) => Promise<A>) =>
  async (i: number): Promise<A> => {
    const r = await f(i);
    await rt.sync();
    return r;
  };

/**
 * Times `f`: one first call (compile), then `reps` further calls (at least 1).
 * `f` receives the call index (0 = the first call) so that stateful work (an optimiser
 * chain) can thread its state through a closure.
 */
export const timeCalls = async (f: (i: number) => Promise<unknown>, reps: number): Promise<Timing> => {
  const first = await timeOnce(() => f(0));
  const samplesMs: number[] = [];
  for (let i = 1; i <= Math.max(1, reps); i++) samplesMs.push((await timeOnce(() => f(i))).ms);
  return { firstMs: first.ms, medianMs: median(samplesMs), samplesMs };
};

/** Kernel milliseconds by op name (`spec.op`), summed over the calls since the last reset. */
export interface KernelClock {
  /** The runtime to pass to ops: every `run` is timed and booked under its `spec.op`. */
  readonly rt: Runtime;
  /** Booked times since the last take, then cleared. */
  readonly take: () => ReadonlyMap<string, number>;
}

/**
 * Wraps a runtime so that each kernel call is timed and attributed to its op name
 * ('conv2d.vjp.dx', 'conv2d.vjp.dw', 'conv2d.vjp.dw.sum', …). A kernel's time covers
 * argument wrapping, the gpu.js call and flattening the result (everything inside `rt.run` / `rt.compute`, and on a resident runtime the wait for the GPU),
 * not the host-side layout work that ops do around it (padding, weight transposes).
 */
export const kernelClock = (inner: Runtime): KernelClock => {
  let booked = new Map<string, number>();
  const run = async (spec: KernelSpec, args: Parameters<Runtime['run']>[1]): Promise<Float32Array> => {
    const t0 = performance.now();
    try {
      return await inner.run(spec, args);
    } finally {
      booked.set(spec.op, (booked.get(spec.op) ?? 0) + performance.now() - t0);
    }
  };
  // Waits for the GPU on a resident runtime (`synced`), so the time booked is the kernel's.
  const compute = async (spec: KernelSpec, args: Parameters<Runtime['compute']>[1]): ReturnType<Runtime['compute']> => {
    const t0 = performance.now();
    try {
      return await synced(inner, () => inner.compute(spec, args))(0);
    } finally {
      booked.set(spec.op, (booked.get(spec.op) ?? 0) + performance.now() - t0);
    }
  };
  return {
    rt: { ...inner, run, compute },
    take: () => {
      const out = booked;
      booked = new Map();
      return out;
    },
  };
};

/** Sum of the booked times of the given op names (absent names count 0). */
export const bookedMs = (booked: ReadonlyMap<string, number>, ops: readonly string[]): number =>
  ops.reduce((s, op) => s + (booked.get(op) ?? 0), 0);

const MiB = 2 ** 20;

/** Peak resident set size of this process so far, MiB (`process.resourceUsage().maxRSS` is KiB). */
export const peakRssMiB = (): number => (process.resourceUsage().maxRSS * 1024) / MiB;

/** Current resident set size, MiB. */
export const rssMiB = (): number => process.memoryUsage().rss / MiB;

/** GFLOP/s of `flop` operations in `ms` milliseconds (null when either is unknown or zero). */
export const gflops = (flop: number | null, ms: number): number | null => (flop === null || flop <= 0 || !(ms > 0) ? null : flop / ms / 1e6);
