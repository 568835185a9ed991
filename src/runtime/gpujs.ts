/**
 * The one module that touches gpu.js's loose typings (its index.d.ts types results as a wide
 * union, async kernels as sync, and misses settings; see ../shared/notes/gpujs.md trap 8).
 * Everything else in unet-ts sees only the narrow types below.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

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

export interface RawKernel {
  (...args: unknown[]): RawOutput | Promise<RawOutput>;
  /** The backend kernel object; its constructor name tells the backend that really runs. */
  readonly kernel?: {
    readonly constructor: { readonly name: string };
    readonly fallbackReason?: string;
    /** webasm: the worker pool of an async kernel (shared by the runtime). */
    _pool?: unknown;
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
}

export interface RawGPU {
  readonly mode: string;
  createKernel(fn: KernelSource, settings: KernelSettings): RawKernel;
  destroy(): Promise<void>;
}

interface GpuModule {
  readonly GPU: {
    new (settings: { mode: string }): RawGPU;
    readonly isWebAssemblySupported: boolean;
    readonly isHeadlessGLSupported: boolean;
  };
  readonly input: (data: Float32Array, dims: readonly number[]) => unknown;
}

let loaded: GpuModule | undefined;
/** gpu.js, loaded once on first use (it is CommonJS). */
export const gpujs = (): GpuModule => (loaded ??= require('gpu.js') as GpuModule);
