/**
 * The library in a real browser: the browser entry (src/browser.ts) bundled by esbuild as a web
 * app would bundle `unet-ts`, loaded in headless Chromium (Debian's `chromium`, installed by
 * scripts/setup-backends.sh; no browser download) driven by playwright-core. Chromium without a
 * GPU gives WebGL2 through ANGLE on SwiftShader and WebGPU through Dawn on SwiftShader: both
 * software. In the page:
 *  - the kernel checks of `unet-ts check --small` (every kernel and VJP against float64
 *    references, finite differences, two whole small U-Nets) pass on webgl2 and webgpu;
 *  - a tiny model fetched as bytes from a URL gives the Node cpu backend's logits within the
 *    conv kernels' tolerance (1e-4 of the largest logit), and its overlap-tile segmentation the
 *    same probabilities and labels;
 *  - 8 Adam steps of that model on one synthetic tile lower the loss, the first loss being
 *    Node's cpu loss within 1e-4;
 *  - residency (as test/runtime/residency.test.ts checks WebGPU in Node): on webgl2 (textures)
 *    and webgpu (buffers) a training step reads back only the loss, the gradients and small
 *    sums, with Node's loss and gradient sums; no device array outlives a step, and on webgl2
 *    the live textures are as many after step 20 as after step 2; `resident: false` gives a
 *    runtime that reads everything back, with the same loss.
 * Skips (with the reason in the test name and on stderr) only when no Chromium binary exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { inferenceCtx } from '../../src/autodiff/tape.js';
import { predictLogits } from '../../src/unet/model.js';
import { encodeModel } from '../../src/unet/model-file.js';
import { segmentImage } from '../../src/infer/tiles.js';
import { image } from '../../src/data/image.js';
import { rng } from '../../src/tensor/random.js';
import { lossAndGrads } from '../../src/train/step.js';
import { initParams } from '../../src/unet/params.js';
import type { PageCheck, PageForward, PageResidency, PageTraining } from './page.js';
import { geometry } from '../../src/unet/geometry.js';
import type { UNetConfig } from '../../src/unet/config.js';
import { TINY, tinyParams, tinySample } from './tiny.js';
import { CHROMIUM_FLAGS, chromiumPath, noChromium } from './chromium.js';

const executable = chromiumPath;
const noBrowser = noChromium;
if (!executable) console.warn(`browser tests skipped: ${noBrowser}`);

const entry = fileURLToPath(new URL('./page.ts', import.meta.url));

/** The test page bundled for the browser (esbuild fails on any Node built-in reaching it). */
const bundle = async (): Promise<string> => {
  const out = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  return out.outputFiles[0]!.text;
};

it('the browser entry bundles for the browser: no Node built-in reaches it', async () => {
  const js = await bundle();
  expect(js.length).toBeGreaterThan(100_000);
  expect(js).not.toMatch(/from\s*["']node:/);
});

describe.skipIf(!executable)(`in headless Chromium${executable ? '' : ` (skipped: ${noBrowser})`}`, () => {
  let server: http.Server;
  let browser: Browser;
  let page: Page;
  let cpu: Runtime;
  const files = new Map<string, { type: string; body: string | Uint8Array }>();

  beforeAll(async () => {
    files.set('/', { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>unet-ts test page</title><script type="module" src="/page.js"></script>' });
    files.set('/page.js', { type: 'text/javascript', body: await bundle() });
    files.set('/tiny.safetensors', { type: 'application/octet-stream', body: encodeModel({ config: TINY, params: tinyParams() }) });
    server = http.createServer((req, res) => {
      const f = files.get(req.url ?? '');
      if (!f) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': f.type }).end(f.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath: executable!, headless: true, args: CHROMIUM_FLAGS });
    page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (globalThis as { unetPage?: unknown }).unetPage !== undefined);
    cpu = await createRuntime({ backend: 'cpu' });
  });

  afterAll(async () => {
    await cpu?.dispose();
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  const backends = (): Promise<{ why: Record<string, string | undefined>; adapter?: string }> =>
    page.evaluate(() => (globalThis as unknown as { unetPage: { backends(): Promise<{ why: Record<string, string | undefined>; adapter?: string }> } }).unetPage.backends());

  it('WebGL2 starts; auto picks webgpu where an adapter answers, else webgl2; an unknown name is a BackendError', async () => {
    const { why, adapter } = await backends();
    expect(why['webgl2']).toBeUndefined();
    const auto = await page.evaluate(() => (globalThis as unknown as { unetPage: { auto(): Promise<{ backend?: string }> } }).unetPage.auto());
    expect(auto.backend).toBe(why['webgpu'] === undefined ? 'webgpu' : 'webgl2');
    if (adapter !== undefined) expect(adapter).toMatch(/swiftshader|software|\w/i);
    const bad = await page.evaluate(() => (globalThis as unknown as { unetPage: { start(b: string): Promise<{ error?: string }> } }).unetPage.start('webasm'));
    expect(bad.error).toMatch(/^BackendError: unknown backend 'webasm' in a browser; expected one of webgpu, webgl2, cpu/);
  });

  const check = (backend: string): Promise<PageCheck> =>
    page.evaluate((b) => (globalThis as unknown as { unetPage: { check(b: string): Promise<PageCheck> } }).unetPage.check(b), backend);

  for (const backend of ['webgl2', 'webgpu'] as const) {
    it(`unet-ts check --small passes in the page on ${backend}`, async ({ skip }) => {
      const { why, adapter } = await backends();
      if (backend === 'webgpu' && why['webgpu'] !== undefined) {
        console.warn(`webgpu did not start in Chromium: ${why['webgpu']}`);
        skip(true, `webgpu did not start in Chromium: ${why['webgpu']}`);
      }
      const r = await check(backend);
      expect(r.backend).toBe(backend);
      const failed = r.rows.filter((row) => !row.ok).map((row) => `${row.op} ${row.pass} ${row.shape}: rel ${row.relError} > ${row.tolerance}`);
      expect(failed).toEqual([]);
      expect(r.fallbacks).toEqual([]);
      expect(r.rows.length).toBeGreaterThanOrEqual(38); // every op case (forward, VJP, finite differences) and the 2 whole networks
      console.log(`browser check --small on ${backend}${backend === 'webgpu' ? ` (${adapter})` : ' (ANGLE SwiftShader)'}: ${r.rows.length} checks passed in ${r.seconds.toFixed(1)} s`);
    });
  }

  it('a tiny model loaded from a URL gives the Node cpu logits and segmentation, on webgl2 and webgpu', async () => {
    const r = rng(11);
    const n = TINY.tile;
    const x = Float32Array.from({ length: n * n }, () => r.normal());
    const [w, h] = [70, 53];
    const img = Float32Array.from({ length: w * h }, (_, i) => Math.sin(i / 7) + 0.5 * r.normal());
    const want = await predictLogits(inferenceCtx(cpu), TINY, tinyParams(), { shape: [1, 1, n, n], data: x });
    const wantSeg = await segmentImage(cpu, { config: TINY, params: tinyParams() }, image(w, h, 1, img), { tta: false });
    const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    const { why } = await backends();
    const ran: string[] = [];
    for (const backend of ['webgl2', 'webgpu'] as const) {
      if (why[backend] !== undefined) continue;
      const got = await page.evaluate(
        ([b, xs, im]) => (globalThis as unknown as { unetPage: { forward(b: string, u: string, x: number[], i: object): Promise<PageForward> } }).unetPage.forward(b, '/tiny.safetensors', xs, im),
        [backend, Array.from(x), { w, h, data: Array.from(img) }] as const,
      );
      expect(got.backend).toBe(backend);
      expect(got.shape).toEqual([...want.shape]);
      let maxAbs = 0;
      for (let i = 0; i < want.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(got.logits[i]! - want.data[i]!));
      expect(maxAbs / scale, `${backend}: logits differ by ${maxAbs} (largest logit ${scale})`).toBeLessThanOrEqual(1e-4);
      const fg = wantSeg.foreground!;
      let pMax = 0;
      let decided = 0;
      for (let i = 0; i < fg.length; i++) {
        pMax = Math.max(pMax, Math.abs(got.probabilities[i]! - fg[i]!));
        if (Math.abs(fg[i]! - 0.5) > 1e-4) {
          decided++;
          expect(got.labels[i], `${backend}: label of pixel ${i} (p = ${fg[i]})`).toBe(wantSeg.labels[i]);
        }
      }
      expect(pMax).toBeLessThanOrEqual(1e-4);
      expect(decided).toBeGreaterThan(0.9 * fg.length); // not vacuous: nearly every pixel's label compared
      ran.push(`${backend} ${got.seconds.toFixed(2)} s`);
    }
    expect(ran.length).toBeGreaterThanOrEqual(1);
    console.log(`browser forward (tiny model from URL, one ${n}² tile + a ${w}×${h} segmentation): ${ran.join(', ')}`);
  });

  it('residency: on webgl2 and webgpu a training step reads back only the loss, the gradients and small sums; no device array outlives a step; the loss and gradients are Node cpu\'s', async () => {
    // Activations far larger than the parameters (as in test/runtime/residency.test.ts).
    const cfg: UNetConfig = { inChannels: 1, classes: 2, depth: 1, base: 2, dropout: 0.5, padding: 'valid', tile: 64 };
    const g = geometry(cfg)(cfg.tile);
    if (g._tag === 'Left') throw new Error(g.left.message);
    const { input: n, output: o } = g.right;
    const r = rng(5);
    const arr = (ch: number, s: number, f: () => number) => ({ shape: [1, ch, s, s], data: Array.from({ length: ch * s * s }, f) });
    const sample = { image: arr(1, n, () => r.normal()), labels: arr(1, o, () => r.int(2)), weights: arr(1, o, () => 0.5 + r.uniform()) };
    const start = initParams(cfg, 1);
    const t = (v: { shape: number[]; data: number[] }) => ({ shape: v.shape as unknown as readonly [number, number, number, number], data: Float32Array.from(v.data) });
    const want = await lossAndGrads(cpu, cfg, start, { image: t(sample.image), labels: t(sample.labels), weights: t(sample.weights) }, 1);
    const wantSums = Object.keys(want.grads).sort().map((k) => want.grads[k]!.data.reduce((a, b) => a + b, 0));
    const arrays = Object.fromEntries(Object.entries(start).map(([k, p]) => [k, { shape: [...p.shape], data: Array.from(p.data) }]));
    const activations = 4 * 2 * n * n; // bytes of one base-2 activation at the input size
    const { why } = await backends();
    const ran: string[] = [];
    const run = (backend: string, steps: number, resident: boolean): Promise<PageResidency> =>
      page.evaluate(
        ([b, c, p, s, n, res]) =>
          (globalThis as unknown as { unetPage: { residency(b: string, c: object, p: object, s: object, steps: number, resident: boolean): Promise<PageResidency> } }).unetPage.residency(b, c, p, s, n, res),
        [backend, cfg, arrays, sample, steps, resident] as const,
      );
    for (const backend of ['webgl2', 'webgpu'] as const) {
      if (why[backend] !== undefined) continue;
      // resident: false: every result comes back to the host (no device arrays); the same loss
      const host = await run(backend, 1, false);
      expect(host.resident).toBe(false);
      expect(Math.abs(host.loss - want.loss) / want.loss).toBeLessThanOrEqual(1e-4);
      const got = await run(backend, 20, true);
      expect(got.resident, backend).toBe(true);
      expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThanOrEqual(1e-4);
      got.gradSums.forEach((v, i) => expect(Math.abs(v - wantSums[i]!), `${backend} gradient sum ${i}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(wantSums[i]!))));
      expect(got.firstStepRead, `${backend}: bytes read back in a step`).toBeLessThanOrEqual(2 * got.paramBytes + 1024);
      expect(got.firstStepRead).toBeLessThan(activations);
      expect(got.deviceArrays).toEqual([0, 0]);
      expect(got.kernels[1]).toBe(got.kernels[0]);
      expect(got.textures[1], `${backend}: GL textures alive after step 2 and step 20`).toBe(got.textures[0]);
      if (backend === 'webgl2') expect(got.textures[0]).toBeGreaterThan(0);
      ran.push(`${backend}: ${got.firstStepRead} bytes read back per step (parameters ${got.paramBytes} bytes)${backend === 'webgl2' ? `, ${got.textures[1]} textures alive after 2 and after 20 steps` : ''}`);
    }
    expect(ran.length).toBeGreaterThanOrEqual(1);
    console.log(`browser residency: ${ran.join('; ')}`);
  });

  it('training steps in the page lower the loss; the first loss is that of Node cpu', async () => {
    const start = initParams(TINY, 2); // plain seeded start weights
    const want = await lossAndGrads(cpu, TINY, start, tinySample(), 0);
    const arrays = Object.fromEntries(Object.entries(start).map(([k, p]) => [k, { shape: [...p.shape], data: Array.from(p.data) }]));
    const { why } = await backends();
    const ran: string[] = [];
    for (const backend of ['webgl2', 'webgpu'] as const) {
      if (why[backend] !== undefined) continue;
      const got = await page.evaluate(
        ([b, p]) => (globalThis as unknown as { unetPage: { train(b: string, p: object, steps: number): Promise<PageTraining> } }).unetPage.train(b, p, 8),
        [backend, arrays] as const,
      );
      expect(got.backend).toBe(backend);
      expect(Math.abs(got.losses[0]! - want.loss) / want.loss, `${backend}: first loss ${got.losses[0]} vs Node ${want.loss}`).toBeLessThanOrEqual(1e-4);
      expect(got.losses.every(Number.isFinite)).toBe(true);
      expect(got.losses.at(-1)!, `${backend} losses ${got.losses.join(', ')}`).toBeLessThan(0.9 * got.losses[0]!);
      ran.push(`${backend} ${got.seconds.toFixed(2)} s (loss ${got.losses[0]!.toFixed(3)} → ${got.losses.at(-1)!.toFixed(3)})`);
    }
    expect(ran.length).toBeGreaterThanOrEqual(1);
    console.log(`browser training (tiny model, 8 Adam steps on a 92² tile): ${ran.join(', ')}`);
  });
});
