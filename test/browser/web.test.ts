/**
 * The page of `npm run web` (web/, served by scripts/web.ts) in headless Chromium: a real image
 * (a 128×128 crop of ../shared/data/isbi2012/images/00.png, or a synthetic image when the
 * shared data is absent) given to the page's file input as a PNG is segmented with the shipped
 * `isbi2012-small` model on the backend the page picks (webgpu on SwiftShader here), and its
 * labels equal those of Node (`decodeImage` + `segmentImage` on the cpu backend) wherever the
 * foreground probability is not within 1e-3 of a tie; its download links give PNGs that
 * decode to the page's result (overlay RGB, 16-bit probability, 16-bit instances, labels) at
 * the image's size. A 16-bit Deflate TIFF of the same crop, which the browser cannot decode
 * itself, goes through the library's `decodeTiff` to Node's labels as well. The test saves a
 * screenshot of the page to out/browser/web-page.png (docs/web-page.png is a copy). Skips
 * only without Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../../scripts/web.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { decodeImage } from '../../src/data/image-file.js';
import { readImageFile } from '../../src/data/image-file.js';
import { crop } from '../../src/data/mirror.js';
import { decodePng, encodePng } from '../../src/data/png.js';
import type { Image } from '../../src/data/image.js';
import { instanceMap } from '../../src/infer/output-images.js';
import { synthetic } from '../../src/data/synthetic.js';
import { segmentImage } from '../../src/infer/tiles.js';
import { readModelFile } from '../../src/unet/checkpoint.js';
import { bundledModel } from '../../src/unet/bundled.js';
import { CHROMIUM_FLAGS, chromiumPath, noChromium } from './chromium.js';
import { sampleBytes, tiffBytes, type TiffPage } from '../data/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHARED = `${ROOT}../shared/data/isbi2012/images/00.png`;
const N = 128;

/** The test image (0 … 255): a crop of a real ISBI 2012 image where the shared data exists. */
const testImage = (): { name: string; image: Image } => {
  if (existsSync(SHARED)) return { name: 'isbi2012-00-crop', image: crop({ x: 64, y: 64, width: N, height: N })(readImageFile(SHARED).image) };
  const s = synthetic({ width: N, height: N })(1000);
  return { name: 'synthetic-1000', image: { ...s.image, data: s.image.data.map((v) => Math.round(Math.max(0, Math.min(255, v * 255)))) } };
};

/** The test image as PNG bytes. */
const testPng = (): { name: string; bytes: Buffer } => {
  const t = testImage();
  return { name: `${t.name}.png`, bytes: encodePng(t.image) };
};

/** The test image as a 16-bit grey TIFF (×257: 0 … 65535), its one strip Deflate-compressed. */
const testTiff = (): { name: string; bytes: Buffer } => {
  const t = testImage();
  const page: TiffPage = { width: N, height: N, bitsPerSample: 16, sampleFormat: 1, samplesPerPixel: 1, photometric: 1, values: Array.from(t.image.data, (v) => v * 257) };
  return { name: `${t.name}.tif`, bytes: tiffBytes([{ ...page, compression: 8, segments: [zlib.deflateSync(sampleBytes(page))] }]) };
};

interface PageResult {
  readonly backend: string;
  readonly labels: number[];
  readonly foreground: number[];
  readonly instances: number;
  readonly width: number;
  readonly height: number;
  readonly seconds: number;
  readonly tiles: number;
  readonly tile: number;
  readonly downloads: Record<string, string>;
}

/** Gives the page a file and waits for its segmentation. */
const segmentIn = async (page: Page, file: { name: string; bytes: Buffer }, mimeType: string): Promise<{ result: PageResult; wall: number }> => {
  const t0 = Date.now();
  await page.setInputFiles('#file', { name: file.name, mimeType, buffer: file.bytes });
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 100_000 });
  const wall = (Date.now() - t0) / 1000;
  const got = await page.evaluate(() => (globalThis as unknown as { unetWeb: { result?: PageResult; error?: string } }).unetWeb);
  expect(got.error).toBeUndefined();
  return { result: got.result!, wall };
};

/** Labels equal Node's (cpu) wherever Node's probability is not within 1e-3 of a tie; how many compared. */
const expectNodeLabels = async (cpu: Runtime, bytes: Buffer, name: string, labels: readonly number[]): Promise<{ compared: number; of: number }> => {
  const model = await readModelFile(bundledModel('isbi2012-small'));
  const want = await segmentImage(cpu, model, decodeImage(bytes, { name }), { tta: false });
  const fg = want.foreground!;
  let compared = 0;
  const differ: number[] = [];
  for (let i = 0; i < fg.length; i++) {
    if (Math.abs(fg[i]! - 0.5) <= 1e-3) continue;
    compared++;
    if (labels[i] !== want.labels[i]) differ.push(i);
  }
  expect(differ, `${differ.length} labels differ from Node's`).toEqual([]);
  expect(compared).toBeGreaterThan(0.99 * fg.length);
  return { compared, of: fg.length };
};

describe.skipIf(!chromiumPath)(`npm run web's page in headless Chromium${chromiumPath ? '' : ` (skipped: ${noChromium})`}`, () => {
  let server: WebServer;
  let browser: Browser;
  let cpu: Runtime;

  beforeAll(async () => {
    server = await startWebServer({ port: 0 });
    browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: CHROMIUM_FLAGS });
    cpu = await createRuntime({ backend: 'cpu' });
  });
  afterAll(async () => {
    await cpu?.dispose();
    await browser?.close();
    await server?.close();
  });

  it('segments a dropped PNG with a shipped model: the labels of Node, a progress bar that ends full, PNG downloads of the result, a screenshot', async () => {
    const png = testPng();
    const page = await browser.newPage({ viewport: { width: 1000, height: 1000 }, acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-state="ready"]');
    await page.selectOption('#model', 'isbi2012-small');
    const { result: r, wall } = await segmentIn(page, png, 'image/png');
    expect(errors).toEqual([]);
    expect([r.width, r.height]).toEqual([N, N]);
    expect(await page.$eval('#progress', (p) => (p as unknown as { value: number }).value)).toBe(1);
    mkdirSync(`${ROOT}out/browser`, { recursive: true });
    await page.screenshot({ path: `${ROOT}out/browser/web-page.png` });
    const { compared, of } = await expectNodeLabels(cpu, png.bytes, png.name, r.labels);

    // The download links: PNGs of the image's size that decode to what the page computed.
    const download = async (picture: string): Promise<ReturnType<typeof decodePng>> => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(`#dl-${picture}`)]);
      expect(d.suggestedFilename()).toBe(r.downloads[picture]);
      const raw = decodePng(readFileSync((await d.path())!), d.suggestedFilename());
      expect([raw.image.width, raw.image.height], picture).toEqual([N, N]);
      return raw;
    };
    const overlay = await download('overlay');
    expect([overlay.image.channels, overlay.bitDepth]).toEqual([3, 8]);
    const prob = await download('probability');
    expect([prob.image.channels, prob.bitDepth]).toEqual([1, 16]);
    prob.image.data.forEach((v, i) => expect(Math.abs(v / 65535 - r.foreground[i]!)).toBeLessThanOrEqual(0.5 / 65535 + 1e-6));
    const ids = await download('instances');
    expect(ids.bitDepth).toBe(16);
    expect(Array.from(ids.image.data)).toEqual(Array.from(instanceMap(r.labels, N, N).map.data));
    expect(Math.max(...ids.image.data)).toBe(r.instances);
    expect(r.instances).toBeGreaterThan(0);
    const labels = await download('labels');
    expect(Array.from(labels.image.data)).toEqual(r.labels);
    console.log(`web page: ${png.name} ${N}×${N}, isbi2012-small, ${r.tiles} tile(s) of ${r.tile} on ${r.backend}: segmentImage ${r.seconds.toFixed(2)} s, file to overlay ${wall.toFixed(1)} s; labels equal Node's on ${compared} of ${of} pixels (the rest within 1e-3 of a tie); 4 PNG downloads decode to the page's result (${r.instances} objects)`);

    // A 16-bit TIFF: decoded by the library in the page, segmented to Node's labels.
    const tif = testTiff();
    const t = await segmentIn(page, tif, 'image/tiff');
    expect(errors).toEqual([]);
    expect([t.result.width, t.result.height]).toEqual([N, N]);
    const tc = await expectNodeLabels(cpu, tif.bytes, tif.name, t.result.labels);
    expect(t.result.downloads['overlay']).toBe(`${testImage().name}_overlay.png`);
    console.log(`web page: ${tif.name} (16-bit, Deflate) ${N}×${N}: segmentImage ${t.result.seconds.toFixed(2)} s; labels equal Node's on ${tc.compared} of ${tc.of} pixels`);
  });
});
