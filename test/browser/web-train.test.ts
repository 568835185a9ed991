/**
 * The train tab of `npm run web`'s page in headless Chromium: a short run of the tiny U-Net on
 * synthetic cells (6 steps at tile 124, 4 images of 128², one held-out image) on the backend
 * the page picks (webgpu on SwiftShader here). Its first loss is Node's (the same run built
 * from web/train-setup.ts on the cpu backend) within 1e-4, the loss falls, the chart is
 * drawn, the page's timer ran between the steps (the page stayed responsive), the held-out
 * image is segmented and drawn, and the trained model downloads as a .safetensors that
 * decodes and is offered in the segment tab. Saves a screenshot (out/browser/web-train.png;
 * docs/web-train.png is a copy). Skips only without Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startWebServer, type WebServer } from '../../scripts/web.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { startTraining, trainStep } from '../../src/train/session.js';
import { decodeModel } from '../../src/unet/model-file.js';
import { DEFAULT_TRAIN, trainSetup, trainingItems, type TrainChoice, type TrainReport } from '../../web/train-setup.js';
import { CHROMIUM_FLAGS, chromiumPath, noChromium } from './chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHOICE: TrainChoice = { ...DEFAULT_TRAIN, steps: 6, tile: 124, images: 4, size: 128, heldOut: 1 };

describe.skipIf(!chromiumPath)(`the page's train tab in headless Chromium${chromiumPath ? '' : ` (skipped: ${noChromium})`}`, () => {
  let server: WebServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startWebServer({ port: 0 });
    browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: CHROMIUM_FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('trains the tiny U-Net on synthetic cells: Node’s first loss, a falling loss, a live chart, a responsive page, held-out overlays, a model to download', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-state="ready"]');
    await page.click('#tab-train');
    expect(await page.isVisible('#train-tab')).toBe(true);
    expect(await page.isVisible('#segment-tab')).toBe(false);
    await page.fill('#train-steps', String(CHOICE.steps));
    await page.selectOption('#train-tile', String(CHOICE.tile));
    await page.fill('#train-images', String(CHOICE.images));
    await page.selectOption('#train-size', String(CHOICE.size));
    await page.fill('#train-heldout', String(CHOICE.heldOut));
    const t0 = Date.now();
    await page.click('#train-start');
    await page.waitForSelector('body[data-train="running"]');
    expect(await page.isDisabled('#train-start')).toBe(true);
    await page.waitForSelector('body[data-train="done"], body[data-train="error"]', { timeout: 120_000 });
    const wall = (Date.now() - t0) / 1000;
    const got = await page.evaluate(() => (globalThis as unknown as { unetWeb: { train: { report?: TrainReport; error?: string } } }).unetWeb.train);
    expect(got.error).toBeUndefined();
    expect(errors).toEqual([]);
    const r = got.report!;
    expect(r.choice).toEqual(CHOICE);
    expect(r.stopped).toBe(false);
    expect(r.losses).toHaveLength(CHOICE.steps);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(r.stepSeconds.every((s) => s > 0)).toBe(true);

    // Node's cpu backend, the same run: the first loss (same tile, dropout mask and weights).
    const cpu = await createRuntime({ backend: 'cpu' });
    try {
      const setup = trainSetup(cpu, CHOICE, trainingItems(CHOICE));
      const first = await trainStep(setup)(startTraining(setup.config, setup.optimizer, CHOICE.seed));
      expect(Math.abs(r.losses[0]! - first.step.loss) / first.step.loss, `first loss ${r.losses[0]} vs Node's ${first.step.loss}`).toBeLessThanOrEqual(1e-4);
    } finally {
      await cpu.dispose();
    }
    const tail = r.losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
    expect(tail, `losses ${r.losses.join(', ')}`).toBeLessThan(0.8 * r.losses[0]!);

    // Responsive: a 50 ms timer fired between the steps (each step takes longer than 50 ms here).
    expect(Math.min(...r.stepSeconds)).toBeGreaterThan(0.05);
    expect(r.ticks).toBeGreaterThanOrEqual(CHOICE.steps - 1);
    // The chart: drawn (hundreds of non-white pixels), and the status names the backend and step times.
    type Canvas2d = { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const inked = await page.$eval('#loss-chart', (c) => {
      const canvas = c as unknown as Canvas2d;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! < 200 || d[i + 1]! < 200 || d[i + 2]! < 200) n++;
      return { n, width: canvas.width };
    });
    expect(inked.width).toBe(640);
    expect(inked.n).toBeGreaterThan(500);
    const status = await page.textContent('#train-status');
    expect(status).toContain(r.backend);
    expect(status).toMatch(/s\/step/);

    // Held-out: segmented, scored and drawn at the image's size.
    expect(r.heldOut.map((h) => h.seed)).toEqual([1000]);
    expect(r.heldOut[0]!.iou).toBeGreaterThanOrEqual(0);
    expect(r.heldOut[0]!.iou).toBeLessThanOrEqual(1);
    expect(await page.$$eval('#heldout canvas', (cs) => cs.map((c) => (c as unknown as { width: number }).width))).toEqual([CHOICE.size]);

    // The trained model: a download that decodes, and a choice in the segment tab.
    const [d] = await Promise.all([page.waitForEvent('download'), page.click('#dl-model')]);
    const model = decodeModel(new Uint8Array(readFileSync((await d.path())!)), d.suggestedFilename());
    expect(model.config).toMatchObject({ depth: 3, base: 8, tile: 252 });
    expect(await page.$eval('#model', (s) => (s as unknown as { value: string }).value)).toBe('tiny (trained here)');

    mkdirSync(`${ROOT}out/browser`, { recursive: true });
    await page.screenshot({ path: `${ROOT}out/browser/web-train.png`, fullPage: true });
    const mean = r.stepSeconds.reduce((a, b) => a + b, 0) / r.stepSeconds.length;
    console.log(
      `web page train tab: ${CHOICE.steps} steps of the tiny U-Net (tile ${CHOICE.tile}, ${CHOICE.images} images of ${CHOICE.size}²) on ${r.backend}: ` +
        `${mean.toFixed(2)} s/step (first ${r.stepSeconds[0]!.toFixed(2)} s), data ${r.dataSeconds.toFixed(2)} s, held-out ${CHOICE.size}² segmentation ${r.heldOut[0]!.seconds.toFixed(2)} s ` +
        `(${r.heldOut[0]!.tiles} tile of ${r.heldOut[0]!.tile}); loss ${r.losses[0]!.toFixed(3)} → ${r.losses.at(-1)!.toFixed(3)}; ${r.ticks} timer ticks; click to done ${wall.toFixed(1)} s`,
    );
  });
});
