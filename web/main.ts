/**
 * The page of `npm run web` (web/index.html): drop or pick a PNG, choose a shipped model and a
 * backend, segment by overlap-tile inference with a progress bar (yielding to the browser
 * between tiles), see the overlay. It imports
 * the library's browser entry (src/browser.ts) as a web app imports 'unet-ts'; scripts/web.ts
 * bundles it with esbuild and serves it with the models. The image is decoded by the browser
 * (createImageBitmap), turned grey, normalised per image as `unet-ts segment` does.
 */
import { BUNDLED_MODELS, browserBackends, createRuntime, gpujsForward, image, loadModelUrl, normalize, segmentImage, type Image, type ModelData, type Runtime, type TileForward } from '../src/browser.js';
import { luminance } from '../src/data/image.js';
import { overlay } from '../src/plot/overlay.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const modelSelect = $<HTMLSelectElement>('model');
const backendSelect = $<HTMLSelectElement>('backend');
const tta = $<HTMLInputElement>('tta');
const fileInput = $<HTMLInputElement>('file');
const drop = $<HTMLDivElement>('drop');
const progress = $<HTMLProgressElement>('progress');
const tiles = $<HTMLSpanElement>('tiles');
const status = $<HTMLDivElement>('status');

/** What the last segmentation gave, for tests (test/browser/web.test.ts) and the console. */
interface WebResult {
  readonly backend: string;
  readonly model: string;
  readonly width: number;
  readonly height: number;
  readonly labels: number[];
  readonly seconds: number;
  readonly tiles: number;
  readonly tile: number;
}
const state: { result?: WebResult; error?: string; busy: boolean } = { busy: false };
(globalThis as unknown as { unetWeb: typeof state }).unetWeb = state;

for (const m of BUNDLED_MODELS) modelSelect.add(new Option(m, m));

let rt: { want: string; rt: Promise<Runtime> } | undefined;
const runtime = (): Promise<Runtime> => {
  const want = backendSelect.value;
  if (rt?.want !== want) {
    const old = rt;
    rt = { want, rt: (old ? old.rt.then((r) => r.dispose()).catch(() => undefined) : Promise.resolve()).then(() => createRuntime({ backend: want })) };
  }
  return rt.rt;
};
const models = new Map<string, Promise<ModelData>>();
const model = (name: string): Promise<ModelData> => {
  let m = models.get(name);
  if (!m) models.set(name, (m = loadModelUrl(`models/${name}.safetensors`)));
  return m;
};

/** The browser's decoding of the file: grey (luminance of RGB, as `--grey`), 0 … 255, then per-image normalisation. */
const decode = async (file: Blob): Promise<{ raw: Image; input: Image }> => {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  const n = bitmap.width * bitmap.height;
  let grey = true;
  for (let i = 0; i < n && grey; i++) grey = data[4 * i] === data[4 * i + 1] && data[4 * i] === data[4 * i + 2];
  const planes = new Float32Array((grey ? 1 : 3) * n);
  for (let i = 0; i < n; i++) {
    if (grey) planes[i] = data[4 * i]!;
    else for (let c = 0; c < 3; c++) planes[c * n + i] = data[4 * i + c]!;
  }
  const raw = luminance(image(bitmap.width, bitmap.height, grey ? 1 : 3, planes));
  return { raw, input: normalize('per-image')(raw) };
};

const draw = (canvas: HTMLCanvasElement, width: number, height: number, rgb: (i: number) => readonly [number, number, number]): void => {
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${Math.min(2 * width, Math.max(width, 440))}px`; // small images shown larger, pixelated
  const ctx = canvas.getContext('2d')!;
  const out = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = rgb(i);
    out.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(out, 0, 0);
};

const segment = async (file: File): Promise<void> => {
  if (state.busy) return;
  state.busy = true;
  state.error = undefined;
  document.body.dataset['state'] = 'busy';
  progress.value = 0;
  tiles.textContent = '';
  try {
    const name = modelSelect.value;
    status.textContent = `decoding ${file.name}, loading ${name}…`;
    const [{ raw, input }, m, r] = await Promise.all([decode(file), model(name), runtime()]);
    draw($('input'), raw.width, raw.height, (i) => {
      const v = Math.max(0, Math.min(255, raw.data[i]!));
      return [v, v, v];
    });
    status.textContent = `segmenting ${raw.width}×${raw.height} with ${name} on ${r.backend}…`;
    // The GPU.js forward, yielding to the browser before each tile so that the page repaints
    // (progress bar) and takes input between tiles; within a tile a webgl2 kernel blocks.
    const gpu = gpujsForward(r, m);
    const engine: TileForward = { ...gpu, forwardTile: async (x, n) => (await new Promise((go) => setTimeout(go, 0)), gpu.forwardTile(x, n)) };
    const t0 = performance.now();
    const seg = await segmentImage(engine, m, input, {
      tta: tta.checked,
      onTile: (p) => {
        progress.value = p.done / p.total;
        tiles.textContent = `${p.done} / ${p.total} tiles`;
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of raw.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    const grey = raw.data.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
    const pic = overlay(grey, seg.width, seg.height, seg.labels);
    draw($('overlay'), pic.width, pic.height, (i) => [pic.data[3 * i]!, pic.data[3 * i + 1]!, pic.data[3 * i + 2]!]);
    const { adapter } = await browserBackends();
    const fg = seg.labels.reduce((s, l) => s + (l > 0 ? 1 : 0), 0);
    status.textContent =
      `${file.name}: ${seg.width}×${seg.height}, ${name}, ${seg.tiles} tile(s) of ${seg.tile}${tta.checked ? ' × 8 (TTA)' : ''}, ${seconds.toFixed(2)} s on ${r.backend}` +
      `${r.backend === 'webgpu' && adapter ? ` (${adapter})` : ''}; foreground ${((100 * fg) / seg.labels.length).toFixed(1)} %`;
    state.result = { backend: r.backend, model: name, width: seg.width, height: seg.height, labels: Array.from(seg.labels), seconds, tiles: seg.tiles, tile: seg.tile };
    document.body.dataset['state'] = 'done';
  } catch (e) {
    state.error = (e as Error).message;
    status.textContent = `error: ${state.error}`;
    document.body.dataset['state'] = 'error';
  } finally {
    state.busy = false;
  }
};

fileInput.addEventListener('change', () => {
  const f = fileInput.files?.[0];
  if (f) void segment(f);
});
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) void segment(f);
});

void (async () => {
  const { why, adapter } = await browserBackends();
  const can = Object.entries(why).filter(([, w]) => w === undefined).map(([b]) => b);
  status.textContent = `ready. Backends that start here: ${can.join(', ')}${adapter ? ` (WebGPU adapter: ${adapter})` : ''}. Drop a PNG.`;
  document.body.dataset['state'] = 'ready';
})();
