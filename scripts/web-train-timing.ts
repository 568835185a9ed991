/**
 * Times the page's train tab in headless Chromium (the software adapters here: no GPU) and
 * saves its screenshot: `npm run web`'s page, the train tab with its defaults (or --steps N),
 * on each --backend (default: webgpu and webgl2), printing the data time, the mean step time
 * and the held-out segmentation times. The screenshot of the first backend's run goes to
 * --shot (default docs/web-train.png).
 *
 * Usage: npx tsx scripts/web-train-timing.ts [--steps N] [--backend webgpu,webgl2] [--shot FILE]
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS, chromiumPath, noChromium } from '../test/browser/chromium.js';
import type { TrainReport } from '../web/train-setup.js';
import { startWebServer } from './web.js';

const { values } = parseArgs({ options: { steps: { type: 'string' }, backend: { type: 'string', default: 'webgpu,webgl2' }, shot: { type: 'string', default: 'docs/web-train.png' } } });
if (!chromiumPath) throw new Error(noChromium);
const server = await startWebServer({ port: 0 });
const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_FLAGS });
try {
  for (const [i, backend] of values.backend.split(',').entries()) {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(server.url);
    await page.waitForSelector('body[data-state="ready"]');
    await page.selectOption('#backend', backend);
    await page.click('#tab-train');
    if (values.steps !== undefined) await page.fill('#train-steps', values.steps);
    await page.click('#train-start');
    await page.waitForSelector('body[data-train="done"], body[data-train="error"]', { timeout: 0 });
    const t = await page.evaluate(() => (globalThis as unknown as { unetWeb: { train: { report?: TrainReport; error?: string } } }).unetWeb.train);
    if (t.error !== undefined || t.report === undefined) throw new Error(`${backend}: ${t.error}`);
    const r = t.report;
    const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `${r.backend}: ${r.losses.length} steps, tile ${r.choice.tile}, ${r.choice.images} images of ${r.choice.size}²: data ${r.dataSeconds.toFixed(2)} s; ` +
        `first step ${r.stepSeconds[0]!.toFixed(2)} s (compiles the kernels), then ${mean(r.stepSeconds.slice(1)).toFixed(2)} s/step; ` +
        `loss ${r.losses[0]!.toFixed(3)} → mean of the last 10 ${mean(r.losses.slice(-10)).toFixed(3)}; held-out ` +
        r.heldOut.map((h) => `seed ${h.seed}: IoU ${h.iou.toFixed(3)} in ${h.seconds.toFixed(2)} s (${h.tiles} tiles of ${h.tile})`).join(', '),
    );
    if (i === 0) await page.screenshot({ path: values.shot, fullPage: true });
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
