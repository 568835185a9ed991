/**
 * The page's segment tab: drop or pick a PNG or TIFF, choose a shipped model (or one trained
 * in the train tab), segment by overlap-tile inference with a progress bar (yielding to the
 * browser before each tile), see the overlay, the foreground probability and the instances,
 * and download them as the PNGs `unet-ts segment` writes (`outputPngs`: the same bytes).
 *
 * Decoding: PNG (and any format the browser knows) by createImageBitmap, turned grey
 * (luminance of RGB, as `--grey`); TIFF (8/16/32-bit, grey or RGB, any page) by the
 * library's `decodeTiff`, since browsers do not decode TIFF. Then per-image normalisation,
 * as `unet-ts segment` does.
 */
import {
  BUNDLED_MODELS,
  decodeTiff,
  image,
  instanceMap,
  loadModelUrl,
  normalize,
  outputPngs,
  overlayRaster,
  segmentImage,
  type Image,
  type ModelData,
} from '../src/browser.js';
import { luminance } from '../src/data/image.js';
import { heatmap } from '../src/plot/colormap.js';
import { raster, type Raster } from '../src/plot/raster.js';
import { $, drawRaster, pngLink } from './dom.js';
import { backendNote, runtimeFor, yieldingForward } from './runtime.js';

/** What the last segmentation gave, for tests (test/browser/web.test.ts) and the console. */
export interface WebResult {
  readonly backend: string;
  readonly model: string;
  readonly width: number;
  readonly height: number;
  readonly labels: number[];
  readonly foreground: number[];
  readonly instances: number;
  readonly seconds: number;
  readonly tiles: number;
  readonly tile: number;
  /** Download file names, by picture (overlay, probability, instances, labels). */
  readonly downloads: Readonly<Record<string, string>>;
}

export interface SegmentState {
  result?: WebResult;
  error?: string;
  busy: boolean;
}

const models = new Map<string, Promise<ModelData>>();
const model = (name: string): Promise<ModelData> => {
  let m = models.get(name);
  if (!m) models.set(name, (m = loadModelUrl(`models/${name}.safetensors`)));
  return m;
};

/** Offers `m` in the model list under `name` (the train tab's model), selected. */
export const addModel = (name: string, m: ModelData): void => {
  models.set(name, Promise.resolve(m));
  const select = $<HTMLSelectElement>('model');
  if (![...select.options].some((o) => o.value === name)) select.add(new Option(name, name));
  select.value = name;
};

const isTiff = (b: Uint8Array): boolean => b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a));

/** The file's intensities (grey; 0 … 2^bits − 1 as stored) and the network's input. */
const decode = async (file: Blob & { name: string }, page: number): Promise<{ raw: Image; input: Image }> => {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let raw: Image;
  if (isTiff(bytes)) raw = luminance(decodeTiff(bytes, file.name, { page }).image);
  else {
    const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
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
    raw = luminance(image(bitmap.width, bitmap.height, grey ? 1 : 3, planes));
  }
  return { raw, input: normalize('per-image')(raw) };
};

/** Instances in colour: each id a hue of the golden-angle sequence, background black. */
const instanceRaster = (ids: ArrayLike<number>, width: number, height: number): Raster => {
  const r = raster(width, height, [0, 0, 0]);
  for (let i = 0; i < width * height; i++) {
    const id = ids[i]!;
    if (id === 0) continue;
    const h = (id * 137.508) % 360;
    const f = (k: number): number => {
      const t = (k + h / 30) % 12;
      return Math.round(255 * (0.55 - 0.45 * Math.max(-1, Math.min(t - 3, 9 - t, 1))));
    };
    r.data.set([f(0), f(8), f(4)], 3 * i);
  }
  return r;
};

const grey = (img: Image): Raster => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of img.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const r = raster(img.width, img.height);
  for (let i = 0; i < img.width * img.height; i++) {
    const v = Math.round(hi > lo ? (255 * (img.data[i]! - lo)) / (hi - lo) : 0);
    r.data.set([v, v, v], 3 * i);
  }
  return r;
};

/** Wires the segment tab; `state` is where the last result goes. */
export const initSegment = (state: SegmentState): void => {
  const modelSelect = $<HTMLSelectElement>('model');
  const progress = $<HTMLProgressElement>('progress');
  const tiles = $<HTMLSpanElement>('tiles');
  const status = $<HTMLDivElement>('status');
  for (const m of BUNDLED_MODELS) modelSelect.add(new Option(m, m));

  const segment = async (file: File): Promise<void> => {
    if (state.busy) return;
    state.busy = true;
    state.error = undefined;
    document.body.dataset['state'] = 'busy';
    progress.value = 0;
    tiles.textContent = '';
    for (const id of ['dl-overlay', 'dl-probability', 'dl-instances', 'dl-labels']) $<HTMLAnchorElement>(id).hidden = true;
    try {
      const name = modelSelect.value;
      status.textContent = `decoding ${file.name}, loading ${name}…`;
      const [{ raw, input }, m, rt] = await Promise.all([decode(file, Number($<HTMLInputElement>('page').value)), model(name), runtimeFor($<HTMLSelectElement>('backend').value)]);
      drawRaster($('input'), grey(raw));
      status.textContent = `segmenting ${raw.width}×${raw.height} with ${name} on ${rt.backend}…`;
      const engine = yieldingForward(rt, m);
      const tta = $<HTMLInputElement>('tta').checked;
      const t0 = performance.now();
      const seg = await segmentImage(engine, m, input, {
        tta,
        onTile: (p) => {
          progress.value = p.done / p.total;
          tiles.textContent = `${p.done} / ${p.total} tiles`;
        },
      });
      const seconds = (performance.now() - t0) / 1000;
      const fg = seg.foreground ?? new Float32Array(seg.labels);
      drawRaster($('overlay'), overlayRaster(raw, seg.labels));
      drawRaster($('probability'), heatmap(fg, seg.width, seg.height, { min: 0, max: 1 }));
      drawRaster($('instances'), instanceRaster(instanceMap(seg.labels, seg.width, seg.height).map.data, seg.width, seg.height));
      // The downloads: the bytes `unet-ts segment` writes for this image.
      const stem = file.name.replace(/\.[^.]*$/, '');
      const out = outputPngs(raw, seg, { instances: true });
      const downloads: Record<string, string> = {};
      for (const [picture, png] of [['overlay', 'overlay'], ['probability', 'prob1'], ['instances', 'instances'], ['labels', 'labels']] as const) {
        const f = out.files.find((x) => x.name === png);
        if (f === undefined) continue;
        downloads[picture] = `${stem}_${png}.png`;
        pngLink($<HTMLAnchorElement>(`dl-${picture}`), f.bytes, downloads[picture]);
      }
      const fgShare = seg.labels.reduce((s, l) => s + (l > 0 ? 1 : 0), 0) / seg.labels.length;
      status.textContent =
        `${file.name}: ${seg.width}×${seg.height}, ${name}, ${seg.tiles} tile(s) of ${seg.tile}${tta ? ' × 8 (TTA)' : ''}, ` +
        `${seconds.toFixed(2)} s on ${await backendNote(rt)}; foreground ${(100 * fgShare).toFixed(1)} %, ${out.instances ?? 0} objects`;
      state.result = {
        backend: rt.backend,
        model: name,
        width: seg.width,
        height: seg.height,
        labels: Array.from(seg.labels),
        foreground: Array.from(fg),
        instances: out.instances ?? 0,
        seconds,
        tiles: seg.tiles,
        tile: seg.tile,
        downloads,
      };
      document.body.dataset['state'] = 'done';
    } catch (e) {
      state.error = (e as Error).message;
      status.textContent = `error: ${state.error}`;
      document.body.dataset['state'] = 'error';
    } finally {
      state.busy = false;
    }
  };

  const fileInput = $<HTMLInputElement>('file');
  const drop = $<HTMLDivElement>('drop');
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
};
