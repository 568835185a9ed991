/**
 * The page of `npm run web` (web/, served by scripts/web.ts) in headless Chromium: a real image
 * (a 128×128 crop of ../shared/data/isbi2012/images/00.png, or a synthetic image when the
 * shared data is absent) given to the page's file input as a PNG is segmented with the shipped
 * `isbi2012-small` model on the backend the page picks (webgpu on SwiftShader here), and its
 * labels equal those of Node (`decodeImage` + `segmentImage` on the cpu backend) wherever the
 * foreground probability is not within 1e-3 of a tie. The test saves a screenshot of the page
 * to out/browser/web-page.png (docs/web-page.png is a copy). Skips only without Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startWebServer, type WebServer } from '../../scripts/web.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { decodeImage } from '../../src/data/image-file.js';
import { readImageFile } from '../../src/data/image-file.js';
import { crop } from '../../src/data/mirror.js';
import { encodePng } from '../../src/data/png.js';
import { synthetic } from '../../src/data/synthetic.js';
import { segmentImage } from '../../src/infer/tiles.js';
import { readModelFile } from '../../src/unet/checkpoint.js';
import { bundledModel } from '../../src/unet/bundled.js';
import { CHROMIUM_FLAGS, chromiumPath, noChromium } from './chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHARED = `${ROOT}../shared/data/isbi2012/images/00.png`;
const N = 128;

/** The test image as PNG bytes: a crop of a real ISBI 2012 image where the shared data exists. */
const testPng = (): { name: string; bytes: Buffer } => {
  if (existsSync(SHARED)) return { name: 'isbi2012-00-crop.png', bytes: encodePng(crop({ x: 64, y: 64, width: N, height: N })(readImageFile(SHARED).image)) };
  const s = synthetic({ width: N, height: N })(1000);
  return { name: 'synthetic-1000.png', bytes: encodePng({ ...s.image, data: s.image.data.map((v) => Math.max(0, Math.min(255, v * 255))) }) };
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

  it('segments a dropped PNG with a shipped model: the labels of Node, a progress bar that ends full, a screenshot', async () => {
    const png = testPng();
    const page = await browser.newPage({ viewport: { width: 1000, height: 640 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-state="ready"]');
    await page.selectOption('#model', 'isbi2012-small');
    const t0 = Date.now();
    await page.setInputFiles('#file', { name: png.name, mimeType: 'image/png', buffer: png.bytes });
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 100_000 });
    const wall = (Date.now() - t0) / 1000;
    const got = await page.evaluate(() => (globalThis as unknown as { unetWeb: { result?: { backend: string; labels: number[]; width: number; height: number; seconds: number; tiles: number; tile: number }; error?: string } }).unetWeb);
    expect(got.error).toBeUndefined();
    expect(errors).toEqual([]);
    const r = got.result!;
    expect([r.width, r.height]).toEqual([N, N]);
    expect(await page.$eval('#progress', (p) => (p as unknown as { value: number }).value)).toBe(1);
    mkdirSync(`${ROOT}out/browser`, { recursive: true });
    await page.screenshot({ path: `${ROOT}out/browser/web-page.png` });

    const model = await readModelFile(bundledModel('isbi2012-small'));
    const want = await segmentImage(cpu, model, decodeImage(png.bytes, { name: png.name }), { tta: false });
    const fg = want.foreground!;
    let compared = 0;
    const differ: number[] = [];
    for (let i = 0; i < fg.length; i++) {
      if (Math.abs(fg[i]! - 0.5) <= 1e-3) continue;
      compared++;
      if (r.labels[i] !== want.labels[i]) differ.push(i);
    }
    expect(differ, `${differ.length} labels differ from Node's`).toEqual([]);
    expect(compared).toBeGreaterThan(0.99 * fg.length);
    console.log(`web page: ${png.name} ${N}×${N}, isbi2012-small, ${r.tiles} tile(s) of ${r.tile} on ${r.backend}: segmentImage ${r.seconds.toFixed(2)} s, file to overlay ${wall.toFixed(1)} s; labels equal Node's on ${compared} of ${fg.length} pixels (the rest within 1e-3 of a tie)`);
  });
});
