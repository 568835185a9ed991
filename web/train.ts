/**
 * The page's train tab: trains the `tiny` U-Net on synthetic cells in the browser
 * (train-setup.ts says what; the library's `trainStep` does each step, the trainer's step
 * without files), draws the loss after every step (src/plot's `lineChart` on a canvas),
 * shows the backend and step times, then segments held-out images with the trained weights
 * and draws their overlays (prediction yellow, truth magenta) with the foreground IoU.
 * The weights can be downloaded (.safetensors) and used in the segment tab.
 *
 * Responsive: the loop yields to the browser before every step (and every held-out tile),
 * so the page repaints, the chart moves and Stop works; within a step a webgl2 kernel
 * blocks, a webgpu one does not. `ticks` counts a 50 ms timer that runs during training:
 * it only advances when the main thread is free.
 */
import { encodeModel, metrics, overlayRaster, segmentImage, startTraining, trainStep, type ModelData } from '../src/browser.js';
import { lineChart, type Series } from '../src/plot/line-chart.js';
import { $, drawRaster, yieldToBrowser } from './dom.js';
import { backendNote, runtimeFor, yieldingForward } from './runtime.js';
import { addModel } from './segment.js';
import { DEFAULT_TRAIN, TRAIN_TILES, heldOutImages, trainSetup, trainingItems, type HeldOutResult, type TrainChoice, type TrainReport } from './train-setup.js';

export interface TrainState {
  running: boolean;
  report?: TrainReport;
  error?: string;
}

const num = (id: string, lo: number, hi: number, integer: boolean): number => {
  const el = $<HTMLInputElement>(id);
  const v = Number(el.value);
  if (!(v >= lo && v <= hi) || (integer && !Number.isInteger(v))) throw new Error(`${el.dataset['name'] ?? id}: ${el.value}; expected ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}]`);
  return v;
};

const readChoice = (): TrainChoice => ({
  steps: num('train-steps', 1, 100_000, true),
  tile: Number($<HTMLSelectElement>('train-tile').value),
  lr: num('train-lr', 1e-6, 1, false),
  images: num('train-images', 1, 64, true),
  size: Number($<HTMLSelectElement>('train-size').value),
  heldOut: num('train-heldout', 0, 8, true),
  seed: DEFAULT_TRAIN.seed,
});

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The loss per step and its running mean over the last 10 steps. */
const chartSeries = (losses: readonly number[]): Series[] => [
  { name: 'loss (Eq. 1)', points: losses.map((l, i) => [i + 1, l] as const) },
  { name: 'mean of the last 10', points: losses.map((_, i) => [i + 1, mean(losses.slice(Math.max(0, i - 9), i + 1))] as const) },
];

/** Wires the train tab; `state` is where the last run's report goes. */
export const initTrain = (state: TrainState): void => {
  const tile = $<HTMLSelectElement>('train-tile');
  for (const t of TRAIN_TILES) tile.add(new Option(`${t} (output ${t - 88})`, String(t)));
  tile.value = String(DEFAULT_TRAIN.tile);
  $<HTMLInputElement>('train-steps').value = String(DEFAULT_TRAIN.steps);
  $<HTMLInputElement>('train-lr').value = String(DEFAULT_TRAIN.lr);
  $<HTMLInputElement>('train-images').value = String(DEFAULT_TRAIN.images);
  $<HTMLSelectElement>('train-size').value = String(DEFAULT_TRAIN.size);
  $<HTMLInputElement>('train-heldout').value = String(DEFAULT_TRAIN.heldOut);
  const status = $<HTMLDivElement>('train-status');
  const chart = $<HTMLCanvasElement>('loss-chart');
  const start = $<HTMLButtonElement>('train-start');
  const stop = $<HTMLButtonElement>('train-stop');
  const heldOutBox = $<HTMLDivElement>('heldout');
  const modelLink = $<HTMLAnchorElement>('dl-model');
  let stopRequested = false;
  stop.addEventListener('click', () => (stopRequested = true));

  const run = async (): Promise<void> => {
    if (state.running) return;
    state.running = true;
    state.error = undefined;
    stopRequested = false;
    start.disabled = true;
    stop.disabled = false;
    modelLink.hidden = true;
    heldOutBox.replaceChildren();
    document.body.dataset['train'] = 'running';
    let ticks = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      const c = readChoice();
      status.textContent = `making ${c.images} synthetic ${c.size}×${c.size} images with their weight maps…`;
      await yieldToBrowser();
      const t0 = performance.now();
      const items = trainingItems(c);
      const heldOut = heldOutImages(c);
      const dataSeconds = (performance.now() - t0) / 1000;
      const rt = await runtimeFor($<HTMLSelectElement>('backend').value);
      const backend = await backendNote(rt);
      const setup = trainSetup(rt, c, items);
      const step = trainStep(setup);
      let s = startTraining(setup.config, setup.optimizer, c.seed);
      const losses: number[] = [];
      const stepSeconds: number[] = [];
      const t1 = performance.now();
      timer = setInterval(() => ticks++, 50);
      while (s.step < c.steps && !stopRequested) {
        await yieldToBrowser();
        const r = await step(s);
        s = r.state;
        losses.push(r.step.loss);
        stepSeconds.push(r.step.seconds);
        drawRaster(chart, lineChart({ title: 'training loss', xLabel: 'step', yLabel: 'loss', series: chartSeries(losses), width: 640, height: 320 }), 640);
        status.textContent =
          `step ${s.step} / ${c.steps} · loss ${r.step.loss.toFixed(4)} · lr ${r.step.lr.toExponential(2)} · ` +
          `${r.step.seconds.toFixed(2)} s this step, ${mean(stepSeconds).toFixed(2)} s/step mean · ${((performance.now() - t1) / 1000).toFixed(1)} s · ${backend}`;
      }
      clearInterval(timer);
      timer = undefined;
      const trained = `${s.step} steps (tile ${c.tile}, ${c.images} images of ${c.size}², lr ${c.lr}) in ${((performance.now() - t1) / 1000).toFixed(1)} s, ${mean(stepSeconds).toFixed(2)} s/step on ${backend}`;
      // The trained network segments at the preset's own tile (the tile does not change the result).
      const m: ModelData = { config: { ...setup.config, tile: 252 }, params: s.params };
      const results: HeldOutResult[] = [];
      for (const h of heldOut) {
        status.textContent = `${trained}; segmenting held-out image ${results.length + 1} of ${heldOut.length}…`;
        await yieldToBrowser();
        const t2 = performance.now();
        const seg = await segmentImage(yieldingForward(rt, m), m, h.image, { tta: false });
        const seconds = (performance.now() - t2) / 1000;
        const { width, height } = h.image;
        const iou = metrics.overlapScores(metrics.labels(width, height, seg.labels), metrics.labels(width, height, h.labels.classes.data), 2).iou[1]!;
        results.push({ seed: h.seed, iou, seconds, tiles: seg.tiles, tile: seg.tile });
        const figure = document.createElement('figure');
        const canvas = document.createElement('canvas');
        const caption = document.createElement('figcaption');
        caption.textContent = `held-out seed ${h.seed}: foreground IoU ${iou.toFixed(3)} (${seconds.toFixed(2)} s)`;
        figure.append(canvas, caption);
        heldOutBox.append(figure);
        drawRaster(canvas, overlayRaster(h.raw, seg.labels, h.labels.classes.data), 256);
      }
      const url = URL.createObjectURL(new Blob([encodeModel(m) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      if (modelLink.href.startsWith('blob:')) URL.revokeObjectURL(modelLink.href);
      modelLink.href = url;
      modelLink.hidden = false;
      addModel('tiny (trained here)', m);
      const ious = results.map((r) => r.iou);
      status.textContent = `${trained}${stopRequested ? ' (stopped)' : ''}; held-out foreground IoU ${ious.length > 0 ? mean(ious).toFixed(3) : '–'} (mean of ${ious.length}). The model is in the segment tab's list.`;
      state.report = { backend: rt.backend, choice: c, losses, stepSeconds, dataSeconds, heldOut: results, ticks, stopped: stopRequested };
      document.body.dataset['train'] = 'done';
    } catch (e) {
      state.error = (e as Error).message;
      status.textContent = `error: ${state.error}`;
      document.body.dataset['train'] = 'error';
    } finally {
      if (timer !== undefined) clearInterval(timer);
      state.running = false;
      start.disabled = false;
      stop.disabled = true;
    }
  };
  start.addEventListener('click', () => void run());
};
