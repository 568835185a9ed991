/**
 * Peer benchmarks in the same process: @tensorflow/tfjs on its `cpu` backend (forward and
 * training step) and @tensorflow/tfjs-backend-wasm (forward only: it has no
 * Conv2DBackpropFilter kernel, so it cannot train a conv net). Both packages are optional
 * dev dependencies, loaded with a dynamic import; when absent, their items are skipped with
 * the reason. onnxruntime-node (onnx-peer.ts: the forward of `segment --engine onnx`) likewise. The network is the same architecture with the same weights (peer-unet.ts), and
 * each forward's logits are compared with unet-ts's (max |Δ|) as a check that both compute
 * the same function. PyTorch (torch-peer.ts) runs in a Python process of its own when
 * python3-torch is installed.
 */
import type { Tensor } from '../tensor/tensor.js';
import { initParams } from '../unet/params.js';
import { modelForwardFlop, modelTrainFlop } from './flops.js';
import { gflops, timeCalls, type Timing } from './measure.js';
import { benchSample, type ModelMode, type ModelTarget } from './model.js';
import { tfLoss, tfUNet, toNchw, toNhwc, type Tf } from './peer-unet.js';

/** Every peer, in plan order. */
export const PEERS = ['tfjs-cpu', 'tfjs-wasm', 'onnxruntime', 'torch'] as const;
export type PeerName = (typeof PEERS)[number];

export interface PeerItem {
  readonly peer: PeerName;
  readonly target: ModelTarget;
  readonly mode: ModelMode;
}

export interface PeerRow {
  readonly peer: PeerName;
  readonly preset: string;
  readonly mode: ModelMode;
  readonly tile: number;
  /** Null when skipped. */
  readonly timing: Timing | null;
  readonly gflops: number | null;
  /** Peer median / unet-ts median for the same item (> 1: unet-ts is faster); null when unknown. */
  readonly ratio: number | null;
  readonly unetMs: number | null;
  /** Forward only: max |logit difference| from unet-ts with the same weights. */
  readonly maxAbsDiff: number | null;
  readonly skipped?: string;
  /** What ran, when the peer says (torch: 'torch 1.13.1, 2 threads'). */
  readonly version?: string;
}

/** Loads tfjs (and the wasm backend when asked), or the reason it cannot be loaded. */
export const loadTf = async (wasm: boolean): Promise<{ tf: Tf } | { error: string }> => {
  try {
    const tf = (await import('@tensorflow/tfjs')) as Tf;
    tf.enableProdMode(); // also silences the "install tfjs-node" banner
    if (wasm) await import('@tensorflow/tfjs-backend-wasm');
    return { tf };
  } catch (e) {
    return { error: `${wasm ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs'} is not installed or failed to load (${(e as Error).message.split('\n')[0]}); npm install --save-dev @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0` };
  }
};

/** Max |a − b| (Infinity when the lengths differ): how far a peer's logits are from unet-ts's. */
export const maxAbsDiff = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/**
 * Times one peer item on an already loaded tfjs. `unetMs` is unet-ts's median for the same
 * item (for the ratio) and `unetLogits` its forward logits (for the comparison), when known.
 */
export const benchPeer = async (tf: Tf, item: PeerItem, reps: number, unetMs: number | null, unetLogits: Tensor | null): Promise<PeerRow> => {
  const { target: t, mode } = item;
  await tf.setBackend(item.peer === 'tfjs-cpu' ? 'cpu' : 'wasm');
  await tf.ready();
  const params = initParams(t.config, 1);
  const net = tfUNet(tf, t.config, params);
  const sample = benchSample(t);
  const x = toNhwc(tf, sample.image);
  let diff: number | null = null;
  try {
    let timing: Timing;
    if (mode === 'forward') {
      let last: Float32Array | undefined;
      timing = await timeCalls(async () => {
        const y = tf.tidy(() => net.forward(x, false));
        last = await toNchw(tf, y);
        y.dispose();
      }, reps);
      if (unetLogits && last) diff = maxAbsDiff(last, unetLogits.data);
    } else {
      const opt = tf.train.adam(1e-4);
      timing = await timeCalls(async () => {
        const loss = opt.minimize(() => tfLoss(tf, net.forward(x, true), sample.labels, sample.weights, t.config.classes), true, [...net.variables]);
        await loss?.data();
        loss?.dispose();
      }, reps);
      opt.dispose();
    }
    const flop = mode === 'forward' ? modelForwardFlop(t.config, t.tile) : modelTrainFlop(t.config, t.tile);
    return {
      peer: item.peer,
      preset: t.preset,
      mode,
      tile: t.tile,
      timing,
      gflops: gflops(flop, timing.medianMs),
      ratio: unetMs === null ? null : timing.medianMs / unetMs,
      unetMs,
      maxAbsDiff: diff,
    };
  } finally {
    x.dispose();
    net.dispose();
  }
};

/** A row for an item that could not run. */
export const skippedPeer = (item: PeerItem, why: string): PeerRow => ({
  peer: item.peer,
  preset: item.target.preset,
  mode: item.mode,
  tile: item.target.tile,
  timing: null,
  gflops: null,
  ratio: null,
  unetMs: null,
  maxAbsDiff: null,
  skipped: why,
});

/**
 * The default peer items (tfjs cpu is ~500× slower than onnxruntime in the peer measurements of Nov 2026: the `small` forward took 27.5 s on tfjs cpu, 64 ms on onnxruntime-node): tfjs-cpu
 * forward and training step of the first target (tiny), tfjs-wasm and onnxruntime forward of
 * the first two (tiny, small), torch forward and training step of the targets either tfjs peer
 * runs (tiny, small). With `all` (presets asked for explicitly), every target on every peer.
 */
export const peerPlan = (targets: readonly ModelTarget[], all: boolean): readonly PeerItem[] => {
  const cpuTargets = all ? targets : targets.filter((t) => t.preset === 'tiny');
  const wasmTargets = all ? targets : targets.filter((t) => t.preset === 'tiny' || t.preset === 'small');
  return [
    ...cpuTargets.flatMap((target): PeerItem[] => [
      { peer: 'tfjs-cpu', target, mode: 'forward' },
      { peer: 'tfjs-cpu', target, mode: 'train' },
    ]),
    ...wasmTargets.map((target): PeerItem => ({ peer: 'tfjs-wasm', target, mode: 'forward' })),
    ...wasmTargets.map((target): PeerItem => ({ peer: 'onnxruntime', target, mode: 'forward' })),
    ...targets
      .filter((t) => cpuTargets.includes(t) || wasmTargets.includes(t))
      .flatMap((target): PeerItem[] => [
        { peer: 'torch', target, mode: 'forward' },
        { peer: 'torch', target, mode: 'train' },
      ]),
  ];
};
