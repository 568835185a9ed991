/**
 * The page the browser tests load (bundled by esbuild from the browser entry, src/browser.ts,
 * exactly as a web app would bundle `unet-ts`): it puts `unetPage` on globalThis, which the
 * test drives through page.evaluate. Everything here runs in Chromium.
 */
import {
  BackendError,
  browserBackends,
  checkNetworkGradient,
  checkOps,
  createRuntime,
  CHECK_NETWORKS,
  inferenceCtx,
  loadModelUrl,
  predictLogits,
  segmentImage,
  image,
  adam,
  initState,
  lossAndGrads,
  update,
  sgd,
  type CheckRow,
  type Params,
  type UNetConfig,
} from '../../src/browser.js';
import { TINY, tinySample } from './tiny.js';

export interface PageCheck {
  readonly backend: string;
  readonly rows: readonly CheckRow[];
  readonly fallbacks: readonly (readonly [string, string])[];
  readonly seconds: number;
}

export interface PageForward {
  readonly backend: string;
  readonly logits: number[];
  readonly shape: readonly number[];
  readonly labels: number[];
  readonly probabilities: number[];
  readonly seconds: number;
}

/** `unet-ts check --small` in the page: every kernel and VJP on the small shapes, and the whole small networks. */
const check = async (backend: string): Promise<PageCheck> => {
  const t0 = performance.now();
  const rt = await createRuntime({ backend });
  try {
    const rows: CheckRow[] = [...(await checkOps(rt, { large: false }))];
    for (const n of CHECK_NETWORKS) {
      const t1 = performance.now();
      const r = await checkNetworkGradient(rt, n.cfg, n.cfg.tile);
      rows.push({ op: n.label, pass: 'fd', shape: `${r.params} params`, absError: Math.abs(r.fd - r.taped), relError: r.rel, tolerance: 1e-4, ok: r.rel <= 1e-4, seconds: (performance.now() - t1) / 1000 });
    }
    return { backend: rt.backend, rows, fallbacks: [...rt.fallbacks()], seconds: (performance.now() - t0) / 1000 };
  } finally {
    await rt.dispose();
  }
};

/** A model fetched from `url`: its logits on one tile `x` and an overlap-tile segmentation of a `w`×`h` image. */
const forward = async (backend: string, url: string, x: number[], img: { w: number; h: number; data: number[] }): Promise<PageForward> => {
  const t0 = performance.now();
  const rt = await createRuntime({ backend });
  try {
    const model = await loadModelUrl(url);
    const n = Math.round(Math.sqrt(x.length / model.config.inChannels));
    const logits = await predictLogits(inferenceCtx(rt), model.config, model.params, { shape: [1, model.config.inChannels, n, n], data: Float32Array.from(x) });
    const seg = await segmentImage(rt, model, image(img.w, img.h, 1, Float32Array.from(img.data)), { tta: false });
    return {
      backend: rt.backend,
      logits: Array.from(logits.data),
      shape: [...logits.shape],
      labels: Array.from(seg.labels),
      probabilities: Array.from(seg.foreground ?? []),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await rt.dispose();
  }
};

export interface PageTraining {
  readonly backend: string;
  readonly losses: number[];
  readonly seconds: number;
}

/** `steps` Adam steps (lr 1e-2) of the tiny model on one synthetic tile, from `params` (the test's start weights, as arrays). */
const train = async (backend: string, start: Record<string, { shape: number[]; data: number[] }>, steps: number): Promise<PageTraining> => {
  const t0 = performance.now();
  const rt = await createRuntime({ backend });
  try {
    const sample = tinySample();
    const opt = adam();
    let params: Params = Object.fromEntries(Object.entries(start).map(([k, v]) => [k, { shape: v.shape as unknown as Params[string]['shape'], data: Float32Array.from(v.data) }]));
    let state = initState(opt, params);
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const r = await lossAndGrads(rt, TINY, params, sample, i);
      losses.push(r.loss);
      ({ params, state } = update(opt, state, params, r.grads, 1e-2));
    }
    return { backend: rt.backend, losses, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await rt.dispose();
  }
};

export interface PageResidency {
  readonly backend: string;
  readonly resident: boolean;
  readonly loss: number;
  /** Bytes read back by the first step, and by the whole run. */
  readonly firstStepRead: number;
  readonly paramBytes: number;
  readonly gradSums: number[];
  /** Device arrays alive after step 1 and after the last step; kernels compiled then. */
  readonly deviceArrays: readonly [number, number];
  readonly kernels: readonly [number, number];
  /** GL textures alive (created minus deleted) after step 2 and after the last step. */
  readonly textures: readonly [number, number];
  readonly steps: number;
}

/** Residency: `steps` SGD steps of `cfg` on a fixed sample (`cfg` and sample as plain arrays from the test), on a runtime made with `resident`. */
const residency = async (
  backend: string,
  cfg: UNetConfig,
  start: Record<string, { shape: number[]; data: number[] }>,
  sample: Record<'image' | 'labels' | 'weights', { shape: number[]; data: number[] }>,
  steps: number,
  resident: boolean,
): Promise<PageResidency> => {
  const rt = await createRuntime({ backend, resident });
  try {
    const t = (v: { shape: number[]; data: number[] }) => ({ shape: v.shape as unknown as Params[string]['shape'], data: Float32Array.from(v.data) });
    let params: Params = Object.fromEntries(Object.entries(start).map(([k, v]) => [k, t(v)]));
    const s = { image: t(sample.image), labels: t(sample.labels), weights: t(sample.weights) };
    const opt = sgd(0.99);
    let state = initState(opt, params);
    const before = rt.stats().readBytes;
    const first = await lossAndGrads(rt, cfg, params, s, 1);
    const firstStepRead = rt.stats().readBytes - before;
    const gradSums = Object.keys(first.grads).sort().map((k) => first.grads[k]!.data.reduce((a, b) => a + b, 0));
    ({ params, state } = update(opt, state, params, first.grads, 1e-3));
    const after1 = rt.stats();
    let after2 = after1;
    for (let i = 2; i <= steps; i++) {
      const r = await lossAndGrads(rt, cfg, params, s, i);
      ({ params, state } = update(opt, state, params, r.grads, 1e-3));
      if (i === 2) after2 = rt.stats();
    }
    const end = rt.stats();
    const paramBytes = Object.values(params).reduce((a, p) => a + 4 * p.data.length, 0);
    return { backend: rt.backend, resident: rt.resident, loss: first.loss, firstStepRead, paramBytes, gradSums, deviceArrays: [after1.deviceArrays, end.deviceArrays], kernels: [after1.kernels, end.kernels], textures: [after2.gpuTextures, end.gpuTextures], steps };
  } finally {
    await rt.dispose();
  }
};

/** Why a forced backend does not start (undefined: it starts), through the library's own error. */
const start = async (backend: string): Promise<{ backend?: string; error?: string }> => {
  try {
    const rt = await createRuntime({ backend });
    const b = rt.backend;
    await rt.dispose();
    return { backend: b };
  } catch (e) {
    return { error: `${e instanceof BackendError ? 'BackendError' : 'Error'}: ${(e as Error).message}` };
  }
};

(globalThis as unknown as { unetPage: object }).unetPage = { backends: browserBackends, start, check, forward, train, residency, auto: () => start('auto') };
