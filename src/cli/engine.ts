/**
 * `--engine gpujs|onnx` of `segment` and `evaluate`: what runs the network on each tile.
 * gpujs (the default) is unet-ts's own kernels on a GPU.js backend (`--backend`); onnx is
 * onnxruntime-node on the model's ONNX graph (../export/onnx-runtime.ts). Both are a
 * `TileForward`, so the commands run the same tiling whatever the engine.
 */
import { onnxForward } from '../export/onnx-runtime.js';
import { gpujsForward, type Model, type TileForward } from '../infer/tiles.js';
import { createRuntime } from '../runtime/runtime.js';
import { str, UsageError } from './args.js';

export const ENGINES = ['gpujs', 'onnx'] as const;
export type EngineName = (typeof ENGINES)[number];

/** The usage line of the flag, shared by the commands' help. */
export const ENGINE_USAGE = `  --engine E    what runs the network on each tile: gpujs (default; unet-ts's kernels on the
                --backend) or onnx (onnxruntime-node on the model's ONNX graph, CPU; needs the
                optional package onnxruntime-node). Same tiles, same outputs.`;

/**
 * The --engine value (default gpujs); a usage error names an unknown value and the choices,
 * and --backend given with --engine onnx (onnxruntime does not run on GPU.js backends).
 *
 * @example
 * engineFlag('segment', 'onnx', undefined); // 'onnx'
 * engineFlag('segment', 'tfjs', undefined); // throws "segment: --engine tfjs: unknown engine; expected gpujs or onnx"
 */
export const engineFlag = (command: string, v: string | boolean | undefined, backend: string | undefined): EngineName => {
  const name = str(v) ?? 'gpujs';
  if (!(ENGINES as readonly string[]).includes(name)) throw new UsageError(`${command}: --engine ${name}: unknown engine; expected ${ENGINES.join(' or ')}`);
  if (name === 'onnx' && backend !== undefined) throw new UsageError(`${command}: --backend ${backend} chooses a GPU.js backend; it does not apply to --engine onnx (onnxruntime runs on the CPU)`);
  return name as EngineName;
};

/** An engine ready for a model: its tile forward, and `close` to release what it holds. */
export interface OpenEngine {
  readonly forward: TileForward;
  readonly close: () => Promise<void>;
}

/**
 * Starts the engine for `model`: a GPU.js runtime on `backend` (default: UNET_BACKEND, else
 * auto), or one onnxruntime session for the model, reused for every tile of every image.
 */
export const openEngine = async (engine: EngineName, backend: string | undefined, model: Model): Promise<OpenEngine> => {
  if (engine === 'onnx') {
    const onnx = await onnxForward(model);
    return { forward: onnx, close: onnx.dispose };
  }
  const rt = await createRuntime(backend !== undefined ? { backend } : {});
  return { forward: gpujsForward(rt, model), close: () => rt.dispose() };
};
