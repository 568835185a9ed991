/**
 * onnxruntime as a peer of the bench: the forward of `segment --engine onnx` (one tile through
 * `onnxForward`'s session: the model's ONNX graph on onnxruntime-node's CPU provider) with the
 * bench's weights and input, timed beside unet-ts's GPU.js forward on the same item, its logits
 * compared with unet-ts's. Skipped with the loader's message (the package and the install
 * command) when onnxruntime-node is not installed.
 */
import { onnxForward } from '../export/onnx-runtime.js';
import { InferenceError } from '../infer/inference-error.js';
import type { Tensor } from '../tensor/tensor.js';
import { initParams } from '../unet/params.js';
import { modelForwardFlop } from './flops.js';
import { gflops, timeCalls } from './measure.js';
import { benchSample } from './model.js';
import { maxAbsDiff, skippedPeer, type PeerItem, type PeerRow } from './peers.js';

/** Threads onnxruntime runs with in the bench: as many as the torch peer's (the development machine's 2 cores). */
export const ONNX_BENCH_THREADS = 2;

/**
 * Times the onnxruntime forward of one item (the session is created before the first call and
 * not timed). `unetMs` / `unetLogits`: unet-ts's median and logits for the same item, when known.
 */
export const benchOnnx = async (item: PeerItem, reps: number, unetMs: number | null, unetLogits: Tensor | null, threads = ONNX_BENCH_THREADS): Promise<PeerRow> => {
  const t = item.target;
  const model = { config: t.config, params: initParams(t.config, 1) };
  const onnx = await onnxForward(model, { threads }).catch((e: unknown) => {
    if (e instanceof InferenceError) return e;
    throw e;
  });
  if (onnx instanceof InferenceError) return skippedPeer(item, onnx.message);
  try {
    const x = benchSample(t).image.data;
    let last: Float32Array | undefined;
    const timing = await timeCalls(async () => void (last = await onnx.forwardTile(x, t.tile)), reps);
    return {
      peer: 'onnxruntime',
      preset: t.preset,
      mode: 'forward',
      tile: t.tile,
      timing,
      gflops: gflops(modelForwardFlop(t.config, t.tile), timing.medianMs),
      ratio: unetMs === null ? null : timing.medianMs / unetMs,
      unetMs,
      maxAbsDiff: unetLogits && last ? maxAbsDiff(last, unetLogits.data) : null,
      version: `onnxruntime-node ${onnx.version}, ${threads} thread${threads === 1 ? '' : 's'}, CPU`,
    };
  } finally {
    await onnx.dispose();
  }
};
