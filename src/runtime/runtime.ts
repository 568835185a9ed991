/**
 * The runtime: one GPU.js instance, its backend, and a cache of compiled kernels.
 *
 * Ops describe a kernel as a `KernelSpec` (source function, output size, constants baked in
 * — constants are 1.2–2× faster than arguments on cpu/webasm, notes) and call `run`. A kernel
 * is compiled once per (source, output, constants) and reused. `run` always returns a fresh,
 * flat, row-major Float32Array that no later call writes to, so tensors built on it stay
 * immutable.
 *
 * @example
 * const rt = await createRuntime({ backend: 'cpu' });
 * const twice = await rt.run({ op: 'twice', source: function (a) { return a[this.thread.x] * 2; },
 *   output: [3], constants: {} }, [arg1d(new Float32Array([1, 2, 3]))]);
 * await rt.dispose();
 */
import { cpus } from 'node:os';
import { gpujs, type KernelSource, type RawGPU, type RawKernel, type RawOutput, type KernelSettings } from './gpujs.js';
import { BackendError, backendOfKernelClass, chooseBackend, createGpu, type BackendName } from './backend.js';

/** A kernel argument: flat data seen as a 1-, 2- or 3-D array ([x, y, z], x fastest). */
export interface Arg {
  readonly data: Float32Array;
  readonly dims: readonly [number] | readonly [number, number] | readonly [number, number, number];
}
export const arg1d = (data: Float32Array): Arg => ({ data, dims: [data.length] });
export const arg3d = (data: Float32Array, x: number, y: number, z: number): Arg => {
  if (data.length !== x * y * z) throw new Error(`kernel argument of ${data.length} values viewed as ${x}×${y}×${z}`);
  return { data, dims: [x, y, z] };
};

export interface KernelSpec {
  /** Op and pass, for errors and statistics: 'conv2d.forward'. */
  readonly op: string;
  readonly source: KernelSource;
  /** [x] | [x, y] | [x, y, z] threads; x is fastest in the flat result. */
  readonly output: readonly [number] | readonly [number, number] | readonly [number, number, number];
  readonly constants: Readonly<Record<string, number>>;
  /** The kernel returns 4 values per thread (4 consecutive x outputs): the result has 4× output[0] in x. */
  readonly vec4?: boolean;
}

export interface Runtime {
  /** The backend actually running kernels (verified, not assumed). */
  readonly backend: BackendName;
  run(spec: KernelSpec, args: readonly Arg[]): Promise<Float32Array>;
  /** Kernels that gpu.js moved to another backend (op → reason); empty when none did. */
  readonly fallbacks: () => ReadonlyMap<string, string>;
  readonly stats: () => { readonly kernels: number; readonly calls: number };
  /** Destroys every kernel, worker pool and context. The runtime cannot be used after. */
  dispose(): Promise<void>;
}

export interface RuntimeOptions {
  /** Backend name or 'auto'; default: UNET_BACKEND, else auto. */
  readonly backend?: string;
}

const cells = (o: KernelSpec['output']): number => o.reduce((a, b) => a * b, 1);

/** Flattens gpu.js's nested result to one Float32Array; zero-copy when rows share one buffer. */
export const flatten = (raw: RawOutput, length: number): Float32Array => {
  if (raw instanceof Float32Array) return raw.length === length ? raw : raw.slice(0, length);
  const leaves: Float32Array[] = [];
  const walk = (r: RawOutput): void => {
    if (r instanceof Float32Array) leaves.push(r);
    else for (const c of r) walk(c);
  };
  walk(raw);
  const first = leaves[0];
  if (first === undefined) return new Float32Array(length);
  let contiguous = true;
  let end = first.byteOffset;
  for (const l of leaves) {
    if (l.buffer !== first.buffer || l.byteOffset !== end) {
      contiguous = false;
      break;
    }
    end += l.byteLength;
  }
  if (contiguous && end - first.byteOffset === length * 4) return new Float32Array(first.buffer, first.byteOffset, length);
  const total = leaves.reduce((s, l) => s + l.length, 0);
  if (total !== length) throw new Error(`kernel returned ${total} values, expected ${length}`);
  const out = new Float32Array(length);
  let o = 0;
  for (const l of leaves) {
    out.set(l, o);
    o += l.length;
  }
  return out;
};

/** Starts a runtime on the chosen (or forced) backend and verifies it with a probe kernel. */
export const createRuntime = async (opts: RuntimeOptions = {}): Promise<Runtime> => {
  const backend = await chooseBackend(opts.backend);
  const gpu: RawGPU = createGpu(backend);
  const { input } = gpujs();
  const cache = new Map<KernelSource, Map<string, RawKernel>>();
  const fallbacks = new Map<string, string>();
  // webasm threads only under the async contract; one worker pool shared by all kernels
  // (each async kernel would otherwise start its own pool of threads, notes).
  const asyncMode = backend === 'webasm' || backend === 'webgpu';
  let sharedPool: unknown;
  const packed = new WeakSet<object>();
  let calls = 0;
  let kernels = 0;
  let disposed = false;

  const settingsFor = (spec: KernelSpec): KernelSettings => ({
    output: spec.output,
    constants: spec.constants,
    returnType: spec.vec4 ? 'Array(4)' : 'Number',
    asyncMode,
    tactic: 'precision',
    precision: 'single',
    dynamicOutput: false,
    // Loops bounded by constants must never be truncated (notes trap 2).
    loopMaxIterations: 1 << 30,
    ...(backend === 'webasm' ? { poolSize: Math.max(1, cpus().length) } : {}),
  });

  const compile = (spec: KernelSpec): RawKernel => {
    let bySource = cache.get(spec.source);
    if (!bySource) cache.set(spec.source, (bySource = new Map()));
    const key = `${spec.output.join('x')}|${spec.vec4 ? 4 : 1}|${JSON.stringify(spec.constants)}`;
    let k = bySource.get(key);
    if (!k) {
      k = gpu.createKernel(spec.source, settingsFor(spec));
      kernels++;
      bySource.set(key, k);
    }
    return k;
  };

  const check = (spec: KernelSpec, k: RawKernel): void => {
    const inner = k.kernel;
    const actual = inner ? backendOfKernelClass(inner.constructor.name) : undefined;
    if (actual !== undefined && actual !== backend) {
      fallbacks.set(spec.op, inner?.fallbackReason ?? `ran on ${actual}`);
    }
    // webasm and webgpu read results back as one packed Float32Array (x fastest, 4 values per
    // thread for vec4) and then build nested arrays of it: one small array per thread for vec4,
    // 5.2 M of them for a 64×570×570 conv output, costing more than the conv. The packed
    // array is already our flat row-major layout, so skip the nesting.
    if ((backend === 'webasm' || backend === 'webgpu') && inner && inner._shapeOutput && !packed.has(inner)) {
      inner._shapeOutput = (data: Float32Array) => data;
      packed.add(inner);
    }
    if (backend === 'webasm' && inner) {
      if (sharedPool === undefined && inner._pool) sharedPool = inner._pool;
      else if (sharedPool !== undefined && !inner._pool) inner._pool = sharedPool;
    }
  };

  const run = async (spec: KernelSpec, args: readonly Arg[]): Promise<Float32Array> => {
    if (disposed) throw new Error(`${spec.op}: the runtime has been disposed`);
    const k = compile(spec);
    check(spec, k);
    const gpuArgs = args.map((a) => (a.dims.length === 1 ? a.data : input(a.data, a.dims)));
    let raw: RawOutput;
    try {
      raw = await k(...gpuArgs);
    } catch (e) {
      throw new Error(`${spec.op}: kernel failed on ${backend}: ${(e as Error).message}`);
    }
    check(spec, k);
    calls++;
    return flatten(raw, cells(spec.output) * (spec.vec4 ? 4 : 1));
  };

  // Verify the backend with a probe kernel: gpu.js may have picked another one silently.
  const probeSpec: KernelSpec = {
    op: 'runtime.probe',
    source: function (a: number[]) {
      return a[this.thread.x]! * 2 + 1;
    },
    output: [4],
    constants: {},
  };
  const probeOut = await run(probeSpec, [arg1d(new Float32Array([0, 1, 2, 3]))]);
  const probeKernel = compile(probeSpec);
  const actual = probeKernel.kernel ? backendOfKernelClass(probeKernel.kernel.constructor.name) : undefined;
  if (actual !== backend || Array.from(probeOut).join() !== '1,3,5,7') {
    await gpu.destroy();
    throw new BackendError(`backend '${backend}' was requested but gpu.js ran the probe kernel on '${actual ?? 'an unknown backend'}' with result [${Array.from(probeOut).join(', ')}]`);
  }

  return {
    backend,
    run,
    fallbacks: () => fallbacks,
    stats: () => ({ kernels, calls }),
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      cache.clear();
      await gpu.destroy();
    },
  };
};
