/**
 * The runtime: one GPU.js instance, its backend, and a cache of compiled kernels.
 *
 * Ops describe a kernel as a `KernelSpec` (source function, output size, constants baked in
 * — constants are 1.2–2× faster than arguments on cpu/webasm, docs/gpujs-traps.md) and call `compute` (or
 * `run` for a host result). A kernel is compiled once per (source, output, constants, argument
 * kinds) and reused.
 *
 * Residency. On `webgpu` and `webgl2` the runtime is *resident* (unless made with
 * `resident: false`): kernels run in gpu.js pipeline mode (`pipeline: true, immutable: true`),
 * so `compute` returns a `DeviceArray` — the kernel's own GPU buffer, or on GL its texture
 * (scalar results memory-optimised, 4 values per texel like vec4 ones, so any result can be
 * re-viewed flat) — which the next kernel binds directly. Values reach the host only through
 * `read` (what a caller asks for: a loss, a gradient, the logits). On the CPU-side backends
 * (cpu, webasm) and on headlessgl, `compute` returns a fresh, flat, row-major Float32Array
 * that no later call writes to, so tensors built on it stay immutable.
 * Device buffers are freed by `scope`: every device array made while a scope's function runs
 * is freed when it settles, except those in its result (tfjs's `tidy`). So device memory in
 * use after a training step is the same after step 1 and step 1,000 (test/runtime).
 *
 * This module has no Node built-ins: Node's `createRuntime` is in ./runtime.ts, the browser's in
 * ./browser.ts, each binding a `Platform` (backend choice, gpu.js loading) to `createRuntimeOn`.
 *
 * @example
 * const rt = await createRuntime({ backend: 'cpu' });
 * const twice = await rt.run({ op: 'twice', source: function (a) { return a[this.thread.x] * 2; },
 *   output: [3], constants: {} }, [arg1d(new Float32Array([1, 2, 3]))]);
 * await rt.dispose();
 */
import { bufferView, componentsOf, deviceOf, glView, textureSizeOf, trackDeviceMemory, trackGlTextures, type GpuDeviceLike, type GpuModule, type KernelSource, type RawBufferResult, type RawGPU, type RawKernel, type RawOutput, type KernelSettings } from './gpujs-core.js';
import { isDeviceArray, type DeviceArray, type Stored } from '../tensor/device-tensor.js';
import { BackendError, backendOfKernelClass, gpuMode, type BackendName } from './backend-names.js';

/**
 * What differs between Node and the browser, and nothing else: how a backend is chosen and
 * verified to start, how gpu.js is loaded, how many threads webasm may use. Node's is in
 * ./runtime.ts, the browser's in ./browser.ts; the runtime and every op are the same code.
 */
export interface Platform {
  /** The backend to use: `requested` ('auto' or undefined: the first that starts), or a BackendError saying why it cannot start. */
  choose(requested: string | undefined): Promise<BackendName>;
  /** The gpu.js module. */
  gpujs(): GpuModule;
  /** Worker threads for webasm. */
  threads(): number;
}

/** A kernel argument: flat data (host or device) seen as a 1-, 2- or 3-D array ([x, y, z], x fastest). */
export interface Arg {
  readonly data: Stored;
  readonly dims: readonly [number] | readonly [number, number] | readonly [number, number, number];
}
export const arg1d = (data: Stored): Arg => ({ data, dims: [data.length] });
export const arg3d = (data: Stored, x: number, y: number, z: number): Arg => {
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
  /**
   * The caller reads the result at once and keeps none of it: it is valid until the next kernel
   * call on this runtime (it may be that call's argument). On webasm it is then a view of the
   * kernel's WebAssembly memory instead of a copy (a conv's quads, reordered by the host at once).
   */
  readonly transient?: boolean;
}

export interface Runtime {
  /** The backend actually running kernels (verified, not assumed). */
  readonly backend: BackendName;
  /** Whether kernel results stay on the device (webgpu). */
  readonly resident: boolean;
  /** Runs a kernel; the result stays on the device on a resident runtime. */
  compute(spec: KernelSpec, args: readonly Arg[]): Promise<Stored>;
  /** Runs a kernel and returns its result on the host. */
  run(spec: KernelSpec, args: readonly Arg[]): Promise<Float32Array>;
  /**
   * A zero-filled host array owned by the current scope, for a value that dies in it (a kernel
   * argument's layout): when the scope settles it returns to the runtime's pool (unless it is
   * in the scope's result, which moves it to the enclosing scope) and a later call of the same
   * length hands it out again, so a training loop stops allocating (and collecting) its
   * temporaries. Outside any scope, a new array that nothing recycles.
   */
  scratch(length: number, zeroed?: boolean): Float32Array;
  /**
   * A zero-filled host array for a result (an op's output), from the runtime's pool when one of
   * that length has been released, else new; nothing recycles it unless `release` is called.
   * `zeroed` false: the values of a reused array are left as they are, for a caller that writes
   * every element (a pass over the array saved; scratch takes the same flag).
   */
  alloc(length: number, zeroed?: boolean): Float32Array;
  /**
   * Returns an array made by `alloc` or `scratch` to the pool (others are ignored): the caller
   * promises that nothing reads or writes it, or a view of it, again. The tape releases each
   * cotangent once its op's VJP has consumed it.
   */
  release(a: Float32Array): void;
  /** The values on the host: a device array is read back; a Float32Array is returned as is. */
  read(s: Stored): Promise<Float32Array>;
  /** The values on the device of a resident runtime (a copy); as is elsewhere. */
  upload(data: Float32Array): Promise<Stored>;
  /**
   * Runs `fn` and frees every device array made meanwhile, except those in its result (found
   * in arrays and plain objects), which move to the enclosing scope. Scopes on one runtime
   * nest; they must not run concurrently.
   */
  scope<A>(fn: () => Promise<A>): Promise<A>;
  /** Resolves when every kernel submitted so far has finished (timing on a resident runtime; immediate elsewhere). */
  sync(): Promise<void>;
  /** Kernels that gpu.js moved to another backend (op → reason); empty when none did. */
  readonly fallbacks: () => ReadonlyMap<string, string>;
  /**
   * Compiled kernels; kernel calls; device arrays alive now (count, bytes); bytes read back
   * from the device so far; and on a resident runtime all GPU buffer memory gpu.js holds
   * (kernel outputs, uploads, staging; counted from the runtime's start; 0 elsewhere).
   */
  readonly stats: () => RuntimeStats;
  /** Destroys every kernel, worker pool and context. The runtime cannot be used after. */
  dispose(): Promise<void>;
}

export interface RuntimeStats {
  readonly kernels: number;
  readonly calls: number;
  readonly deviceArrays: number;
  readonly deviceBytes: number;
  readonly readBytes: number;
  readonly gpuBytes: number;
  /** webgl2: textures created minus deleted since the runtime started (0 elsewhere); steady when nothing leaks. */
  readonly gpuTextures: number;
}

export interface RuntimeOptions {
  /** Backend name or 'auto'; default: UNET_BACKEND, else auto. */
  readonly backend?: string;
  /**
   * Keep kernel results on the device where the backend can (`isResidentBackend`; default
   * true). `false` reads every result back, as the CPU-side backends do: on a software GL
   * adapter (SwiftShader) that is faster, since a read-back there is a memory copy.
   */
  readonly resident?: boolean;
  /** Bytes of idle host arrays kept for reuse (`alloc`, `scratch`, `release`); default DEFAULT_POOL_BYTES, 0 keeps none. */
  readonly poolBytes?: number;
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

/**
 * The backends whose kernel results stay on the device: webgpu (buffers) and webgl2
 * (textures, tested in Chromium). headlessgl runs the same GL kernel classes but no GL
 * context starts on the machines this is tested on, so it still reads every result back
 * like the CPU-side backends.
 */
export const isResidentBackend = (b: BackendName): boolean => b === 'webgpu' || b === 'webgl2';

/** A device array of one runtime: the gpu.js pipeline handle of a kernel result, until freed. */
class DeviceBuffer implements DeviceArray {
  readonly kind = 'device' as const;
  constructor(
    readonly length: number,
    public handle: RawBufferResult | undefined,
    readonly owner: object,
  ) {}
}

/**
 * The device arrays inside a scope's result, and the memory of its host Float32Arrays (a view
 * keeps the array it views): in arrays and plain objects, 4 levels deep.
 */
const arraysIn = (v: unknown, found: Set<unknown>, depth = 0): void => {
  if (v instanceof DeviceBuffer) found.add(v);
  else if (v instanceof Float32Array) found.add(v.buffer);
  else if (depth < 4 && Array.isArray(v)) for (const e of v) arraysIn(e, found, depth + 1);
  else if (depth < 4 && typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && Object.getPrototypeOf(v) === Object.prototype) {
    for (const e of Object.values(v)) arraysIn(e, found, depth + 1);
  }
};

/** What a scope owns: the device arrays and the scratch host arrays made while it ran. */
interface ScopeFrame {
  readonly device: Set<DeviceBuffer>;
  readonly host: Float32Array[];
}

/**
 * Default bytes of idle host arrays a runtime keeps for reuse: the working set of a `small`
 * training step at its 572 tile (measured: 512 MiB left 388 MB a step to allocate and collect,
 * 3.25 s a step; 1 GiB 28 MB, 3.02 s). Past it the arrays of the lengths released longest ago go.
 */
export const DEFAULT_POOL_BYTES = 2 ** 30;

/**
 * Starts a runtime on `platform`'s chosen (or forced) backend and verifies it with a probe
 * kernel. Programs call `createRuntime` (Node: ./runtime.ts; browser: ./browser.ts).
 */
export const createRuntimeOn = async (platform: Platform, opts: RuntimeOptions = {}): Promise<Runtime> => {
  const backend = await platform.choose(opts.backend);
  const { GPU, input } = platform.gpujs();
  const gpu: RawGPU = new GPU({ mode: gpuMode[backend] });
  const cache = new Map<KernelSource, Map<string, RawKernel>>();
  const fallbacks = new Map<string, string>();
  // webasm threads only under the async contract; one worker pool shared by all kernels
  // (each async kernel would otherwise start its own pool of threads, docs/gpujs-traps.md).
  const asyncMode = backend === 'webasm' || backend === 'webgpu';
  const resident = isResidentBackend(backend) && opts.resident !== false;
  // GL keeps results as textures: scalar ones 4 values per texel (optimizeFloatMemory), the
  // layout of vec4 results, so either is bound or read through one view class (glView).
  const gl = resident && backend !== 'webgpu';
  let viewClass: (new (s: object) => RawBufferResult) | undefined;
  let glTextures = (): number => 0;
  const self = {};
  const live = new Set<DeviceBuffer>();
  const scopes: ScopeFrame[] = [];
  // Host arrays for reuse (by length); `ours`: made by alloc/scratch; `idle`: in the pool now.
  const pool = new Map<number, Float32Array[]>();
  const ours = new WeakSet<Float32Array>();
  const idle = new WeakSet<Float32Array>();
  let pooledBytes = 0;
  // webasm kernels whose next result may be a view of their memory (transient), and those patched for it.
  const viewNext = new WeakSet<object>();
  const viewPatched = new WeakSet<object>();
  const inFlight = new WeakMap<object, number>();
  let gpuDevice: GpuDeviceLike | undefined;
  let gpuBytes = (): number => 0;
  let readBytes = 0;
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
    // Loops bounded by constants must never be truncated (docs/gpujs-traps.md, trap 2).
    loopMaxIterations: 1 << 30,
    ...(backend === 'webasm' ? { poolSize: Math.max(1, platform.threads()) } : {}),
    // Each call gets a buffer of its own (immutable), kept on the GPU (pipeline).
    ...(resident ? { pipeline: true, immutable: true } : {}),
    ...(gl && !spec.vec4 ? { optimizeFloatMemory: true } : {}),
  });

  // gpu.js fixes a kernel's argument types at its first call, and a WebGPU kernel built for a
  // device buffer cannot take a host array later: the argument kinds are part of the key.
  const compile = (spec: KernelSpec, args: readonly Arg[]): RawKernel => {
    let bySource = cache.get(spec.source);
    if (!bySource) cache.set(spec.source, (bySource = new Map()));
    // (A GL texture's size in texels is compiled in as well.)
    const kinds = resident ? args.map((a) => (isDeviceArray(a.data) ? `d${textureSizeOf(handleOf(spec.op, a.data))}` : 'h')).join(',') : '';
    // Argument sizes are part of a compiled kernel (gpu.js bakes them: a call with other sizes
    // fails with "changed size"), so they are part of the key too.
    const dims = args.map((a) => a.dims.join('x')).join(',');
    const key = `${spec.output.join('x')}|${spec.vec4 ? 4 : 1}|${JSON.stringify(spec.constants)}|${kinds}|${dims}`;
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
      // gpu.js copies every result out of wasm memory with `entry.f32.slice`; for a transient
      // result that copy is a view instead (an own `slice` on that entry's Float32Array).
      const f32 = inner._active?.f32;
      if (f32 && !viewPatched.has(f32)) {
        viewPatched.add(f32);
        const copy = Float32Array.prototype.slice;
        Object.defineProperty(f32, 'slice', {
          value: function (this: Float32Array, start?: number, end?: number): Float32Array {
            return viewNext.has(inner) ? this.subarray(start, end) : copy.call(this, start, end);
          },
        });
      }
    }
  };

  const handleOf = (op: string, a: DeviceArray): RawBufferResult => {
    if (!(a instanceof DeviceBuffer) || a.owner !== self) throw new Error(`${op}: a device array of another runtime was passed`);
    if (!a.handle) throw new Error(`${op}: a device array was used after it was freed (its scope ended)`);
    return a.handle;
  };

  /** Registers a kernel's pipeline result (a vec4 result is re-viewed as 4× as many scalars). */
  const keep = (h: RawBufferResult, length: number): DeviceBuffer => {
    const [x = 1, y = 1, z = 1] = h.output;
    const c = componentsOf(h);
    // GL: the texture as it is (a view is made for each use); the first 1-D scalar result
    // (the probe kernel's) gives the view class.
    if (gl && viewClass === undefined && c === 1 && h.output.length === 1) {
      viewClass = (h as object).constructor as new (s: object) => RawBufferResult;
      glTextures = trackGlTextures(h);
    }
    const flat = gl || c === 1 ? h : bufferView(h, [x * c, y, z]);
    if (flat !== h) h.delete();
    if (!gl) gpuDevice ??= deviceOf(flat);
    const b = new DeviceBuffer(length, flat, self);
    live.add(b);
    scopes[scopes.length - 1]?.device.add(b);
    return b;
  };

  const free = (b: DeviceBuffer): void => {
    b.handle?.delete();
    b.handle = undefined;
    live.delete(b);
  };

  const compute = async (spec: KernelSpec, args: readonly Arg[]): Promise<Stored> => {
    if (disposed) throw new Error(`${spec.op}: the runtime has been disposed`);
    const k = compile(spec, args);
    check(spec, k);
    // A device argument is bound as is, or through a view with the dims this kernel reads.
    const views: RawBufferResult[] = [];
    const gpuArgs = args.map((a) => {
      if (isDeviceArray(a.data)) {
        const h = handleOf(spec.op, a.data);
        if (!gl && h.output.join() === a.dims.join()) return h;
        const v = view(h, a.dims);
        views.push(v);
        return v;
      }
      return a.dims.length === 1 ? a.data : input(a.data, a.dims);
    });
    const length = cells(spec.output) * (spec.vec4 ? 4 : 1);
    // A view only while no other call of this kernel is in flight (it would share the memory).
    const inner = k.kernel;
    const busy = inner ? (inFlight.get(inner) ?? 0) : 0;
    if (inner) {
      inFlight.set(inner, busy + 1);
      if (spec.transient === true && busy === 0) viewNext.add(inner);
      else viewNext.delete(inner);
    }
    let raw: RawOutput | RawBufferResult;
    try {
      raw = await k(...gpuArgs);
    } catch (e) {
      throw new Error(`${spec.op}: kernel failed on ${backend}: ${(e as Error).message}`);
    } finally {
      for (const v of views) v.delete();
      if (inner) {
        inFlight.set(inner, (inFlight.get(inner) ?? 1) - 1);
        viewNext.delete(inner);
      }
    }
    check(spec, k);
    calls++;
    if (resident) return keep(raw as RawBufferResult, length);
    return flatten(raw as RawOutput, length);
  };

  /** A handle on `h` seen with `dims`: a WebGPU buffer view, or a GL texture view. */
  const view = (h: RawBufferResult, dims: readonly number[]): RawBufferResult => {
    if (!gl) return bufferView(h, dims);
    if (viewClass === undefined) throw new Error('runtime: no GL view class yet (the probe kernel makes it)');
    return glView(h, dims, viewClass);
  };

  const read = async (s: Stored): Promise<Float32Array> => {
    if (!isDeviceArray(s)) return s;
    readBytes += 4 * s.length;
    const h = handleOf('read', s);
    if (!gl) return flatten(await h.toArray(), s.length);
    const v = view(h, [s.length]);
    try {
      return (await v.toArray()) as Float32Array;
    } finally {
      v.delete();
    }
  };

  const copySpec = (n: number): KernelSpec => ({ op: 'runtime.upload', source: copyKernel, output: [n], constants: {} });
  const upload = async (data: Float32Array): Promise<Stored> => (resident && data.length > 0 ? compute(copySpec(data.length), [arg1d(data)]) : data);

  const alloc = (length: number, zeroed = true): Float32Array => {
    const reused = pool.get(length)?.pop();
    if (reused) {
      pooledBytes -= reused.byteLength;
      idle.delete(reused);
      return zeroed ? reused.fill(0) : reused;
    }
    const a = new Float32Array(length);
    if (length > 0) ours.add(a);
    return a;
  };

  const scratch = (length: number, zeroed = true): Float32Array => {
    const a = alloc(length, zeroed);
    scopes[scopes.length - 1]?.host.push(a);
    return a;
  };

  const poolBytes = opts.poolBytes ?? DEFAULT_POOL_BYTES;
  const release = (a: Float32Array): void => {
    if (disposed || !ours.has(a) || idle.has(a) || a.byteLength > poolBytes) return;
    // Make room by dropping the idle arrays of the lengths released longest ago (the Map's
    // order: a length moves to the end when released), e.g. tiles of an earlier image size.
    for (const [length, free] of pool) {
      while (free.length > 0 && pooledBytes + a.byteLength > poolBytes) {
        const old = free.pop()!;
        idle.delete(old);
        pooledBytes -= old.byteLength;
      }
      if (free.length === 0) pool.delete(length);
      if (pooledBytes + a.byteLength <= poolBytes) break;
    }
    const free = pool.get(a.length) ?? [];
    pool.delete(a.length);
    pool.set(a.length, free);
    free.push(a);
    idle.add(a);
    pooledBytes += a.byteLength;
  };

  const scope = async <A>(fn: () => Promise<A>): Promise<A> => {
    const mine: ScopeFrame = { device: new Set(), host: [] };
    scopes.push(mine);
    let result: A | undefined;
    try {
      result = await fn();
      return result;
    } finally {
      if (scopes.pop() !== mine) throw new Error('runtime.scope: scopes on one runtime ran concurrently');
      const kept = new Set<unknown>();
      arraysIn(result, kept);
      const parent = scopes[scopes.length - 1];
      for (const b of mine.device) {
        if (kept.has(b)) parent?.device.add(b);
        else free(b);
      }
      for (const a of mine.host) {
        if (!kept.has(a.buffer)) release(a);
        else parent?.host.push(a);
      }
    }
  };

  const run = async (spec: KernelSpec, args: readonly Arg[]): Promise<Float32Array> => {
    const r = await compute(spec, args);
    if (!isDeviceArray(r)) return r;
    try {
      return await read(r);
    } finally {
      free(r as DeviceBuffer);
    }
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
  const probeArgs = [arg1d(new Float32Array([0, 1, 2, 3]))];
  const probeOut = await run(probeSpec, probeArgs);
  const probeKernel = compile(probeSpec, probeArgs);
  const actual = probeKernel.kernel ? backendOfKernelClass(probeKernel.kernel.constructor.name) : undefined;
  if (actual !== backend || Array.from(probeOut).join() !== '1,3,5,7') {
    await gpu.destroy();
    throw new BackendError(`backend '${backend}' was requested but gpu.js ran the probe kernel on '${actual ?? 'an unknown backend'}' with result [${Array.from(probeOut).join(', ')}]`);
  }

  if (gpuDevice) gpuBytes = trackDeviceMemory(gpuDevice);
  readBytes = 0;

  const sync = async (): Promise<void> => {
    await gpuDevice?.queue.onSubmittedWorkDone();
  };

  return {
    backend,
    resident,
    sync,
    compute,
    run,
    read,
    upload,
    scope,
    scratch,
    alloc,
    release,
    fallbacks: () => fallbacks,
    stats: () => ({
      kernels,
      calls,
      deviceArrays: live.size,
      deviceBytes: [...live].reduce((s, b) => s + 4 * b.length, 0),
      readBytes,
      gpuBytes: gpuBytes(),
      gpuTextures: glTextures(),
    }),
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      for (const b of [...live]) free(b);
      pool.clear();
      cache.clear();
      await gpu.destroy();
    },
  };
};

/** The upload kernel: a copy of a host array into a device buffer. */
function copyKernel(this: { thread: { x: number } }, a: number[]): number {
  return a[this.thread.x]!;
}
