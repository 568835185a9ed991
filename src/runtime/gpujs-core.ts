/**
 * gpu.js's narrow types and the helpers on them, without loading gpu.js (shared by the Node
 * and the browser build; the Node loader is ./gpujs.ts, the browser's ./browser.ts).
 *
 * The one module that touches gpu.js's loose typings (its index.d.ts types results as a wide
 * union, async kernels as sync, and misses settings; see docs/gpujs-traps.md, trap 8).
 * Everything else in unet-ts sees only the narrow types below.
 */

/** The thread/constant view a kernel function body sees (gpu.js kernel dialect). */
export interface KernelThis {
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
  readonly constants: Readonly<Record<string, number>>;
}

/** A gpu.js kernel source function: plain JS in the subset gpu.js translates. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KernelSource = (this: KernelThis, ...args: any[]) => number | number[];

/** What a kernel returns before flattening: typed arrays nested 0–3 deep. */
export type RawOutput = Float32Array | readonly RawOutput[];

/**
 * A pipeline-mode kernel result on the WebGPU backend (gpu.js's WebGPUBufferResult): the GPU
 * buffer, refcounted, its logical dims, and 1 or 4 values per thread.
 */
export interface RawBufferResult {
  readonly output: readonly number[];
  readonly componentCount: number;
  toArray(): Promise<RawOutput>;
  /** Drops this handle's reference; the buffer is destroyed when none is left. */
  delete(): void;
}

interface BufferResultFields extends RawBufferResult {
  readonly buffer: unknown;
  readonly context: unknown;
  readonly kernel: unknown;
}

/**
 * Another handle on the same GPU buffer (one more reference), seen as a scalar array of
 * `dims`: how a vec4 result is bound as a plain array (gpu.js 2.24 binds only 1-component
 * pipeline results as arguments), and how a kernel reads a buffer with other dims.
 */
export const bufferView = (h: RawBufferResult, dims: readonly number[]): RawBufferResult => {
  const f = h as BufferResultFields;
  const Ctor = (h as object).constructor as new (s: object) => RawBufferResult;
  return new Ctor({ buffer: f.buffer, output: [...dims], componentCount: 1, context: f.context, kernel: f.kernel });
};

/**
 * A pipeline-mode kernel result on a GL backend (gpu.js's GLTexture): the WebGL texture,
 * refcounted, its size in texels, its logical dims and its texel type ('ArrayTexture(4)':
 * one thread's 4 values per RGBA texel; 'MemoryOptimizedNumberTexture': 4 consecutive
 * values per RGBA texel, the same layout).
 */
interface GlTextureFields extends RawBufferResult {
  readonly texture: object;
  readonly size: readonly number[];
  readonly dimensions: readonly number[];
  readonly context: unknown;
  readonly kernel: unknown;
  readonly type: string;
  readonly internalFormat: unknown;
  readonly textureFormat: unknown;
}

/** Whether a pipeline result is a GL texture (else a WebGPU buffer). */
export const isGlTexture = (h: RawBufferResult): boolean => 'texture' in h && 'size' in h;

/** Values per thread of a pipeline result: 4 for a vec4 kernel, else 1. */
export const componentsOf = (h: RawBufferResult): number => (isGlTexture(h) ? ((h as GlTextureFields).type === 'ArrayTexture(4)' ? 4 : 1) : h.componentCount);

/**
 * Another handle on the same GL texture (one more reference), seen as a scalar array of
 * `dims` in the memory-optimized layout (value i in channel i mod 4 of texel ⌊i/4⌋): how a
 * vec4 result or a memory-optimized scalar result is bound with other dims, and read back
 * flat. `Ctor` is gpu.js's 1-D memory-optimized texture class (every view has that one
 * class: a kernel compiled for one texture class refuses another).
 */
export const glView = (h: RawBufferResult, dims: readonly number[], Ctor: new (s: object) => RawBufferResult): RawBufferResult => {
  const f = h as GlTextureFields;
  const [x = 1, y = 1, z = 1] = dims;
  return new Ctor({
    texture: f.texture,
    size: f.size,
    dimensions: [x, y, z],
    output: [...dims],
    context: f.context,
    kernel: f.kernel,
    internalFormat: f.internalFormat,
    textureFormat: f.textureFormat,
    type: 'MemoryOptimizedNumberTexture',
  });
};

/** The texture size of a GL pipeline result ('' for a WebGPU buffer): compiled into every kernel that reads it. */
export const textureSizeOf = (h: RawBufferResult): string => (isGlTexture(h) ? (h as GlTextureFields).size.join('x') : '');

interface GpuBufferLike {
  readonly size: number;
  destroy(): void;
}
/** The WebGPU device (Dawn's GPUDevice), as far as the runtime uses it. */
export interface GpuDeviceLike {
  createBuffer(descriptor: { size: number }): GpuBufferLike;
  readonly queue: { onSubmittedWorkDone(): Promise<void> };
}

/** The device a pipeline result lives on. */
export const deviceOf = (h: RawBufferResult): GpuDeviceLike => ((h as BufferResultFields).context as { device: GpuDeviceLike }).device;

/**
 * Counts the bytes of every GPU buffer created on the device from now on and not yet
 * destroyed — kernel outputs, argument uploads, staging buffers for readback: the device
 * memory gpu.js holds. Wraps the device's createBuffer once.
 */
export const trackDeviceMemory = (device: GpuDeviceLike): (() => number) => {
  let bytes = 0;
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor) => {
    const buffer = create(descriptor);
    const destroy = buffer.destroy.bind(buffer);
    let alive = true;
    bytes += buffer.size;
    buffer.destroy = () => {
      if (alive) bytes -= buffer.size;
      alive = false;
      destroy();
    };
    return buffer;
  };
  return () => bytes;
};

/** The GL context's texture calls, as far as the runtime counts them. */
interface GlContextLike {
  createTexture(): unknown;
  deleteTexture(t: unknown): void;
}

/**
 * Counts the textures created on a GL context from now on minus those deleted (which may
 * include older ones): wraps createTexture and deleteTexture once. Equal counts after step 2
 * and step 1,000 of training mean no texture leaks per step.
 */
export const trackGlTextures = (h: RawBufferResult): (() => number) => {
  const gl = (h as GlTextureFields).context as GlContextLike;
  let live = 0;
  const create = gl.createTexture.bind(gl);
  const remove = gl.deleteTexture.bind(gl);
  gl.createTexture = () => (live++, create());
  gl.deleteTexture = (t) => (live--, remove(t));
  return () => live;
};

export interface RawKernel {
  (...args: unknown[]): RawOutput | RawBufferResult | Promise<RawOutput | RawBufferResult>;
  /** The backend kernel object; its constructor name tells the backend that really runs. */
  readonly kernel?: {
    readonly constructor: { readonly name: string };
    readonly fallbackReason?: string;
    /** webasm: the worker pool of an async kernel (shared by the runtime). */
    _pool?: unknown;
    /** webasm: the module entry of the last call; its `f32` views the kernel's memory. */
    _active?: { f32?: Float32Array | null } | null;
    /** webasm/webgpu: turns the packed result into nested arrays (replaced by the runtime). */
    _shapeOutput?: (data: Float32Array, output: number[], componentCount: number) => RawOutput;
  };
  readonly constructor: { readonly name: string };
  destroy(removeCanvasReferences?: boolean): void;
}

export interface KernelSettings {
  readonly output: readonly number[];
  readonly constants: Readonly<Record<string, number>>;
  readonly returnType?: 'Number' | 'Array(4)';
  readonly asyncMode?: boolean;
  readonly tactic?: 'speed' | 'balanced' | 'precision';
  readonly precision?: 'single';
  readonly dynamicOutput?: boolean;
  readonly loopMaxIterations?: number;
  readonly poolSize?: number;
  /** Results stay on the device (WebGPU: a buffer handle; GL: a texture). */
  readonly pipeline?: boolean;
  /** With pipeline: every call gets its own output buffer instead of reusing one. */
  readonly immutable?: boolean;
  /** GL, single precision: 4 scalar values per RGBA texel (the layout of vec4 results too). */
  readonly optimizeFloatMemory?: boolean;
}

export interface RawGPU {
  readonly mode: string;
  createKernel(fn: KernelSource, settings: KernelSettings): RawKernel;
  destroy(): Promise<void>;
}

/** What unet-ts uses of the gpu.js module (Node: src/index.js; browser: dist/gpu-browser.js). */
export interface GpuModule {
  readonly GPU: {
    new (settings: { mode: string }): RawGPU;
    readonly isWebAssemblySupported: boolean;
    readonly isHeadlessGLSupported: boolean;
  };
  readonly input: (data: Float32Array, dims: readonly number[]) => unknown;
}

