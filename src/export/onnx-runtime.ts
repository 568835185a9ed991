/**
 * onnxruntime as an inference engine (`segment --engine onnx`): the model's ONNX graph, built
 * in memory by `exportOnnx` (no file is written), in one onnxruntime-node session on its CPU
 * execution provider, created once per model and reused for every tile of every image. It is a
 * `TileForward` (../infer/tiles.ts), so `segmentImage` and `evaluateModel` run the same tiling,
 * mirroring, softmax and stitching around it as around unet-ts's GPU.js kernels.
 *
 * onnxruntime-node is an optional peer dependency of unet-ts (about 290 MB installed, with
 * binaries for every platform): it is loaded on first use, and when it is missing the error
 * names the package and the command that installs it.
 */
import { InferenceError } from '../infer/inference-error.js';
import type { Model, TileForward } from '../infer/tiles.js';
import { exportOnnx } from './onnx.js';
import { onnxInputError } from './onnx-input.js';

/**
 * The part of onnxruntime-node the engine uses, written out so that unet-ts's published types
 * do not import a package that may not be installed (test/export/onnx-runtime.test.ts checks
 * that onnxruntime-node's own types fit it).
 */
export interface OrtModule {
  readonly InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => object;
  readonly env: { readonly versions: { readonly common: string; readonly node?: string } };
}

/** An onnxruntime session, as OrtModule sees it. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, object>, options?: { logSeverityLevel?: 0 | 1 | 2 | 3 | 4 }): Promise<Record<string, { readonly data: unknown }>>;
  release(): Promise<void>;
}

/** The package the engine needs, and the command that installs it. */
export const ONNXRUNTIME_PACKAGE = 'onnxruntime-node';
export const ONNXRUNTIME_INSTALL = 'npm install onnxruntime-node@^1.30.0';

/**
 * The onnxruntime-node module, or an InferenceError naming the package and the install
 * command when it is not installed (or does not load on this platform). `specifier` is for
 * tests only.
 *
 * @example
 * const ort = await loadOnnxruntime(); // throws "the onnx engine needs onnxruntime-node, which is not installed; install it with: npm install onnxruntime-node@^1.30.0"
 */
export const loadOnnxruntime = async (specifier: string = ONNXRUNTIME_PACKAGE): Promise<OrtModule> => {
  try {
    return (await import(specifier)) as OrtModule;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' || (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    const why = missing ? 'which is not installed' : `which failed to load (${(e as Error).message.split('\n')[0]})`;
    throw new InferenceError(`the onnx engine needs ${ONNXRUNTIME_PACKAGE} (an optional peer dependency of unet-ts), ${why}; install it with: ${ONNXRUNTIME_INSTALL}`, { cause: e });
  }
};

export interface OnnxForwardOptions {
  /** Threads of one operator (onnxruntime's intraOpNumThreads); default: onnxruntime's choice, one per physical core. */
  readonly threads?: number;
  /** For tests: where to import onnxruntime-node from. */
  readonly specifier?: string;
}

/** The onnxruntime engine of one model: a TileForward that also releases its session. */
export interface OnnxForward extends TileForward {
  /** onnxruntime-node's version, e.g. '1.30.0'. */
  readonly version: string;
  /** Releases the session; the forward cannot be used after. */
  readonly dispose: () => Promise<void>;
}

/**
 * The onnxruntime engine for `model`: its ONNX graph (logits output) in one session. A tile
 * size the graph refuses is an `OnnxInputError` naming the nearest valid sizes.
 *
 * @example
 * import { onnxForward, segmentImage } from 'unet-ts';
 * const onnx = await onnxForward(model, { threads: 2 });
 * const seg = await segmentImage(onnx, model, img); // labels equal segmentImage(rt, model, img)'s
 * await onnx.dispose();
 */
export const onnxForward = async (model: Model, opts: OnnxForwardOptions = {}): Promise<OnnxForward> => {
  const ort = await loadOnnxruntime(opts.specifier);
  const session = await ort.InferenceSession.create(await exportOnnx(model), {
    executionProviders: ['cpu'],
    interOpNumThreads: 1,
    ...(opts.threads === undefined ? {} : { intraOpNumThreads: opts.threads }),
    logSeverityLevel: 3,
  });
  const [input, output] = [session.inputNames[0]!, session.outputNames[0]!];
  const c = model.config.inChannels;
  return {
    engine: 'onnxruntime',
    model,
    version: ort.env.versions.node ?? ort.env.versions.common,
    forwardTile: async (data, n) => {
      try {
        // logSeverityLevel 4: a refused size is reported once, by the error below, not also logged
        const out = await session.run({ [input]: new ort.Tensor('float32', data, [1, c, n, n]) }, { logSeverityLevel: 4 });
        return out[output]!.data as Float32Array;
      } catch (e) {
        throw onnxInputError(model.config, n, n, e);
      }
    },
    dispose: () => session.release(),
  };
};
