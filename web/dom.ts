/**
 * The page's small DOM helpers: elements by id, rasters (src/plot's RGB pictures) onto
 * canvases, PNG bytes behind download links, and a yield to the browser.
 */
import type { Raster } from '../src/plot/raster.js';

/** The element with `id` (the page's HTML defines every id the scripts use). */
export const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
};

/** Draws an RGB raster on `canvas` (resized to it); small pictures are shown at least `minCss` px wide, pixelated. */
export const drawRaster = (canvas: HTMLCanvasElement, r: Raster, minCss = 440): void => {
  canvas.width = r.width;
  canvas.height = r.height;
  canvas.style.width = `${Math.min(2 * r.width, Math.max(r.width, minCss))}px`;
  const ctx = canvas.getContext('2d')!;
  const out = ctx.createImageData(r.width, r.height);
  for (let i = 0; i < r.width * r.height; i++) out.data.set([r.data[3 * i]!, r.data[3 * i + 1]!, r.data[3 * i + 2]!, 255], 4 * i);
  ctx.putImageData(out, 0, 0);
};

/** Points `a` at a PNG of `bytes` to be saved as `name` (the previous object URL is released). */
export const pngLink = (a: HTMLAnchorElement, bytes: Uint8Array<ArrayBuffer>, name: string): void => {
  if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
  a.download = name;
  a.hidden = false;
};

/** Lets the browser paint and handle input (a macrotask: timers and events queued before it run first). */
export const yieldToBrowser = (): Promise<void> => new Promise((go) => setTimeout(go, 0));
